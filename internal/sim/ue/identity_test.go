package ue

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/free5gc/nas"
	"github.com/free5gc/nas/nasMessage"
)

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
