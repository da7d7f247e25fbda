package ue

import (
	"bytes"
	"testing"

	"github.com/free5gc/nas"
)

func TestAuthenticationMACFailure(t *testing.T) {
	u := newTestUE(t, nil)
	n := newNetwork(t)
	if _, err := u.RegistrationRequest(); err != nil {
		t.Fatal(err)
	}
	res := handle(t, u, n.authenticationRequest(0, testRAND16, testSQN, amf5G, true))
	f := decode(t, oneUplink(t, res)).AuthenticationFailure
	if f == nil || f.Cause5GMM.Octet != causeMACFailure || f.AuthenticationFailureParameter != nil {
		t.Fatalf("want Authentication Failure #20 without AUTS, got %+v", f)
	}
	if res.Event != EventAuthFailure || res.Cause != causeMACFailure {
		t.Errorf("result %v cause %d", res.Event, res.Cause)
	}
}

func TestAuthenticationNon5G(t *testing.T) {
	u := newTestUE(t, nil)
	n := newNetwork(t)
	if _, err := u.RegistrationRequest(); err != nil {
		t.Fatal(err)
	}
	res := handle(t, u, n.authenticationRequest(0, testRAND16, testSQN, [2]byte{0x00, 0x00}, false))
	if f := decode(t, oneUplink(t, res)).AuthenticationFailure; f == nil || f.Cause5GMM.Octet != causeNon5GAuthUnacceptable {
		t.Fatalf("want Authentication Failure #26, got %+v", f)
	}
}

func TestAuthenticationSynchFailure(t *testing.T) {
	const sqnMS = 0x000000001234
	u := newTestUE(t, func(c *Config) { c.SQN = sqnMS })
	n := newNetwork(t)
	if _, err := u.RegistrationRequest(); err != nil {
		t.Fatal(err)
	}
	for _, sqn := range []uint64{sqnMS, sqnMS - 1, 0} {
		res := handle(t, u, n.authenticationRequest(0, testRAND16, sqn, amf5G, false))
		f := decode(t, oneUplink(t, res)).AuthenticationFailure
		if f == nil || f.Cause5GMM.Octet != causeSynchFailure || f.AuthenticationFailureParameter == nil {
			t.Fatalf("SQN %#x: want Authentication Failure #21 with AUTS, got %+v", sqn, f)
		}
		auts := f.AuthenticationFailureParameter.GetAuthenticationFailureParameter()
		_, _, _, _, akStar := n.usim.f2345(testRAND16)
		var got [6]byte
		for i := range got {
			got[i] = auts[i] ^ akStar[i]
		}
		if got != sqnBytes(sqnMS) {
			t.Fatalf("SQNms from AUTS = %x, want %x", got, sqnBytes(sqnMS))
		}
		_, macS := n.usim.f1(testRAND16, got, [2]byte{})
		if !bytes.Equal(macS[:], auts[6:]) {
			t.Fatalf("MAC-S = %x, network computes %x", auts[6:], macS)
		}
	}
	// A fresh SQN is accepted; replaying the same challenge is then stale.
	handle(t, u, n.authenticationRequest(0, testRAND16, sqnMS+1, amf5G, false))
	res := handle(t, u, n.authenticationRequest(1, testRAND16, sqnMS+1, amf5G, false))
	if res.Cause != causeSynchFailure {
		t.Errorf("replayed challenge: cause %d, want #21", res.Cause)
	}
}

func TestAuthenticationReject(t *testing.T) {
	u := newTestUE(t, nil)
	n := newNetwork(t)
	authenticate(t, u, n)
	res := handle(t, u, n.encode(n.simple(nas.MsgTypeAuthenticationReject)))
	if res.Event != EventAuthRejected || u.State() != Deregistered || len(res.Uplink) != 0 {
		t.Errorf("event %v state %v uplink %d", res.Event, u.State(), len(res.Uplink))
	}
}
