package cli

import (
	"testing"

	"github.com/keelcore/keel/internal/config"
)

func TestGCPercentOfASplitProcess(t *testing.T) {
	env := func(gogc string) func(string) string {
		return func(k string) string {
			if k == "GOGC" {
				return gogc
			}
			return ""
		}
	}
	split := config.Default()
	split.NFs = []string{"udm"}
	for _, tc := range []struct {
		name    string
		cfg     config.Config
		gogc    string
		want    int
		set     bool
		logAttr string
	}{
		{"all in one keeps the runtime's default", config.Default(), "", 0, false, "100"},
		{"a split process collects less often", split, "", splitGCPercent, true, "200"},
		{"the operator's GOGC wins", split, "50", 0, false, "50"},
		{"the operator's GOGC in one process", config.Default(), "off", 0, false, "off"},
	} {
		got, set := gcPercent(tc.cfg, env(tc.gogc))
		if got != tc.want || set != tc.set {
			t.Errorf("%s: gcPercent = %d, %v, want %d, %v", tc.name, got, set, tc.want, tc.set)
		}
		if a := gcAttr(got, set, env(tc.gogc)); a != tc.logAttr {
			t.Errorf("%s: logged gogc %q, want %q", tc.name, a, tc.logAttr)
		}
	}
}

// memory_limit sets the Go runtime's memory limit unless it is 0 or
// GOMEMLIMIT is set, which wins.
func TestMemoryLimit(t *testing.T) {
	env := func(limit string) func(string) string {
		return func(k string) string {
			if k == "GOMEMLIMIT" {
				return limit
			}
			return ""
		}
	}
	limited := config.Default()
	limited.MemoryLimit = 8 << 30
	for _, tc := range []struct {
		name    string
		cfg     config.Config
		env     string
		want    int64
		set     bool
		logAttr string
	}{
		{"no limit by default", config.Default(), "", 0, false, "none"},
		{"the configured limit", limited, "", 8 << 30, true, "8GiB"},
		{"GOMEMLIMIT wins over the configuration", limited, "2GiB", 0, false, "GOMEMLIMIT=2GiB"},
		{"GOMEMLIMIT without a configured limit", config.Default(), "off", 0, false, "GOMEMLIMIT=off"},
	} {
		got, set := memoryLimit(tc.cfg, env(tc.env))
		if got != tc.want || set != tc.set {
			t.Errorf("%s: memoryLimit = %d, %v, want %d, %v", tc.name, got, set, tc.want, tc.set)
		}
		if a := memoryLimitAttr(tc.cfg, set, env(tc.env)); a != tc.logAttr {
			t.Errorf("%s: logged memory_limit %q, want %q", tc.name, a, tc.logAttr)
		}
	}
}
