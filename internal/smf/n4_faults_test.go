package smf_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/pfcp"
	"github.com/keelcore/keel/internal/pfcp/pfcptest"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/upf"
)

// faultyN4 is an SMF talking to Keel's UPF (on an in-memory datapath)
// through a pfcptest.Proxy, with a short N4 timeout: T1 100 ms, one
// retransmission, so a request is given up after about 200 ms.
type faultyN4 struct {
	*world
	upf   *upf.UPF
	dp    *fakeDatapath
	proxy *pfcptest.Proxy
}

func newFaultyN4(t *testing.T) *faultyN4 {
	t.Helper()
	dp := newFakeDatapath()
	u := startUPF(t, netip.MustParseAddrPort("127.0.0.1:0"), dp, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	t.Cleanup(func() { u.Close() })
	p := pfcptest.New(t, u.Addr())
	w := newWorld(t, worldOptions{upf: p.Addr(), pfcp: pfcp.Options{T1: 100 * time.Millisecond, N1: 1}})
	w.waitFor("association", func() bool { return w.metric("keel_smf_upf_associated", nil) == 1 })
	return &faultyN4{world: w, upf: u, dp: dp, proxy: p}
}

// datapathSessions counts the sessions installed at the UPF.
func (f *faultyN4) datapathSessions() int {
	f.dp.mu.Lock()
	defer f.dp.mu.Unlock()
	return len(f.dp.rules)
}

// nothingLeft checks that no session is left at the SMF and at the UPF,
// and that the one address of the ims pool is free: an establishment
// there is accepted.
func (f *faultyN4) nothingLeft() {
	f.t.Helper()
	if got := f.smf.Sessions(); len(got) != 0 {
		f.t.Errorf("SMF lists %d sessions, want none", len(got))
	}
	for _, st := range []string{"establishing", "activating", "active", "inactive", "releasing"} {
		if got := f.metric("keel_smf_sessions", map[string]string{"state": st}); got != 0 {
			f.t.Errorf("keel_smf_sessions{state=%q} = %v, want 0", st, got)
		}
	}
	f.waitFor("no session at the UPF", func() bool { return len(f.upf.Sessions()) == 0 && f.datapathSessions() == 0 })
	c := f.create(supi1, 9, "ims", slice1, request(9, 1, 0, 0, false))
	if c.Reject {
		f.t.Fatalf("establishment on ims after the failure rejected with #%d: its address was not given back", c.Cause)
	}
	if err := f.smf.ReleaseSMContext(context.Background(), c.SmContextRef); err != nil {
		f.t.Fatal(err)
	}
	if n := len(f.upf.Sessions()); n != 0 {
		f.t.Errorf("%d sessions at the UPF after the release, want none", n)
	}
}

// TestN4SlowUPF: a UPF that answers an establishment only after the
// SMF's N4 timeout gets the PDU session rejected with #26 (insufficient
// resources: the UE may retry), and the session it set up late is
// deleted by the SMF when the late answer comes; nothing is left.
func TestN4SlowUPF(t *testing.T) {
	f := newFaultyN4(t)
	f.proxy.Inject(pfcptest.Fault{Direction: pfcptest.ToServer, Type: message.MsgTypeSessionEstablishmentRequest, Delay: time.Second})
	c := f.create(supi1, 1, "ims", slice1, request(1, 1, 0, 0, false))
	if !c.Reject || c.Cause != sm.CauseInsufficientResources {
		t.Fatalf("establishment through a slow UPF = reject %v, #%d; want #26", c.Reject, c.Cause)
	}
	if got := f.metric("keel_smf_n4_requests_total", map[string]string{"type": "session_establishment", "cause": "timeout"}); got != 1 {
		t.Errorf(`keel_smf_n4_requests_total{session_establishment,timeout} = %v, want 1`, got)
	}
	f.waitFor("the late answer", func() bool {
		return f.proxy.Seen(pfcptest.ToClient, message.MsgTypeSessionEstablishmentResponse) > 0
	})
	f.proxy.Clear()
	f.nothingLeft()
}

// TestN4LostMessages: a lost response and a lost request are made good
// by the SMF's retransmission (TS 29.244 §6.4): the UPF answers the
// retransmitted establishment from its cache rather than set a second
// session up, and the retransmitted modification goes through.
func TestN4LostMessages(t *testing.T) {
	f := newFaultyN4(t)
	f.proxy.Inject(pfcptest.Fault{Direction: pfcptest.ToClient, Type: message.MsgTypeSessionEstablishmentResponse, Drop: 1})
	f.proxy.Inject(pfcptest.Fault{Direction: pfcptest.ToServer, Type: message.MsgTypeSessionModificationRequest, Drop: 1})
	c := f.establish(supi1, 1, "internet", slice1)
	if got := f.proxy.Seen(pfcptest.ToServer, message.MsgTypeSessionEstablishmentRequest); got != 2 {
		t.Errorf("establishment requests sent %d times, want 2 (one retransmission)", got)
	}
	ups := f.upf.Sessions()
	if len(ups) != 1 {
		t.Fatalf("%d sessions at the UPF, want 1", len(ups))
	}
	if info, _ := f.session(supi1, 1); info.UPSEID != ups[0].UPSEID {
		t.Errorf("SMF's UP SEID %#x, the UPF's %#x", info.UPSEID, ups[0].UPSEID)
	}
	f.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xabc))})
	if got := f.proxy.Seen(pfcptest.ToServer, message.MsgTypeSessionModificationRequest); got != 2 {
		t.Errorf("modification requests sent %d times, want 2 (one retransmission)", got)
	}
	if info, _ := f.session(supi1, 1); info.State != "active" || info.DLTEID != 0xabc {
		t.Errorf("session after the setup response = %s, DL TEID %#x; want active, 0xabc", info.State, info.DLTEID)
	}
	_, rules := f.dp.only(t)
	if far := rules.FARs[1]; far.Action != upf.Forward || far.Outer == nil || far.Outer.TEID != 0xabc {
		t.Errorf("downlink FAR at the UPF = %+v, want forward to 0xabc", far)
	}
}

// TestN4UPFCauses: the cause of a UPF refusing an establishment becomes
// the 5GSM cause of the reject (TS 24.501 §6.4.1.4): #26 when the UPF
// lacks resources, is congested or has no association with the SMF (the
// UE may retry later), #31 otherwise; nothing is left behind.
func TestN4UPFCauses(t *testing.T) {
	for _, tt := range []struct {
		cause, want uint8
	}{
		{pfcp.CauseNoResourcesAvailable, sm.CauseInsufficientResources},
		{pfcp.CausePFCPEntityInCongestion, sm.CauseInsufficientResources},
		{pfcp.CauseNoEstablishedPFCPAssociation, sm.CauseInsufficientResources},
		{pfcp.CauseRuleCreationModificationFailure, sm.CauseRequestRejectedUnspecified},
		{pfcp.CauseRequestRejected, sm.CauseRequestRejectedUnspecified},
		{pfcp.CauseSystemFailure, sm.CauseRequestRejectedUnspecified},
		{pfcp.CauseMandatoryIEIncorrect, sm.CauseRequestRejectedUnspecified},
	} {
		t.Run(fmt.Sprint(tt.cause), func(t *testing.T) {
			f := newFaultyN4(t)
			f.proxy.Inject(pfcptest.Fault{Direction: pfcptest.ToServer, Type: message.MsgTypeSessionEstablishmentRequest, Cause: tt.cause, Count: 1})
			c := f.create(supi1, 1, "ims", slice1, request(1, 1, 0, 0, false))
			if !c.Reject || c.Cause != tt.want {
				t.Errorf("UPF cause %d: reject %v, #%d; want #%d", tt.cause, c.Reject, c.Cause, tt.want)
			}
			if c.Reject {
				checkBackOff(t, c)
			}
			if got := f.metric("keel_smf_n4_requests_total", map[string]string{"type": "session_establishment", "cause": fmt.Sprint(tt.cause)}); got != 1 {
				t.Errorf("keel_smf_n4_requests_total{session_establishment,%d} = %v, want 1", tt.cause, got)
			}
			f.waitFor("association", func() bool { return f.metric("keel_smf_upf_associated", nil) == 1 })
			f.nothingLeft()
		})
	}
}
