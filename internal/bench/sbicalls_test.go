package bench

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseServed(t *testing.T) {
	const exposition = `# HELP keel_sbi_requests_served_total SBI requests this process's services answered.
# TYPE keel_sbi_requests_served_total counter
keel_sbi_requests_served_total{service="nudm-sdm",status="200"} 2000
keel_sbi_requests_served_total{service="nudm-sdm",status="404"} 3
keel_sbi_requests_served_total{service="nudr-dr",status="204"} 1e+03
keel_sbi_requests_served_total_other{service="x",status="200"} 7
keel_go_goroutines 12
`
	sum := sbiServed{"nudm-sdm": 1}
	if err := parseServed(strings.NewReader(exposition), sum); err != nil {
		t.Fatalf("parseServed: %v", err)
	}
	want := sbiServed{"nudm-sdm": 2004, "nudr-dr": 1000}
	if d := cmp.Diff(want, sum); d != "" {
		t.Errorf("parseServed (-want +got):\n%s", d)
	}
	per := sum.perUE(sbiServed{"nudm-sdm": 4, "nudr-dr": 1000}, 1000)
	if d := cmp.Diff(map[string]float64{"nudm-sdm": 2}, per); d != "" {
		t.Errorf("perUE (-want +got):\n%s", d)
	}
	for _, bad := range []string{
		`keel_sbi_requests_served_total{service="a",status="200"}`,
		`keel_sbi_requests_served_total{status="200"} 1`,
		`keel_sbi_requests_served_total{service="a"} x`,
	} {
		if err := parseServed(strings.NewReader(bad), sbiServed{}); err == nil {
			t.Errorf("parseServed(%q) = nil, want an error", bad)
		}
	}
}
