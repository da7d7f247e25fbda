package smf_test

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/sbi"
)

// A session with a GBR flow is set up at Keel's UPF: its rules, with
// the SDF filter and the chosen F-TEID shared by the uplink PDRs, are
// accepted and reach the datapath.
func TestGBRFlowWithUPF(t *testing.T) {
	dp := newFakeDatapath()
	u := startUPF(t, netip.MustParseAddrPort("127.0.0.1:0"), dp, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	closeUPF := sync.OnceFunc(func() { u.Close() })
	t.Cleanup(func() { closeUPF() })
	w := newWorld(t, worldOptions{upf: u.Addr(), hbEvery: 20 * time.Millisecond, pccRules: map[string][]sbi.PCCRule{"internet": {voice}}})
	c := w.create(supi1, 1, "internet", slice1, request(1, 1, sm.PDUTypeIPv4, 0, false))
	if c.Reject {
		t.Fatalf("rejected with #%d", c.Cause)
	}
	_, r := dp.only(t)
	if len(r.PDRs) != 4 || len(r.PDRs[3].SDFFilters) != 2 || r.PDRs[0].TEID != r.PDRs[2].TEID || r.PDRs[0].TEID == 0 {
		t.Errorf("datapath rules = %+v", r.PDRs)
	}
}
