package ue

import (
	"errors"
	"testing"

	"github.com/free5gc/nas"
)

func TestAlgorithms(t *testing.T) {
	for ea := uint8(0); ea <= 3; ea++ {
		for ia := uint8(1); ia <= 3; ia++ {
			u := newTestUE(t, nil)
			register(t, u, newNetwork(t), ea, ia)
		}
	}
}

func TestSecurityModeReject(t *testing.T) {
	for _, tc := range []struct {
		name      string
		caps      []byte // replayed UE security capabilities
		ia        uint8
		corrupt   bool
		wantCause uint8
	}{
		{"capabilities mismatch", []byte{0xF0, 0x70}, 2, false, causeSecCapMismatch},
		{"bad MAC", []byte{0xF0, 0xE0}, 2, true, causeSecModeRejected},
		{"NIA0", []byte{0xF0, 0xE0}, 0, false, causeSecModeRejected},
		{"algorithm not announced", []byte{0xF0, 0xE0}, 3, false, causeSecModeRejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newTestUE(t, func(c *Config) { c.IA = 0xE0 }) // 5G-IA0, 128-5G-IA1, 128-5G-IA2
			n := newNetwork(t)
			authenticate(t, u, n)
			n.useKeys(2, 2, [16]byte(unhex(t, pyKNASEnc2)), [16]byte(unhex(t, pyKNASInt2)))
			pdu := n.protect(n.securityModeCommand(0, 2, tc.ia, tc.caps, false, false), 3)
			if tc.corrupt {
				pdu[3] ^= 0x40
			}
			res := handle(t, u, pdu)
			r := decode(t, oneUplink(t, res)).SecurityModeReject
			if r == nil || r.Cause5GMM.Octet != tc.wantCause {
				t.Fatalf("want Security Mode Reject #%d, got %+v", tc.wantCause, r)
			}
			if res.Event != EventSecurityModeRejected || res.Cause != tc.wantCause || u.ctx != nil {
				t.Errorf("event %v cause %d; context taken into use: %v", res.Event, res.Cause, u.ctx != nil)
			}
		})
	}
}

func TestProtectedDownlinkChecks(t *testing.T) {
	u := newTestUE(t, nil)
	n := newNetwork(t)
	register(t, u, n, 2, 2)

	pdu := n.protect(n.configurationUpdateCommand(true), 2)
	bad := append([]byte(nil), pdu...)
	bad[len(bad)-1] ^= 1
	if res, err := u.Handle(bad); !errors.Is(err, ErrIntegrity) || len(res.Uplink) != 0 {
		t.Errorf("tampered message: err %v, %d uplink; want ErrIntegrity", err, len(res.Uplink))
	}
	before, _ := u.LastDLCount()
	handle(t, u, pdu)
	if after, _ := u.LastDLCount(); after != before+1 {
		t.Errorf("DL COUNT %d after %d", after, before)
	}
	if _, err := u.Handle(pdu); !errors.Is(err, ErrIntegrity) {
		t.Errorf("replayed message: %v, want ErrIntegrity", err)
	}
	n.ul++ // the Configuration Update Complete the test did not open

	// Plain messages are refused once secure exchange is established.
	if _, err := u.Handle(n.registrationAccept()); !errors.Is(err, ErrNotProtected) {
		t.Errorf("plain Registration Accept: %v, want ErrNotProtected", err)
	}
	if _, err := u.Handle(n.encode(n.simple(nas.MsgTypeAuthenticationReject))); !errors.Is(err, ErrNotProtected) {
		t.Errorf("plain Authentication Reject after secure exchange: %v, want ErrNotProtected", err)
	}
	// A message not compatible with the state, and one not implemented.
	if _, err := u.Handle(n.protect(n.registrationAccept(), 2)); !errors.Is(err, ErrUnexpected) {
		t.Errorf("Registration Accept in 5GMM-REGISTERED: %v, want ErrUnexpected", err)
	}
	smsTransport := []byte{0x7E, 0x00, nas.MsgTypeDLNASTransport, 0x02, 0x00, 0x01, 0x00} // payload container type SMS
	if _, err := u.Handle(n.protect(smsTransport, 2)); !errors.Is(err, ErrNotImplemented) {
		t.Errorf("DL NAS Transport of SMS: %v, want ErrNotImplemented", err)
	}
	if u.State() != Registered {
		t.Errorf("State() = %v after discarded messages", u.State())
	}
	// Without a context, a protected message cannot be read.
	fresh := newTestUE(t, nil)
	if _, err := fresh.RegistrationRequest(); err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.Handle(pdu); !errors.Is(err, ErrNoContext) {
		t.Errorf("protected message without a context: %v, want ErrNoContext", err)
	}
}

func TestDLCountEstimate(t *testing.T) {
	for _, tc := range []struct {
		last uint32
		seen bool
		sqn  uint8
		want uint32
	}{
		{0, false, 0, 0},
		{0, false, 7, 7},
		{0, true, 1, 1},
		{0x0103, true, 0x05, 0x0105},
		{0x01FF, true, 0x00, 0x0200},
		{0x0103, true, 0x03, 0x0203}, // a replay lands in the next overflow
		{0x0103, true, 0x02, 0x0202},
	} {
		c := &securityContext{dl: tc.last, dlSeen: tc.seen}
		if got, err := c.estimateDL(tc.sqn); err != nil || got != tc.want {
			t.Errorf("estimateDL(%#x) after %#x = %#x, %v, want %#x", tc.sqn, tc.last, got, err, tc.want)
		}
	}
	c := &securityContext{dl: 0xFFFFFF, dlSeen: true}
	if _, err := c.estimateDL(0); err == nil {
		t.Error("estimateDL past 2^24: no error")
	}
}

// TestSecurityModeCommandRepeated: a retransmitted command (the AMF's
// T3560 expired) is answered again from the current context, the NAS
// COUNTs going on; a stored but non-current ngKSI is refused.
func TestSecurityModeCommandRepeated(t *testing.T) {
	u := newTestUE(t, nil)
	n := newNetwork(t)
	authenticate(t, u, n)
	n.useKeys(2, 2, [16]byte(unhex(t, pyKNASEnc2)), [16]byte(unhex(t, pyKNASInt2)))
	smc := n.securityModeCommand(0, 2, 2, []byte{0xF0, 0xF0}, false, false)
	for i := 0; i < 2; i++ {
		res := handle(t, u, n.protect(smc, 3))
		if c := decode(t, n.open(oneUplink(t, res), 4)).SecurityModeComplete; c == nil || c.NASMessageContainer == nil {
			t.Fatalf("command %d: want Security Mode Complete with the NAS message container", i+1)
		}
	}
	res := handle(t, u, n.protect(n.securityModeCommand(5, 2, 2, []byte{0xF0, 0xF0}, false, false), 3))
	if r := decode(t, n.open(oneUplink(t, res), 2)).SecurityModeReject; r == nil || r.Cause5GMM.Octet != causeSecModeRejected {
		t.Fatalf("unknown ngKSI: want Security Mode Reject #24, got %+v", r)
	}
	if u.NextULCount() != 3 {
		t.Errorf("NextULCount() = %d, want 3", u.NextULCount())
	}
}
