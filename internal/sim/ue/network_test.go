package ue

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/free5gc/nas"
	"github.com/free5gc/nas/nasMessage"
	"github.com/free5gc/nas/nasType"
	"github.com/free5gc/nas/security"
	"github.com/keelcore/keel/internal/ident"
)

// The fake network below is the AMF side of the procedures, written for
// these tests: messages are built and parsed with free5gc/nas, protected
// with its NEA/NIA functions, and the main flow uses key material computed
// apart with Python (kdf_test.go), so that a bug in the UE's derivations or
// framing cannot cancel out.

// Subscriber and challenge: TS 35.208 test set 1 with a 5G AMF field.

const (
	testSUPI = "imsi-001010000000001"
	testK    = "465b5ce8b199b49faa5f0a2ee238a6bc"
	testOPc  = "cd63cb71954a9f4e48a5994e37a02baf"
	testRAND = "23553cbe9637a89d218ae64dae47bf35"
	testSQN  = 0xff9bb4d0b607

	// From the Python computation in kdf_test.go (SN 5G:mnc001.mcc001,
	// ABBA 0x0000).
	wantRESStar = "f236a7417272bfb2d66d4d670733b527"
	pyKNASInt2  = "06c661bdcb505f1690bea90685d939f5" // 128-NIA2
	pyKNASEnc2  = "d4c73a6303aa6b0cae734c0518134f1e" // 128-NEA2
	pyKgNB0     = "d5b4598dcce4a0ce1232001e8ebe0d4d312226c08928239324639f0865d7ea9d"
)

var amf5G = [2]byte{0x80, 0x00} // separation bit set

type network struct {
	t      testing.TB
	usim   *milenage // the network's own copy; TestMilenage checks it
	ea, ia uint8
	kEnc   [16]byte
	kInt   [16]byte
	dl     uint32 // NAS COUNT of the next downlink message
	ul     uint32 // NAS COUNT expected on the next uplink message
}

func newNetwork(t testing.TB) *network {
	return &network{t: t, usim: newMilenage(key128(t, testK), key128(t, testOPc))}
}

func testConfig(t testing.TB) Config {
	return Config{
		SUPI: testSUPI, MCC: "001", MNC: "01",
		K: key128(t, testK), OPc: key128(t, testOPc),
		SNSSAIs: []ident.SNSSAI{{SST: 1, SD: 0x010203, HasSD: true}},
	}
}

func newTestUE(t testing.TB, edit func(*Config)) *UE {
	t.Helper()
	cfg := testConfig(t)
	if edit != nil {
		edit(&cfg)
	}
	u, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return u
}

func gmm(typ uint8) *nas.Message {
	m := nas.NewMessage()
	m.GmmMessage = nas.NewGmmMessage()
	m.GmmHeader.SetMessageType(typ)
	return m
}

func (n *network) encode(m *nas.Message) []byte {
	n.t.Helper()
	b, err := m.PlainNasEncode()
	if err != nil {
		n.t.Fatalf("free5gc encode: %v", err)
	}
	return b
}

func decode(t testing.TB, b []byte) *nas.GmmMessage {
	t.Helper()
	m := new(nas.Message)
	c := append([]byte(nil), b...)
	if err := m.PlainNasDecode(&c); err != nil {
		t.Fatalf("free5gc decode of % x: %v", b, err)
	}
	return m.GmmMessage
}

func sqnBytes(s uint64) [6]byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], s)
	return [6]byte(b[2:])
}

// authenticationRequest builds a 5G AKA challenge (TS 33.102 §6.3.2):

// AUTN = SQN ⊕ AK || AMF || MAC-A.

func (n *network) authenticationRequest(ksi uint8, rand [16]byte, sqn uint64, amf [2]byte, badMAC bool) []byte {
	_, _, _, ak, _ := n.usim.f2345(rand)
	s := sqnBytes(sqn)
	macA, _ := n.usim.f1(rand, s, amf)
	if badMAC {
		macA[7] ^= 1
	}
	var autn [16]byte
	for i := range 6 {
		autn[i] = s[i] ^ ak[i]
	}
	copy(autn[6:8], amf[:])
	copy(autn[8:], macA[:])

	m := gmm(nas.MsgTypeAuthenticationRequest)
	r := nasMessage.NewAuthenticationRequest(0)
	r.ExtendedProtocolDiscriminator.SetExtendedProtocolDiscriminator(nasMessage.Epd5GSMobilityManagementMessage)
	r.AuthenticationRequestMessageIdentity.SetMessageType(nas.MsgTypeAuthenticationRequest)
	r.SpareHalfOctetAndNgksi.SetNasKeySetIdentifiler(ksi)
	r.ABBA.SetLen(2)
	r.ABBA.SetABBAContents([]byte{0, 0})
	r.AuthenticationParameterRAND = nasType.NewAuthenticationParameterRAND(nasMessage.AuthenticationRequestAuthenticationParameterRANDType)
	r.AuthenticationParameterRAND.SetRANDValue(rand)
	r.AuthenticationParameterAUTN = nasType.NewAuthenticationParameterAUTN(nasMessage.AuthenticationRequestAuthenticationParameterAUTNType)
	r.AuthenticationParameterAUTN.SetLen(16)
	r.AuthenticationParameterAUTN.SetAUTN(autn)
	m.AuthenticationRequest = r
	return n.encode(m)
}

// securityModeCommand builds the plain command; protect(…, 3) sends it.

func (n *network) securityModeCommand(ksi, ea, ia uint8, caps []byte, imeisv, rinmrSet bool) []byte {
	m := gmm(nas.MsgTypeSecurityModeCommand)
	c := nasMessage.NewSecurityModeCommand(0)
	c.ExtendedProtocolDiscriminator.SetExtendedProtocolDiscriminator(nasMessage.Epd5GSMobilityManagementMessage)
	c.SecurityModeCommandMessageIdentity.SetMessageType(nas.MsgTypeSecurityModeCommand)
	c.SelectedNASSecurityAlgorithms.SetTypeOfCipheringAlgorithm(ea)
	c.SelectedNASSecurityAlgorithms.SetTypeOfIntegrityProtectionAlgorithm(ia)
	c.SpareHalfOctetAndNgksi.SetNasKeySetIdentifiler(ksi)
	c.ReplayedUESecurityCapabilities.SetLen(uint8(len(caps)))
	copy(c.ReplayedUESecurityCapabilities.Buffer, caps)
	if imeisv {
		c.IMEISVRequest = nasType.NewIMEISVRequest(nasMessage.SecurityModeCommandIMEISVRequestType)
		c.IMEISVRequest.SetIei(nasMessage.SecurityModeCommandIMEISVRequestType)
		c.IMEISVRequest.SetIMEISVRequestValue(nasMessage.IMEISVRequested)
	}
	if rinmrSet {
		c.Additional5GSecurityInformation = nasType.NewAdditional5GSecurityInformation(nasMessage.SecurityModeCommandAdditional5GSecurityInformationType)
		c.Additional5GSecurityInformation.SetLen(1)
		c.Additional5GSecurityInformation.SetRINMR(1)
	}
	m.SecurityModeCommand = c
	return n.encode(m)
}

func (n *network) useKeys(ea, ia uint8, kEnc, kInt [16]byte) {
	n.ea, n.ia, n.kEnc, n.kInt, n.dl, n.ul = ea, ia, kEnc, kInt, 0, 0
}

func (n *network) mac(count uint32, dir uint8, msg []byte) []byte {
	n.t.Helper()
	var mac []byte
	var err error
	switch n.ia {
	case 1:
		mac, err = security.NIA1(n.kInt, count, security.Bearer3GPP, uint32(dir), msg, uint64(len(msg))*8)
	case 2:
		mac, err = security.NIA2(n.kInt, count, security.Bearer3GPP, dir, msg)
	case 3:
		mac, err = security.NIA3(n.kInt, count, security.Bearer3GPP, dir, msg, uint32(len(msg))*8)
	default:
		n.t.Fatalf("network: integrity algorithm %d", n.ia)
	}
	if err != nil {
		n.t.Fatal(err)
	}
	return mac
}

func (n *network) cipher(count uint32, dir uint8, data []byte) []byte {
	n.t.Helper()
	var out []byte
	var err error
	switch n.ea {
	case 0:
		out = append([]byte(nil), data...)
	case 1:
		out, err = security.NEA1(n.kEnc, count, uint32(security.Bearer3GPP), uint32(dir), data, uint32(len(data))*8)
	case 2:
		out, err = security.NEA2(n.kEnc, count, security.Bearer3GPP, dir, data)
	case 3:
		out, err = security.NEA3(n.kEnc, count, security.Bearer3GPP, dir, data, uint32(len(data))*8)
	default:
		n.t.Fatalf("network: ciphering algorithm %d", n.ea)
	}
	if err != nil {
		n.t.Fatal(err)
	}
	return out
}

// protect builds a security protected 5GS NAS message (TS 24.501 §9.1.1):

// the MAC covers the sequence number and the (ciphered) message.

func (n *network) protect(plain []byte, sht uint8) []byte {
	count := n.dl
	n.dl++
	body := plain
	if sht == 2 || sht == 4 {
		body = n.cipher(count, security.DirectionDownlink, plain)
	}
	signed := append([]byte{byte(count)}, body...)
	mac := n.mac(count, security.DirectionDownlink, signed)
	return append(append([]byte{0x7E, sht}, mac...), signed...)
}

// open checks an uplink protected message: header type, sequence number,

// MAC, and deciphers it.

func (n *network) open(pdu []byte, wantSHT uint8) []byte {
	n.t.Helper()
	if len(pdu) < 8 || pdu[0] != 0x7E || pdu[1] != wantSHT {
		n.t.Fatalf("uplink % x: want security header type %d", pdu, wantSHT)
	}
	count := n.ul
	n.ul++
	if pdu[6] != byte(count) {
		n.t.Fatalf("uplink sequence number %d, want %d", pdu[6], byte(count))
	}
	if mac := n.mac(count, security.DirectionUplink, pdu[6:]); !bytes.Equal(mac, pdu[2:6]) {
		n.t.Fatalf("uplink MAC % x, network computes % x (count %d)", pdu[2:6], mac, count)
	}
	if wantSHT == 2 || wantSHT == 4 {
		return n.cipher(count, security.DirectionUplink, pdu[7:])
	}
	return pdu[7:]
}

func handle(t testing.TB, u *UE, pdu []byte) Result {
	t.Helper()
	res, err := u.Handle(pdu)
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	return res
}

func oneUplink(t testing.TB, res Result) []byte {
	t.Helper()
	if len(res.Uplink) != 1 {
		t.Fatalf("Handle gave %d uplink messages, want 1 (event %v)", len(res.Uplink), res.Event)
	}
	return res.Uplink[0]
}

var testRAND16 = [16]byte{0x23, 0x55, 0x3c, 0xbe, 0x96, 0x37, 0xa8, 0x9d, 0x21, 0x8a, 0xe6, 0x4d, 0xae, 0x47, 0xbf, 0x35}

// authenticate runs Registration Request and 5G AKA and returns the

// Authentication Response.

func authenticate(t testing.TB, u *UE, n *network) *nasMessage.AuthenticationResponse {
	t.Helper()
	if _, err := u.RegistrationRequest(); err != nil {
		t.Fatal(err)
	}
	res := handle(t, u, n.authenticationRequest(0, testRAND16, testSQN, amf5G, false))
	m := decode(t, oneUplink(t, res))
	if m.AuthenticationResponse == nil {
		t.Fatalf("uplink is message type %d, want Authentication Response", m.GetMessageType())
	}
	return m.AuthenticationResponse
}

func (n *network) registrationAccept() []byte {
	m := gmm(nas.MsgTypeRegistrationAccept)
	a := nasMessage.NewRegistrationAccept(0)
	a.ExtendedProtocolDiscriminator.SetExtendedProtocolDiscriminator(nasMessage.Epd5GSMobilityManagementMessage)
	a.RegistrationAcceptMessageIdentity.SetMessageType(nas.MsgTypeRegistrationAccept)
	a.RegistrationResult5GS.SetLen(1)
	a.RegistrationResult5GS.SetRegistrationResultValue5GS(nasMessage.RegistrationResult5GS3GPPAccess)
	a.GUTI5G = n.guti(1)
	// A type 00 list with TAC 1 and a type 01 list with TACs 16 and 17.
	tai := []byte{0x00, 0x00, 0xF1, 0x10, 0x00, 0x00, 0x01, 0x21, 0x00, 0xF1, 0x10, 0x00, 0x00, 0x10}
	a.TAIList = nasType.NewTAIList(nasMessage.RegistrationAcceptTAIListType)
	a.TAIList.SetLen(uint8(len(tai)))
	a.TAIList.SetPartialTrackingAreaIdentityList(tai)
	a.AllowedNSSAI = nasType.NewAllowedNSSAI(nasMessage.RegistrationAcceptAllowedNSSAIType)
	a.AllowedNSSAI.SetLen(5)
	a.AllowedNSSAI.SetSNSSAIValue([]byte{4, 1, 1, 2, 3})
	a.T3512Value = nasType.NewT3512Value(nasMessage.RegistrationAcceptT3512ValueType)
	a.T3512Value.SetLen(1)
	a.T3512Value.SetUnit(nasMessage.GPRSTimer3UnitMultiplesOf1Minute)
	a.T3512Value.SetTimerValue(30)
	m.RegistrationAccept = a
	return n.encode(m)
}

// guti is AMF region 0xCA, set 1, pointer 0, 5G-TMSI tmsi in 001/01.

func (n *network) guti(tmsi uint32) *nasType.GUTI5G {
	g := nasType.NewGUTI5G(nasMessage.RegistrationAcceptGUTI5GType)
	g.SetLen(11)
	g.Octet = [11]byte{0xF2, 0x00, 0xF1, 0x10, 0xCA, 0x00, 0x40}
	binary.BigEndian.PutUint32(g.Octet[7:], tmsi)
	return g
}

func (n *network) configurationUpdateCommand(ack bool) []byte {
	m := gmm(nas.MsgTypeConfigurationUpdateCommand)
	c := nasMessage.NewConfigurationUpdateCommand(0)
	c.ExtendedProtocolDiscriminator.SetExtendedProtocolDiscriminator(nasMessage.Epd5GSMobilityManagementMessage)
	c.ConfigurationUpdateCommandMessageIdentity.SetMessageType(nas.MsgTypeConfigurationUpdateCommand)
	if ack {
		c.ConfigurationUpdateIndication = nasType.NewConfigurationUpdateIndication(nasMessage.ConfigurationUpdateCommandConfigurationUpdateIndicationType)
		c.ConfigurationUpdateIndication.SetIei(nasMessage.ConfigurationUpdateCommandConfigurationUpdateIndicationType)
		c.ConfigurationUpdateIndication.SetACK(1)
	}
	c.GUTI5G = n.guti(0xFF)
	c.GUTI5G.SetIei(nasMessage.ConfigurationUpdateCommandGUTI5GType)
	m.ConfigurationUpdateCommand = c
	return n.encode(m)
}

// simple builds the messages that are only a header.

func (n *network) simple(typ uint8) *nas.Message {
	m := gmm(typ)
	switch typ {
	case nas.MsgTypeDeregistrationAcceptUEOriginatingDeregistration:
		a := nasMessage.NewDeregistrationAcceptUEOriginatingDeregistration(0)
		a.ExtendedProtocolDiscriminator.SetExtendedProtocolDiscriminator(nasMessage.Epd5GSMobilityManagementMessage)
		a.DeregistrationAcceptMessageIdentity.SetMessageType(typ)
		m.DeregistrationAcceptUEOriginatingDeregistration = a
	case nas.MsgTypeAuthenticationReject:
		a := nasMessage.NewAuthenticationReject(0)
		a.ExtendedProtocolDiscriminator.SetExtendedProtocolDiscriminator(nasMessage.Epd5GSMobilityManagementMessage)
		a.AuthenticationRejectMessageIdentity.SetMessageType(typ)
		m.AuthenticationReject = a
	default:
		n.t.Fatalf("simple: message type %d", typ)
	}
	return m
}

// register runs a whole initial registration with the given algorithms;

// keys are derived with the UE's own (Python-checked) functions.

func register(t testing.TB, u *UE, n *network, ea, ia uint8) {
	t.Helper()
	authenticate(t, u, n)
	k := deriveKAMF(u.pending.kseaf, u.imsi, []byte{0, 0}) // the chain TestAnnexADerivations checks
	n.useKeys(ea, ia, [16]byte(deriveNASKey(k, algTypeNASEnc, ea)), [16]byte(deriveNASKey(k, algTypeNASInt, ia)))
	res := handle(t, u, n.protect(n.securityModeCommand(0, ea, ia, []byte{0xF0, 0xF0}, false, false), 3))
	if decode(t, n.open(oneUplink(t, res), 4)).SecurityModeComplete == nil {
		t.Fatal("no Security Mode Complete")
	}
	res = handle(t, u, n.protect(n.registrationAccept(), 2))
	if res.Event != EventRegistered {
		t.Fatalf("event %v, want registered", res.Event)
	}
	if decode(t, n.open(oneUplink(t, res), 2)).RegistrationComplete == nil {
		t.Fatal("no Registration Complete")
	}
}

// TestAlgorithms runs registration with every pair of 128-NEA1/2/3 and

// 128-NIA1/2/3 (and NEA0).

// TestAuthenticationSynchFailure: a stale SQN gets #21 with an AUTS from

// which the network recovers SQNms (with f5*) and whose MAC-S it verifies

// (f1* with AMF 0x0000), as TS 33.102 §6.3.5 does.
