package bench

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/config"
)

func TestCompareSplit(t *testing.T) {
	split := Step{UEs: 1000, Topology: TopologySplit, RegistrationsPerS: 300, SessionsPerS: 200}
	aio := Step{UEs: 1000, Topology: TopologyAllInOne, RegistrationsPerS: 500, SessionsPerS: 500}
	c := compare(split, aio)
	if c.RegistrationsRatio != 0.6 || c.SessionsRatio != 0.4 || c.Met {
		t.Errorf("compare = %+v, want ratios 0.6 and 0.4, target missed (sessions under 0.5)", c)
	}
	split.SessionsPerS = 250
	if c = compare(split, aio); !c.Met {
		t.Errorf("compare = %+v, want the target met at 0.6 and 0.5", c)
	}
	var b strings.Builder
	if err := (Report{Steps: []Step{split, aio}, Split: []SplitComparison{c}}).WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| 1,000 split |", "| 1,000 all-in-one |", "| 1,000 | 300 | 500 | 0.60× | 250 | 500 | 0.50× | ≥ 0.5×: met |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, b.String())
		}
	}
}

// The configuration of an NF's process: the defaults with its nfs, SBI
// address and NRF.
func TestSplitConfig(t *testing.T) {
	sbi, api := netip.MustParseAddrPort("127.0.0.1:40010"), netip.MustParseAddrPort("127.0.0.1:40011")
	b, err := coreConfig(coreKeys{NFs: []string{"smf"}, SBI: sbi, HTTP: api, DataDir: "/tmp/b/data-smf", NRF: "http://127.0.0.1:40000"}, config.Default().DNNs[0].IPv4Pool)
	if err != nil {
		t.Fatalf("coreConfig: %v", err)
	}
	got, err := config.Parse(b)
	if err != nil {
		t.Fatalf("config.Parse: %v\n%s", err, b)
	}
	if len(got.NFs) != 1 || got.NFs[0] != "smf" || got.SBI.Address != sbi || got.SBI.NRF != "http://127.0.0.1:40000" || got.HTTP.Address != api {
		t.Errorf("configuration %+v %+v %v, want nfs [smf], its SBI and NRF", got.NFs, got.SBI, got.HTTP.Address)
	}
	if got.N2.Address != config.Default().N2.Address || got.N4.Address != config.Default().N4.Address {
		t.Errorf("n2 %v, n4 %v: want the defaults", got.N2.Address, got.N4.Address)
	}
}
