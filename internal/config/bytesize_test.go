package config

import (
	"strings"
	"testing"
)

func TestParseByteSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want ByteSize
	}{
		{"0", 0},
		{"1000", 1000},
		{"1000B", 1000},
		{"64KiB", 64 << 10},
		{"512MiB", 512 << 20},
		{"8GiB", 8 << 30},
		{"2TiB", 2 << 40},
	} {
		got, err := ParseByteSize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"", "want a whole number"},
		{"GiB", "want a whole number"},
		{"-1GiB", "want a whole number"},
		{"1.5GiB", `unit ".5GiB"`},
		{"8 GiB", `unit " GiB"`},
		{"8GB", "write GiB for gigabytes"},
		{"8gib", `unit "gib"`},
		{"99999999999999999999", "too large"},
		{"8388608TiB", "too large"},
	} {
		if got, err := ParseByteSize(tt.in); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseByteSize(%q) = %d, %v; want an error containing %q", tt.in, got, err, tt.want)
		}
	}
}

func TestByteSizeString(t *testing.T) {
	for _, tt := range []struct {
		in   ByteSize
		want string
	}{{0, "0"}, {1000, "1000B"}, {2048, "2KiB"}, {1536 << 20, "1536MiB"}, {8 << 30, "8GiB"}, {1 << 40, "1TiB"}} {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("ByteSize(%d).String() = %q, want %q", uint64(tt.in), got, tt.want)
		}
		if back, err := ParseByteSize(tt.in.String()); err != nil || back != tt.in {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", tt.in.String(), back, err, uint64(tt.in))
		}
	}
}

// memory_limit takes a number of bytes or a size with a unit.
func TestParseMemoryLimit(t *testing.T) {
	for in, want := range map[string]ByteSize{
		"memory_limit: 8GiB\n":        8 << 30,
		"memory_limit: \"8GiB\"\n":    8 << 30,
		"memory_limit: 134217728\n":   128 << 20,
		"memory_limit: 128_000_000\n": 128_000_000,
		"memory_limit: 0\n":           0,
	} {
		got, err := Parse([]byte(in))
		if err != nil || got.MemoryLimit != want {
			t.Errorf("Parse(%q).MemoryLimit = %v, %v; want %v", in, got.MemoryLimit, err, want)
		}
	}
}
