package ue

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/free5gc/nas"
	"github.com/free5gc/nas/nasMessage"
	"github.com/free5gc/nas/nasType"
	"github.com/free5gc/nas/security"
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
		SNSSAIs: []SNSSAI{{SST: 1, SD: 0x010203, HasSD: true}},
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

func TestInitialRegistrationRequestGolden(t *testing.T) {
	u := newTestUE(t, nil)
	rr, err := u.RegistrationRequest()
	if err != nil {
		t.Fatal(err)
	}
	// EPD, plain, Registration Request | ngKSI 7, initial | SUCI: IMSI, PLMN
	// 001/01, routing 0000, null scheme, key 0, MSIN 0000000001 | UE
	// security capability EA0-3, IA0-3. No requested NSSAI (§4.4.6).
	const want = "7e0041" + "71" + "000d" + "0100f110000000000000000010" + "2e02f0f0"
	if got := hex.EncodeToString(rr); got != want {
		t.Errorf("RegistrationRequest() = %s\nwant                  %s", got, want)
	}
	m := decode(t, rr).RegistrationRequest
	if m.GetRegistrationType5GS() != nasMessage.RegistrationType5GSInitialRegistration || m.NgksiAndRegistrationType5GS.GetNasKeySetIdentifiler() != 7 {
		t.Errorf("free5gc reads registration type %d, ngKSI %d", m.GetRegistrationType5GS(), m.NgksiAndRegistrationType5GS.GetNasKeySetIdentifiler())
	}
	if suci, err := m.MobileIdentity5GS.GetSUCI(); err != nil || suci != "suci-0-001-01-0000-0-0-0000000001" {
		t.Errorf("free5gc reads SUCI %q, %v", suci, err)
	}
	if m.RequestedNSSAI != nil {
		t.Error("the initial message carries the requested NSSAI, a non-cleartext IE")
	}
	if u.State() != RegisteredInitiated {
		t.Errorf("State() = %v, want %v", u.State(), RegisteredInitiated)
	}
}

func TestRegistrationFlow(t *testing.T) {
	u := newTestUE(t, nil)
	n := newNetwork(t)

	// 5G AKA: the UE answers RES* (TS 33.501 A.4).
	ar := authenticate(t, u, n)
	if got := hex.EncodeToString(ar.AuthenticationResponseParameter.Octet[:]); got != wantRESStar {
		t.Fatalf("RES* = %s, want %s", got, wantRESStar)
	}

	// Security mode control with 128-NEA2/NIA2 and keys from Python.
	n.useKeys(2, 2, [16]byte(unhex(t, pyKNASEnc2)), [16]byte(unhex(t, pyKNASInt2)))
	smc := n.protect(n.securityModeCommand(0, 2, 2, []byte{0xF0, 0xF0}, true, false), 3)
	up := oneUplink(t, handle(t, u, smc))
	smcc := decode(t, n.open(up, 4)).SecurityModeComplete
	if smcc == nil {
		t.Fatal("uplink is not a Security Mode Complete")
	}
	if smcc.IMEISV == nil || smcc.IMEISV.Octet[0]&0x07 != identityIMEISV {
		t.Fatalf("Security Mode Complete without the requested IMEISV")
	}
	if smcc.NASMessageContainer == nil {
		t.Fatal("Security Mode Complete without the NAS message container")
	}
	full := decode(t, smcc.NASMessageContainer.GetNASMessageContainerContents()).RegistrationRequest
	if full == nil || full.RequestedNSSAI == nil {
		t.Fatal("NAS message container: want the entire Registration Request with the requested NSSAI")
	}
	if got := hex.EncodeToString(full.RequestedNSSAI.GetSNSSAIValue()); got != "0401010203" {
		t.Errorf("requested NSSAI = %s, want 0401010203", got)
	}
	if got := u.KgNBForCount(0); hex.EncodeToString(got[:]) != pyKgNB0 {
		t.Errorf("KgNBForCount(0) = %x, want %s", got[:], pyKgNB0)
	}
	if got := u.KgNB(); hex.EncodeToString(got[:]) != pyKgNB0 {
		t.Errorf("KgNB() after Security Mode Complete (UL COUNT 0) = %x, want %s", got[:], pyKgNB0)
	}

	// Registration Accept with a 5G-GUTI: Registration Complete.
	res := handle(t, u, n.protect(n.registrationAccept(), 2))
	if res.Event != EventRegistered || u.State() != Registered {
		t.Fatalf("after Registration Accept: event %v, state %v", res.Event, u.State())
	}
	if m := decode(t, n.open(oneUplink(t, res), 2)); m.RegistrationComplete == nil {
		t.Fatalf("uplink is message type %d, want Registration Complete", m.GetMessageType())
	}
	if got, want := u.GUTI(), "5g-guti-00101ca004000000001"; got != want {
		t.Errorf("GUTI() = %q, want %q", got, want)
	}
	wantTAIs := []TAI{{"001", "01", 1}, {"001", "01", 16}, {"001", "01", 17}}
	if got := u.TAIList(); len(got) != 3 || got[0] != wantTAIs[0] || got[1] != wantTAIs[1] || got[2] != wantTAIs[2] {
		t.Errorf("TAIList() = %v, want %v", got, wantTAIs)
	}
	if got := u.AllowedNSSAI(); len(got) != 1 || got[0] != (SNSSAI{SST: 1, SD: 0x010203, HasSD: true}) {
		t.Errorf("AllowedNSSAI() = %v", got)
	}
	if got := u.T3512().Minutes(); got != 30 {
		t.Errorf("T3512() = %v minutes, want 30", got)
	}
	if got := u.NextULCount(); got != 2 {
		t.Errorf("NextULCount() = %d, want 2", got)
	}
	if got, ok := u.LastDLCount(); !ok || got != 1 {
		t.Errorf("LastDLCount() = %d, %v, want 1, true", got, ok)
	}

	// Configuration Update Command asking for an acknowledgement.
	res = handle(t, u, n.protect(n.configurationUpdateCommand(true), 2))
	if res.Event != EventConfigurationUpdated {
		t.Errorf("event %v, want %v", res.Event, EventConfigurationUpdated)
	}
	if m := decode(t, n.open(oneUplink(t, res), 2)); m.ConfigurationUpdateComplete == nil {
		t.Fatal("uplink is not a Configuration Update Complete")
	}
	if got := u.GUTI(); got != "5g-guti-00101ca0040000000ff" {
		t.Errorf("GUTI() after Configuration Update Command = %q", got)
	}
	res = handle(t, u, n.protect(n.configurationUpdateCommand(false), 2))
	if len(res.Uplink) != 0 {
		t.Error("Configuration Update Complete sent without an acknowledgement request")
	}

	// UE-originating deregistration.
	dr, err := u.DeregistrationRequest(false)
	if err != nil {
		t.Fatal(err)
	}
	d := decode(t, n.open(dr, 2)).DeregistrationRequestUEOriginatingDeregistration
	if d == nil {
		t.Fatal("DeregistrationRequest() is not a Deregistration Request")
	}
	if d.GetSwitchOff() != 0 || d.GetAccessType() != 1 || d.NgksiAndDeregistrationType.GetNasKeySetIdentifiler() != 0 {
		t.Errorf("deregistration type: switch off %d, access %d, ngKSI %d", d.GetSwitchOff(), d.GetAccessType(), d.NgksiAndDeregistrationType.GetNasKeySetIdentifiler())
	}
	if g, err := d.MobileIdentity5GS.Get5GGUTI(); err != nil || g == "" {
		t.Errorf("Deregistration Request identity: %q, %v; want the 5G-GUTI", g, err)
	}
	if u.State() != DeregisteredInitiated {
		t.Errorf("State() = %v, want %v", u.State(), DeregisteredInitiated)
	}
	res = handle(t, u, n.protect(n.encode(n.simple(nas.MsgTypeDeregistrationAcceptUEOriginatingDeregistration)), 2))
	if res.Event != EventDeregistered || u.State() != Deregistered || len(res.Uplink) != 0 {
		t.Errorf("after Deregistration Accept: event %v, state %v, %d uplink", res.Event, u.State(), len(res.Uplink))
	}
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
func TestAlgorithms(t *testing.T) {
	for ea := uint8(0); ea <= 3; ea++ {
		for ia := uint8(1); ia <= 3; ia++ {
			u := newTestUE(t, nil)
			register(t, u, newNetwork(t), ea, ia)
		}
	}
}

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

// TestAuthenticationSynchFailure: a stale SQN gets #21 with an AUTS from
// which the network recovers SQNms (with f5*) and whose MAC-S it verifies
// (f1* with AMF 0x0000), as TS 33.102 §6.3.5 does.
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
	if res, err := u.Handle(bad); err == nil || len(res.Uplink) != 0 {
		t.Errorf("tampered message: err %v, %d uplink; want ErrIntegrity", err, len(res.Uplink))
	}
	before, _ := u.LastDLCount()
	handle(t, u, pdu)
	if after, _ := u.LastDLCount(); after != before+1 {
		t.Errorf("DL COUNT %d after %d", after, before)
	}
	if _, err := u.Handle(pdu); err == nil {
		t.Error("replayed message accepted")
	}
	n.ul++ // the Configuration Update Complete the test did not open

	// Plain messages are refused once secure exchange is established.
	if _, err := u.Handle(n.registrationAccept()); err == nil {
		t.Error("plain Registration Accept accepted")
	}
	if _, err := u.Handle(n.encode(n.simple(nas.MsgTypeAuthenticationReject))); err == nil {
		t.Error("plain Authentication Reject accepted after secure exchange")
	}
	// Messages not compatible with the state.
	if _, err := u.Handle(n.protect(n.registrationAccept(), 2)); err == nil {
		t.Error("Registration Accept in 5GMM-REGISTERED accepted")
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

func TestRegistrationReject(t *testing.T) {
	u := newTestUE(t, nil)
	n := newNetwork(t)
	if _, err := u.RegistrationRequest(); err != nil {
		t.Fatal(err)
	}
	m := gmm(nas.MsgTypeRegistrationReject)
	r := nasMessage.NewRegistrationReject(0)
	r.ExtendedProtocolDiscriminator.SetExtendedProtocolDiscriminator(nasMessage.Epd5GSMobilityManagementMessage)
	r.RegistrationRejectMessageIdentity.SetMessageType(nas.MsgTypeRegistrationReject)
	r.Cause5GMM.SetCauseValue(nasMessage.Cause5GMM5GSServicesNotAllowed)
	m.RegistrationReject = r
	res := handle(t, u, n.encode(m))
	if res.Event != EventRejected || res.Cause != 7 || u.State() != Deregistered {
		t.Errorf("event %v cause %d state %v, want rejected #7 deregistered", res.Event, res.Cause, u.State())
	}
}

func TestIdentityRequest(t *testing.T) {
	u := newTestUE(t, nil)
	n := newNetwork(t)
	if _, err := u.RegistrationRequest(); err != nil {
		t.Fatal(err)
	}
	req := func(typ uint8) []byte {
		m := gmm(nas.MsgTypeIdentityRequest)
		r := nasMessage.NewIdentityRequest(0)
		r.ExtendedProtocolDiscriminator.SetExtendedProtocolDiscriminator(nasMessage.Epd5GSMobilityManagementMessage)
		r.IdentityRequestMessageIdentity.SetMessageType(nas.MsgTypeIdentityRequest)
		r.SpareHalfOctetAndIdentityType.SetTypeOfIdentity(typ)
		m.IdentityRequest = r
		return n.encode(m)
	}
	id := decode(t, oneUplink(t, handle(t, u, req(nasMessage.MobileIdentity5GSTypeSuci)))).IdentityResponse
	if suci := id.MobileIdentity.GetMobileIdentityContents(); len(suci) == 0 || suci[0] != identitySUCI {
		t.Fatalf("Identity Response: % x, want a SUCI", suci)
	}
	// §4.4.4.2: only the SUCI may be asked for without integrity protection.
	if _, err := u.Handle(req(nasMessage.MobileIdentity5GSTypeImeisv)); err == nil {
		t.Error("plain Identity Request for the IMEISV accepted")
	}
	// Protected, the IMEI is given.
	n2 := newNetwork(t)
	u2 := newTestUE(t, nil)
	register(t, u2, n2, 2, 2)
	id = decode(t, n2.open(oneUplink(t, handle(t, u2, n2.protect(req(nasMessage.MobileIdentity5GSTypeImei), 2))), 2)).IdentityResponse
	imei := id.MobileIdentity.GetMobileIdentityContents()
	if got := hex.EncodeToString(imei); got != "3b65390803000031" {
		t.Errorf("IMEI identity = %s, want IMEI 356938030000013", got)
	}
}

func TestNetworkInitiatedDeregistration(t *testing.T) {
	u := newTestUE(t, nil)
	n := newNetwork(t)
	register(t, u, n, 2, 2)
	m := gmm(nas.MsgTypeDeregistrationRequestUETerminatedDeregistration)
	r := nasMessage.NewDeregistrationRequestUETerminatedDeregistration(0)
	r.ExtendedProtocolDiscriminator.SetExtendedProtocolDiscriminator(nasMessage.Epd5GSMobilityManagementMessage)
	r.DeregistrationRequestMessageIdentity.SetMessageType(nas.MsgTypeDeregistrationRequestUETerminatedDeregistration)
	r.SpareHalfOctetAndDeregistrationType.SetAccessType(1)
	r.Cause5GMM = nasType.NewCause5GMM(nasMessage.DeregistrationRequestUETerminatedDeregistrationCause5GMMType)
	r.Cause5GMM.SetCauseValue(nasMessage.Cause5GMMImplicitlyDeregistered)
	m.DeregistrationRequestUETerminatedDeregistration = r
	res := handle(t, u, n.protect(n.encode(m), 2))
	if res.Event != EventDeregistered || res.Cause != 10 || u.State() != Deregistered {
		t.Errorf("event %v cause %d state %v", res.Event, res.Cause, u.State())
	}
	if decode(t, n.open(oneUplink(t, res), 2)).DeregistrationAcceptUETerminatedDeregistration == nil {
		t.Error("uplink is not a Deregistration Accept (UE terminated)")
	}
}

func TestStatus(t *testing.T) {
	u := newTestUE(t, nil)
	n := newNetwork(t)
	register(t, u, n, 2, 2)
	m := gmm(nas.MsgTypeStatus5GMM)
	s := nasMessage.NewStatus5GMM(0)
	s.ExtendedProtocolDiscriminator.SetExtendedProtocolDiscriminator(nasMessage.Epd5GSMobilityManagementMessage)
	s.STATUSMessageIdentity5GMM.SetMessageType(nas.MsgTypeStatus5GMM)
	s.Cause5GMM.SetCauseValue(nasMessage.Cause5GMMMessageTypeNotCompatibleWithTheProtocolState)
	m.Status5GMM = s
	_, err := u.Handle(n.protect(n.encode(m), 2))
	var se *StatusError
	if !errors.As(err, &se) || se.Cause != 98 {
		t.Errorf("Handle(5GMM STATUS) = %v, want *StatusError #98", err)
	}
}

func TestRegistrationUpdate(t *testing.T) {
	u := newTestUE(t, nil)
	n := newNetwork(t)
	register(t, u, n, 2, 2)
	u.ConnectionReleased()

	// Mobility: integrity protected only; the NSSAI travels in a NAS
	// message container ciphered with the same UL COUNT.
	count := n.ul
	rr, err := u.RegistrationUpdate(false)
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, n.open(rr, 1)).RegistrationRequest
	if m.GetRegistrationType5GS() != nasMessage.RegistrationType5GSMobilityRegistrationUpdating || m.NgksiAndRegistrationType5GS.GetNasKeySetIdentifiler() != 0 {
		t.Errorf("registration type %d ngKSI %d", m.GetRegistrationType5GS(), m.NgksiAndRegistrationType5GS.GetNasKeySetIdentifiler())
	}
	if g, err := m.MobileIdentity5GS.Get5GGUTI(); err != nil || g == "" {
		t.Errorf("identity: %q %v, want the 5G-GUTI", g, err)
	}
	if m.RequestedNSSAI != nil || m.NASMessageContainer == nil {
		t.Fatal("want cleartext IEs and a NAS message container")
	}
	inner := decode(t, n.cipher(count, security.DirectionUplink, m.NASMessageContainer.GetNASMessageContainerContents())).RegistrationRequest
	if inner == nil || inner.RequestedNSSAI == nil {
		t.Fatal("NAS message container does not decipher to a Registration Request with the requested NSSAI")
	}
	res := handle(t, u, n.protect(n.registrationAccept(), 2))
	if res.Event != EventRegistered {
		t.Fatalf("event %v", res.Event)
	}
	n.open(oneUplink(t, res), 2)

	// Periodic: no container.
	u.ConnectionReleased()
	rr, err = u.RegistrationUpdate(true)
	if err != nil {
		t.Fatal(err)
	}
	m = decode(t, n.open(rr, 1)).RegistrationRequest
	if m.GetRegistrationType5GS() != nasMessage.RegistrationType5GSPeriodicRegistrationUpdating || m.NASMessageContainer != nil {
		t.Errorf("periodic: type %d, container %v", m.GetRegistrationType5GS(), m.NASMessageContainer != nil)
	}
	// A plain message on the new connection before secure exchange:
	// Registration Accept is not in the §4.4.4.2 list.
	if _, err := u.Handle(n.registrationAccept()); err == nil {
		t.Error("plain Registration Accept accepted")
	}
}

func TestSwitchOffDeregistration(t *testing.T) {
	u := newTestUE(t, nil)
	n := newNetwork(t)
	register(t, u, n, 1, 3)
	dr, err := u.DeregistrationRequest(true)
	if err != nil {
		t.Fatal(err)
	}
	if d := decode(t, n.open(dr, 2)).DeregistrationRequestUEOriginatingDeregistration; d == nil || d.GetSwitchOff() != 1 {
		t.Fatal("want a switch-off Deregistration Request")
	}
	if u.State() != Deregistered {
		t.Errorf("State() = %v after switch-off", u.State())
	}
}

func TestKgNBWithoutContext(t *testing.T) {
	u := newTestUE(t, nil)
	if !u.KgNB().IsZero() || u.GUTI() != "" {
		t.Error("a new UE has a KgNB or a 5G-GUTI")
	}
}
