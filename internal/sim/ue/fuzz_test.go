package ue

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/free5gc/nas"
	"github.com/free5gc/nas/nasMessage"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/fuzz/FuzzHandle from the fake network")

// fuzzBase is a UE in some state, with the network that put it there.
type fuzzBase struct {
	name string
	u    *UE
	n    *network
}

// fuzzBases returns a UE in each state, and in each security situation
// that changes how Handle reads a message.
func fuzzBases(t testing.TB) []fuzzBase {
	var bases []fuzzBase
	add := func(name string, u *UE, n *network) { bases = append(bases, fuzzBase{name, u, n}) }

	add("deregistered", newTestUE(t, nil), newNetwork(t))

	u, n := newTestUE(t, nil), newNetwork(t)
	if _, err := u.RegistrationRequest(); err != nil {
		t.Fatal(err)
	}
	add("registered-initiated", u, n)

	u, n = newTestUE(t, nil), newNetwork(t)
	authenticate(t, u, n)
	add("authenticated", u, n)

	u, n = newTestUE(t, nil), newNetwork(t)
	register(t, u, n, 2, 2)
	add("registered", u, n)

	u, n = newTestUE(t, nil), newNetwork(t)
	register(t, u, n, 1, 3)
	u.ConnectionReleased()
	add("registered-idle", u, n)

	u, n = newTestUE(t, nil), newNetwork(t)
	register(t, u, n, 2, 2)
	u.ConnectionReleased()
	if _, err := u.ServiceRequest(ServiceMobileTerminated); err != nil {
		t.Fatal(err)
	}
	n.ul++
	add("service-request-initiated", u, n)

	u, n = newTestUE(t, nil), newNetwork(t)
	register(t, u, n, 3, 1)
	if _, err := u.DeregistrationRequest(false); err != nil {
		t.Fatal(err)
	}
	add("deregistered-initiated", u, n)

	// 5GSM: a PDU session establishment under way (PSI 1, PTI 1), and an
	// active session being released (PTI 2).
	u, n = newTestUE(t, nil), newNetwork(t)
	register(t, u, n, 2, 2)
	if _, err := u.EstablishPDUSession(1, "internet", testSlice, PDUTypeIPv4); err != nil {
		t.Fatal(err)
	}
	add("pdu-session-pending", u, n)

	u, n = newTestUE(t, nil), newNetwork(t)
	register(t, u, n, 2, 2)
	if _, err := u.EstablishPDUSession(1, "internet", testSlice, PDUTypeIPv4); err != nil {
		t.Fatal(err)
	}
	n.ul++
	if _, err := u.Handle(n.protect(dlNASTransport(t, 1, goldenAccept, 0), 2)); err != nil {
		t.Fatal(err)
	}
	if _, err := u.ReleasePDUSession(1); err != nil {
		t.Fatal(err)
	}
	add("pdu-session-releasing", u, n)
	return bases
}

// clone copies what Handle may change, so every fuzz input starts from
// the same state.
func (b fuzzBase) clone() (*UE, *network) {
	u := *b.u
	if b.u.ctx != nil {
		c := *b.u.ctx
		u.ctx = &c
	}
	if b.u.pending != nil {
		p := *b.u.pending
		u.pending = &p
	}
	n := *b.n
	return &u, &n
}

// FuzzHandle feeds arbitrary bytes to a UE in every state, as they come
// and wrapped in a valid security header by the network (so that they
// reach the message decoders once secure exchange is established). Handle
// must not panic, and a discarded message sends nothing.
func FuzzHandle(f *testing.F) {
	bases := fuzzBases(f)
	for _, s := range seedMessages(f) {
		f.Add(s.pdu)
	}
	f.Fuzz(func(t *testing.T, pdu []byte) {
		for _, b := range bases {
			u, n := b.clone()
			res, err := u.Handle(pdu)
			if err != nil && len(res.Uplink) != 0 {
				t.Fatalf("%s: error %v with %d uplink messages", b.name, err, len(res.Uplink))
			}
			if u.ctx == nil || len(pdu) < 3 {
				continue
			}
			u, n = b.clone()
			n.t = t
			if last, ok := u.LastDLCount(); ok {
				n.dl = last + 1
			}
			res, err = u.Handle(n.protect(pdu, shtIntegrityCiphered))
			if err != nil && len(res.Uplink) != 0 {
				t.Fatalf("%s, protected: error %v with %d uplink messages", b.name, err, len(res.Uplink))
			}
		}
	})
}

type seed struct {
	name string
	pdu  []byte
}

// seedMessages are the downlink messages of the fake network, plain.
func seedMessages(t testing.TB) []seed {
	n := newNetwork(t)
	idReq := gmm(nas.MsgTypeIdentityRequest)
	r := nasMessage.NewIdentityRequest(0)
	r.ExtendedProtocolDiscriminator.SetExtendedProtocolDiscriminator(nasMessage.Epd5GSMobilityManagementMessage)
	r.IdentityRequestMessageIdentity.SetMessageType(nas.MsgTypeIdentityRequest)
	r.SpareHalfOctetAndIdentityType.SetTypeOfIdentity(nasMessage.MobileIdentity5GSTypeSuci)
	idReq.IdentityRequest = r
	n.useKeys(2, 2, [16]byte{}, [16]byte{})
	smc := n.securityModeCommand(0, 2, 2, []byte{0xF0, 0xF0}, true, true)
	return []seed{
		{"authentication-request", n.authenticationRequest(0, testRAND16, testSQN, amf5G, false)},
		{"authentication-reject", n.encode(n.simple(nas.MsgTypeAuthenticationReject))},
		{"identity-request", n.encode(idReq)},
		{"security-mode-command", smc},
		{"security-mode-command-protected", n.protect(smc, shtIntegrityNewContext)},
		{"registration-accept", n.registrationAccept()},
		{"configuration-update-command", n.configurationUpdateCommand(true)},
		{"deregistration-accept", n.encode(n.simple(nas.MsgTypeDeregistrationAcceptUEOriginatingDeregistration))},
		{"registration-reject", []byte{0x7E, 0x00, 0x44, 0x07}},
		{"status", []byte{0x7E, 0x00, 0x64, 0x62}},
		{"deregistration-request", []byte{0x7E, 0x00, 0x47, 0x04, 0x58, 0x0A}},
		{"protected-garbage", []byte{0x7E, 0x02, 1, 2, 3, 4, 5, 0x7E, 0x00, 0x42}},
		{"dl-nas-transport-accept", dlNASTransport(t, 1, goldenAccept, 0)},
		{"dl-nas-transport-reject", dlNASTransport(t, 1, "2e0101c31a370121", 0)},
		{"dl-nas-transport-release-command", dlNASTransport(t, 1, "2e0102d324", 0)},
		{"dl-nas-transport-not-forwarded", dlNASTransport(t, 1, "2e0101c1ffff91a1", 90)},
		{"service-accept", n.serviceAccept([]byte{0x02, 0}, []byte{0x02, 0}, []byte{1, 43})},
		{"service-reject", serviceReject(22, 0x50, 0x02, 0x02, 0x00, 0x5f, 0x01, 0x22)},
		{"short", []byte{0x7E}},
	}
}

// TestFuzzCorpus writes the seeds to testdata/fuzz/FuzzHandle with
// -update-corpus; otherwise it checks that the committed corpus is there.
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzHandle")
	for _, s := range seedMessages(t) {
		path := filepath.Join(dir, s.name)
		want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s.pdu)
		if *updateCorpus {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != want {
			t.Errorf("%s is missing or stale (err %v); run go test -run TestFuzzCorpus -update-corpus", path, err)
		}
	}
}
