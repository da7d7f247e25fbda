package gmm_test

import (
	"context"
	"testing"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/secret"
)

// TS 24.501 §5.5.1.2: initial registration with SUCI, 5G-AKA, security
// mode control, Initial Context Setup with the Registration Accept,
// Registration Complete.
func TestInitialRegistration(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.register()
	w.deliver()
	if w.m.State() != gmm.Registered || w.m.SUPI() != supi {
		t.Errorf("state %s, SUPI %q, want registered %s", w.m.State(), w.m.SUPI(), supi)
	}
	// TS 23.502 §4.2.2.2.2: an initial registration drops the UE radio
	// capability the AMF kept.
	if !w.setup.ForgetRadioCapability {
		t.Errorf("the initial registration's Initial Context Setup keeps the UE radio capability")
	}
	w.check("initial_registration")
}

// TS 24.501 §5.4.1.3.7 b: T3560 retransmits the Authentication Request
// four times and the fifth expiry aborts and releases.
func TestAuthenticationTimeout(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.register()
	for range 5 {
		w.drop()
		w.expire(gmm.T3560)
	}
	w.check("authentication_timeout")
}

// TS 24.501 §5.5.1.2.8 c: T3550 retransmits the Registration Accept; on
// the fifth expiry the AMF considers the UE registered.
func TestRegistrationCompleteLost(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.register()
	// Deliver the Authentication Request and the Security Mode Command;
	// the Registration Accept is lost, and so are its retransmissions.
	for range 2 {
		pdu := w.dl[0]
		w.dl = w.dl[1:]
		res, _ := w.ue.Handle(pdu)
		for _, u := range res.Uplink {
			w.up("sends", u)
		}
	}
	w.drop()
	for range 5 {
		w.expire(gmm.T3550)
		w.drop()
	}
	w.check("registration_complete_lost")
}

// An unknown subscriber: TS 29.503 USER_NOT_FOUND becomes Registration
// Reject with cause #7.
func TestUnknownSubscriber(t *testing.T) {
	w := newWorld(t, worldOptions{noSub: true})
	w.register()
	w.deliver()
	w.check("unknown_subscriber")
}

// The store cannot write (its disk is full), so the home network cannot
// advance the SQN for a vector: a temporary failure of the network, not
// of the subscriber. The UE gets #22 with a back-off (T3346, TS 24.501
// §5.5.1.2.5), not #111; an unknown subscriber still gets #7 (below).
func TestStoreUnavailable(t *testing.T) {
	w := newWorld(t, worldOptions{diskFull: true})
	w.register()
	w.deliver()
	w.check("store_unavailable")
}

// An unknown subscriber while the store cannot write: reads still
// answer, so the subscriber is known to be absent: #7.
func TestUnknownSubscriberStoreUnavailable(t *testing.T) {
	w := newWorld(t, worldOptions{noSub: true, diskFull: true})
	w.register()
	w.deliver()
	w.check("unknown_subscriber")
}

// A UE whose K differs sees a network it cannot authenticate (MAC
// failure, #20): the AMF gives up on the UE.
func TestMACFailure(t *testing.T) {
	w := newWorld(t, worldOptions{ueK: secret.RandomKey128()})
	w.register()
	w.deliver()
	w.check("mac_failure")
}

// A wrong RES* (TS 33.501 §6.1.3.2.2): Authentication Reject.
func TestWrongRES(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.register()
	w.drop()
	w.up("sends", []byte{0x7e, 0x00, 0x57, 0x2d, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	w.deliver()
	w.check("wrong_res")
}

// A USIM ahead of the network (synch failure, #21): the AMF
// re-synchronises through the UDM and the registration completes.
func TestSynchFailure(t *testing.T) {
	w := newWorld(t, worldOptions{ueSQN: 1 << 40})
	w.register()
	w.deliver()
	if w.m.State() != gmm.Registered {
		t.Errorf("state %s after resynchronisation, want registered", w.m.State())
	}
	w.check("synch_failure")
}

// Malformed and replayed NAS: 5GMM STATUS #96 for a broken mandatory IE
// before security; a replayed protected message is discarded silently.
func TestBadNAS(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.up("sends", []byte{0x7e, 0x00, 0x41, 0x79})    // truncated Registration Request
	w.up("sends", []byte{0x7e, 0x00, 0x56, 0, 2, 0}) // a downlink message type
	w.up("sends", []byte{0x7e})                      // too short: ignored
	w.register()
	// Keep the last uplink (the Registration Complete) to replay it.
	var last []byte
	for len(w.dl) > 0 {
		pdu := w.dl[0]
		w.dl = w.dl[1:]
		res, _ := w.ue.Handle(pdu)
		for _, u := range res.Uplink {
			last = u
			w.up("sends", u)
		}
	}
	w.up("replays", last)
	bad := append([]byte(nil), last...)
	bad[3] ^= 0xff
	w.up("sends with a bad MAC", bad)
	w.check("bad_nas")
}

// A UE that supports only NIA0 cannot be served (TS 24.501 §5.4.2.2).
func TestNIA0Only(t *testing.T) {
	w := newWorld(t, worldOptions{ueIA: 0x80})
	w.register()
	w.deliver()
	w.check("nia0_only")
}

// A Registration Request in the middle of authentication restarts the
// registration (TS 24.501 §5.4.1.3.7 f).
func TestRegistrationDuringAuthentication(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.register()
	w.drop()
	w.register()
	w.deliver()
	w.check("registration_during_authentication")
}

// UE-initiated deregistration (TS 24.501 §5.5.2.2) and
// network-initiated deregistration with T3522 (§5.5.2.3).
func TestDeregistration(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.register()
	w.deliver()
	pdu, err := w.ue.DeregistrationRequest(false)
	if err != nil {
		t.Fatal(err)
	}
	w.up("sends", pdu)
	w.deliver()
	w.check("ue_deregistration")
}

func TestNetworkDeregistration(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.register()
	w.deliver()
	w.m.Deregister(context.Background())
	w.drop()
	w.expire(gmm.T3522)
	w.deliver()
	if w.m.State() != gmm.Deregistered {
		t.Errorf("state %s, want deregistered", w.m.State())
	}
	w.check("network_deregistration")
}

// A mobility registration with a 5G-GUTI the AMF does not know (TS 24.501
// §5.5.1.3.2, §5.4.3): the AMF asks for the SUCI, authenticates, and
// gives a new 5G-GUTI, which the UE acknowledges.
func TestUnknownGUTI(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.register()
	w.deliver()
	w.ue.ConnectionReleased()
	w.forget()
	pdu, err := w.ue.RegistrationUpdate(false)
	if err != nil {
		t.Fatal(err)
	}
	w.up("sends", pdu)
	w.deliver()
	if w.m.State() != gmm.Registered || w.m.SUPI() != supi {
		t.Errorf("state %s, SUPI %q, want registered %s", w.m.State(), w.m.SUPI(), supi)
	}
	// A mobility registration without NG-RAN-RCU keeps it.
	if w.setup.ForgetRadioCapability {
		t.Errorf("a mobility registration's Initial Context Setup drops the UE radio capability")
	}
	w.check("unknown_guti")
}

// T3570: an unanswered Identity Request is retransmitted four times,
// then the AMF gives up.
func TestIdentificationTimeout(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.register()
	w.deliver()
	w.ue.ConnectionReleased()
	w.forget()
	pdu, _ := w.ue.RegistrationUpdate(true)
	w.up("sends", pdu)
	for range 5 {
		w.drop()
		w.expire(gmm.T3570)
	}
	w.check("identification_timeout")
}

// A congested AMF refuses a new registration with cause #22 and a T3346
// back-off (TS 24.501 §5.3.9.2, §5.5.1.2.5).
func TestCongestion(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.congested = true
	w.register()
	w.deliver()
	w.check("congestion")
}

// TS 38.413 §8.6 NAS Non Delivery Indication: a message lost on the
// way (a handover) leaves the procedure to its timer, which retransmits
// it (TS 24.501 §5.4.1.3.7 b); a lost radio connection is a lower layer
// failure, and the procedure is aborted (§5.4.1.3.7 a). After the
// Registration Accept, a lower layer failure ends the registration as
// T3550's last expiry does (§5.5.1.2.8 a).
func TestNASNonDelivery(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.register()
	w.drop()
	w.notDelivered(false)
	w.expire(gmm.T3560)
	w.drop()
	w.notDelivered(true)
	w.check("nas_non_delivery")

	w = newWorld(t, worldOptions{})
	w.register()
	for range 2 {
		pdu := w.dl[0]
		w.dl = w.dl[1:]
		res, _ := w.ue.Handle(pdu)
		for _, u := range res.Uplink {
			w.up("sends", u)
		}
	}
	w.drop()
	w.notDelivered(true)
	if w.m.State() != gmm.Registered {
		t.Errorf("state %s after a lower layer failure before REGISTRATION COMPLETE, want registered", w.m.State())
	}
	w.notDelivered(false) // nothing waits any more
	w.check("nas_non_delivery_accept")
}
