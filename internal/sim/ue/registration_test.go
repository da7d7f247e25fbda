package ue

import (
	"encoding/hex"
	"testing"

	"github.com/free5gc/nas"
	"github.com/free5gc/nas/nasMessage"
	"github.com/free5gc/nas/security"
	"github.com/keelcore/keel/internal/ident"
)

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
	wantTAIs := []ident.TAI{{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, TAC: 1}, {PLMN: ident.PLMN{MCC: "001", MNC: "01"}, TAC: 16}, {PLMN: ident.PLMN{MCC: "001", MNC: "01"}, TAC: 17}}
	if got := u.TAIList(); len(got) != 3 || got[0] != wantTAIs[0] || got[1] != wantTAIs[1] || got[2] != wantTAIs[2] {
		t.Errorf("TAIList() = %v, want %v", got, wantTAIs)
	}
	if got := u.AllowedNSSAI(); len(got) != 1 || got[0] != (ident.SNSSAI{SST: 1, SD: 0x010203, HasSD: true}) {
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
	// NITZ (TS 24.501 §9.11.3.35): the full name "Keel Network" in the
	// GSM 7-bit default alphabet, the short name "K_" in UCS2.
	res = handle(t, u, n.protect(unhexT(t, "7e0054"+"430c84cb72990d7296e9f7b77c0d"+"450590004b005f"), 2))
	if res.Event != EventConfigurationUpdated || len(res.Uplink) != 0 {
		t.Errorf("NITZ: event %v, %d uplink, want %v and none", res.Event, len(res.Uplink), EventConfigurationUpdated)
	}
	if full, short := u.NetworkName(); full != "Keel Network" || short != "K_" {
		t.Errorf("NetworkName() = %q, %q, want Keel Network, K_", full, short)
	}
	if got := u.ConfigurationUpdates(); got != 3 {
		t.Errorf("ConfigurationUpdates() = %d, want 3", got)
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

func TestKgNBWithoutContext(t *testing.T) {
	u := newTestUE(t, nil)
	if !u.KgNB().IsZero() || u.GUTI() != "" {
		t.Error("a new UE has a KgNB or a 5G-GUTI")
	}
}

func unhexT(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
