package api

import "testing"

// TS 29.571 §5.2.2: BitRate is "^\d+(\.\d+)? (bps|Kbps|Mbps|Gbps|Tbps)$".
func TestParseBitRate(t *testing.T) {
	good := []struct {
		in   string
		want uint64
	}{
		{"0 bps", 0}, {"1 bps", 1}, {"64 Kbps", 64_000}, {"100 Mbps", 100_000_000},
		{"1.5 Gbps", 1_500_000_000}, {"2 Tbps", 2_000_000_000_000}, {"0.001 Kbps", 1},
	}
	for _, tt := range good {
		got, err := ParseBitRate(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseBitRate(%q) = %d, %v, want %d", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "1", "1Gbps", "1 gbps", "-1 Mbps", "1e3 bps", "1.2.3 Mbps", " 1 Mbps", "1 Mbps ", "5000 Tbps", "NaN bps"} {
		if got, err := ParseBitRate(in); err == nil {
			t.Errorf("ParseBitRate(%q) = %d, nil, want an error", in, got)
		}
	}
}

func TestFormatBitRate(t *testing.T) {
	tests := []struct {
		in   uint64
		want string
	}{
		{0, "0 bps"}, {999, "999 bps"}, {1000, "1 Kbps"}, {1_500_000_000, "1500 Mbps"}, {1e9, "1 Gbps"}, {1_000_001, "1000001 bps"},
	}
	for _, tt := range tests {
		if got := FormatBitRate(tt.in); got != tt.want {
			t.Errorf("FormatBitRate(%d) = %q, want %q", tt.in, got, tt.want)
		}
		if back, err := ParseBitRate(FormatBitRate(tt.in)); err != nil || back != tt.in {
			t.Errorf("ParseBitRate(FormatBitRate(%d)) = %d, %v", tt.in, back, err)
		}
	}
}
