package gmm_test

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sim/ue"
)

// TS 23.502 §4.3.3.2: the UE asks for a QoS flow; the SMF's PDU SESSION
// MODIFICATION COMMAND goes in a PDU Session Resource Modify Request, the
// UE's COMPLETE and the gNB's Modify Response go to the SMF. Then, idle,
// the UE is paged for a network-requested modification and gets it after
// its Service Request. Last, a new subscribed UE-AMBR goes to the gNB of
// the connected UE in a UE Context Modification (TS 23.502 §4.5.1), and
// the same again sends nothing.
func TestSessionModification(t *testing.T) {
	w := newWorld(t, worldOptions{smf: true})
	w.register()
	w.deliver()
	w.session(1)
	pdu, err := w.ue.RequestQoSFlow(1, ue.FlowRequest{Remote: netip.MustParsePrefix("10.45.0.1/32"), RemotePort: 5000,
		FiveQI: 1, GFBR: 128e3, MFBR: 256e3})
	if err != nil {
		t.Fatal(err)
	}
	w.up("sends", pdu)
	w.deliver()
	fmt.Fprintf(&w.log, "gnb: PDUSessionResourceModifyResponse\n")
	w.m.SessionModified(1, []byte{5}, false)
	if s, ok := w.ue.PDUSession(1); !ok || len(s.QoSRules) != 2 || len(s.QoSFlows) != 2 {
		t.Errorf("the UE's session %+v, want two QoS rules and flows", s)
	}

	w.idle()
	w.transfer(1, sbi.N2ModifyRequest)
	fmt.Fprintf(&w.log, "gnb: Initial UE Message\n")
	w.serviceRequest(ue.ServiceMobileTerminated)
	w.contextSetUp()
	w.deliver()

	am := sbi.AMData{UEAMBRUplink: 300e6, UEAMBRDownlink: 700e6, NSSAI: []ident.SNSSAI{{SST: 1}}}
	fmt.Fprintf(&w.log, "udm: UE-AMBR changed\n")
	w.m.SubscriptionChanged(am)
	fmt.Fprintf(&w.log, "udm: the same data again\n")
	w.m.SubscriptionChanged(am)
	w.check("session_modification")
}
