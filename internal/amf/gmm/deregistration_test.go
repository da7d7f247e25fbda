package gmm_test

import (
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/sim/ue"
)

// unprotectedSwitchOff is a plain DEREGISTRATION REQUEST (TS 24.501
// §8.2.12): switch off, 3GPP access, ngKSI 0, a 5G-GUTI. Anyone who
// learnt the UE's 5G-S-TMSI (it is paged with it) can send it on a
// connection of their own.
var unprotectedSwitchOff = []byte{
	0x7e, 0x00, 0x45, 0x09, // EPD, plain, DEREGISTRATION REQUEST, switch off + 3GPP access
	0x00, 0x0b, 0xf2, 0x00, 0xf1, 0x10, 0x01, 0x00, 0x40, 0x01, 0x02, 0x03, 0x04, // 5G-GUTI
}

// A UE that holds a 5G NAS security context sends its DEREGISTRATION
// REQUEST integrity protected (TS 24.501 §4.4.4.2); an unprotected one on
// a new connection, for an idle registered UE, proves nothing and is
// ignored (§4.4.4.3, with TS 24.301 §4.4.4.3 for the same rule in EPS:
// a detach request for switch off that is not integrity checked may be
// ignored): the UE stays registered with its sessions, the connection
// opened for the message is released, and the UE's own Service Request
// is accepted afterwards.
func TestUnprotectedDeregistrationIgnored(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.withSessions(5)
	w.idle()
	w.m.Connect()
	w.up("sends", unprotectedSwitchOff)
	if w.m.State() != gmm.Registered || len(w.m.Sessions()) != 1 {
		t.Fatalf("after an unprotected DEREGISTRATION REQUEST: state %s, %d sessions; want registered with its session", w.m.State(), len(w.m.Sessions()))
	}
	if !strings.Contains(w.log.String(), "nw: UEContextRelease") {
		t.Errorf("the connection that carried the unprotected DEREGISTRATION REQUEST was not released:\n%s", w.log.String())
	}
	w.m.Released(t.Context())
	w.serviceRequest(ue.ServiceData, 5)
	w.deliver()
	w.contextSetUp()
	if !w.m.Connected() || w.m.State() != gmm.Registered {
		t.Errorf("the UE's own Service Request: connected %v, state %s; want connected, registered", w.m.Connected(), w.m.State())
	}
}
