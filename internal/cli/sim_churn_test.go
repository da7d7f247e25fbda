package cli

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSumSeries(t *testing.T) {
	in := `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 42
keel_panics_total{component="amf"} 2
keel_panics_total{component="smf",note="a } b"} 1
process_resident_memory_bytes 2.5e+07
keel_broken{component="x"} not-a-number
`
	got, err := sumSeries(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"go_goroutines": 42, "keel_panics_total": 3, "process_resident_memory_bytes": 2.5e7}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sumSeries: (-want +got)\n%s", diff)
	}
}
