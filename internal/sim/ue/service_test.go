package ue

import (
	"bytes"
	"encoding/hex"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/free5gc/nas"
	"github.com/free5gc/nas/nasMessage"
	"github.com/free5gc/nas/nasType"
	"github.com/free5gc/nas/security"
)

// idleWithSession is a registered UE with PDU session 1 active whose
// connection was released (5GMM-IDLE); its next uplink NAS COUNT is 3.
func idleWithSession(t *testing.T) (*UE, *network) {
	t.Helper()
	u, n := acceptedSession(t)
	u.ConnectionReleased()
	return u, n
}

// The Service Request of a UE with PDU session 1 and uplink data on it,
// 128-NEA2/NIA2 with the keys of TestRegistrationFlow, uplink NAS COUNT
// 3. Computed apart with Python's cryptography package (AES-CTR for
// NEA2, AES-CMAC for NIA2, TS 33.401 Annex B.1.3 and B.2.3, BEARER 1,
// DIRECTION 0):
//
//	full = 7e004c10 0007f4004000000001 40020200 50020200
//	outer = 7e004c10 0007f4004000000001 71 0015 NEA2(count 3, full)
//	pdu = 7e01 NIA2(count 3, 03 || outer) 03 outer
const (
	goldenServiceRequestFull = "7e004c10" + "0007f4004000000001" + "40020200" + "50020200"
	goldenServiceRequest     = "7e01b5851479" + "03" + "7e004c10" + "0007f4004000000001" +
		"710015" + "e62b3d2d45974e2cb8ff3394715881ceaad7856889"
)

func TestServiceRequestGolden(t *testing.T) {
	u, n := idleWithSession(t)
	if got := u.NextULCount(); got != 3 {
		t.Fatalf("NextULCount() = %d, want 3", got)
	}
	pdu, err := u.ServiceRequest(ServiceData, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(pdu); got != goldenServiceRequest {
		t.Errorf("ServiceRequest(data, 1) =\n%s\nwant\n%s", got, goldenServiceRequest)
	}
	if u.State() != ServiceRequestInitiated {
		t.Errorf("State() = %v, want %v", u.State(), ServiceRequestInitiated)
	}
	// The network's own view (free5gc): integrity protected only, the
	// cleartext IEs outside, the whole message ciphered inside.
	m := decode(t, n.open(pdu, shtIntegrity)).ServiceRequest
	if m == nil {
		t.Fatal("not a Service Request")
	}
	if m.GetServiceTypeValue() != 1 || m.GetNasKeySetIdentifiler() != 0 {
		t.Errorf("service type %d, ngKSI %d; want 1 (data), 0", m.GetServiceTypeValue(), m.GetNasKeySetIdentifiler())
	}
	if m.TMSI5GS.GetTypeOfIdentity() != nasMessage.MobileIdentity5GSType5gSTmsi || m.TMSI5GS.GetAMFSetID() != 1 ||
		m.TMSI5GS.GetAMFPointer() != 0 || !bytes.Equal(m.TMSI5GS.Octet[3:7], []byte{0, 0, 0, 1}) {
		t.Errorf("5G-S-TMSI % x, want set 1, pointer 0, 5G-TMSI 1", m.TMSI5GS.Octet)
	}
	if m.UplinkDataStatus != nil || m.PDUSessionStatus != nil || m.NASMessageContainer == nil {
		t.Fatal("want the cleartext IEs and a NAS message container only")
	}
	inner := n.cipher(3, security.DirectionUplink, m.NASMessageContainer.GetNASMessageContainerContents())
	if got := hex.EncodeToString(inner); got != goldenServiceRequestFull {
		t.Errorf("container deciphers to %s, want %s", got, goldenServiceRequestFull)
	}
	full := decode(t, inner).ServiceRequest
	if full.UplinkDataStatus == nil || full.PDUSessionStatus == nil {
		t.Fatal("the entire message lacks the Uplink data status or the PDU session status")
	}
	if full.UplinkDataStatus.GetPSI1() != 1 || full.PDUSessionStatus.GetPSI1() != 1 {
		t.Error("free5gc does not read PSI 1 in the Uplink data status and PDU session status")
	}
	// TS 33.501 A.9: KgNB from the Service Request's uplink NAS COUNT.
	if got, want := u.KgNB(), u.KgNBForCount(3); got != want {
		t.Error("KgNB() is not the KgNB of the Service Request's COUNT")
	}
}

func TestServiceRequestMobileTerminated(t *testing.T) {
	u, n := newTestUE(t, nil), newNetwork(t)
	register(t, u, n, 1, 3)
	u.ConnectionReleased()
	count := n.ul
	pdu, err := u.ServiceRequest(ServiceMobileTerminated)
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, n.open(pdu, shtIntegrity)).ServiceRequest
	if m.GetServiceTypeValue() != 2 {
		t.Errorf("service type %d, want 2 (mobile terminated services)", m.GetServiceTypeValue())
	}
	full := decode(t, n.cipher(count, security.DirectionUplink, m.NASMessageContainer.GetNASMessageContainerContents())).ServiceRequest
	if full.UplinkDataStatus != nil || full.PDUSessionStatus == nil || !bytes.Equal(full.PDUSessionStatus.Buffer, []byte{0, 0}) {
		t.Errorf("entire message: uplink data status %v, PDU session status %v; want none and all inactive", full.UplinkDataStatus, full.PDUSessionStatus)
	}
}

func TestServiceRequestRefused(t *testing.T) {
	u := newTestUE(t, nil)
	if _, err := u.ServiceRequest(ServiceData); err == nil {
		t.Error("Service Request from 5GMM-DEREGISTERED")
	}
	u, n := acceptedSession(t)
	if _, err := u.ServiceRequest(ServiceData, 1); err == nil {
		t.Error("Service Request on a connection in secure exchange")
	}
	u.ConnectionReleased()
	for _, psi := range []uint8{0, 2, 16} {
		if _, err := u.ServiceRequest(ServiceData, psi); err == nil {
			t.Errorf("Uplink data status for PDU session %d, which is not active", psi)
		}
	}
	if u.State() != Registered || u.NextULCount() != n.ul {
		t.Errorf("a refused Service Request changed the state (%v) or used a COUNT", u.State())
	}
	if _, err := u.ServiceRequest(ServiceData, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := u.ServiceRequest(ServiceData, 1); err == nil {
		t.Error("a second Service Request while one is under way")
	}
	// Lower layer failure aborts it (§5.6.1.7).
	u.ConnectionReleased()
	if u.State() != Registered {
		t.Errorf("after the connection is released: %v, want %v", u.State(), Registered)
	}
}

func (n *network) serviceAccept(status, reactivation []byte, errCause []byte) []byte {
	m := gmm(nas.MsgTypeServiceAccept)
	a := nasMessage.NewServiceAccept(0)
	a.ExtendedProtocolDiscriminator.SetExtendedProtocolDiscriminator(nasMessage.Epd5GSMobilityManagementMessage)
	a.ServiceAcceptMessageIdentity.SetMessageType(nas.MsgTypeServiceAccept)
	if status != nil {
		a.PDUSessionStatus = nasType.NewPDUSessionStatus(nasMessage.ServiceAcceptPDUSessionStatusType)
		a.PDUSessionStatus.SetLen(uint8(len(status)))
		a.PDUSessionStatus.Buffer = status
	}
	if reactivation != nil {
		a.PDUSessionReactivationResult = nasType.NewPDUSessionReactivationResult(nasMessage.ServiceAcceptPDUSessionReactivationResultType)
		a.PDUSessionReactivationResult.SetLen(uint8(len(reactivation)))
		a.PDUSessionReactivationResult.Buffer = reactivation
	}
	if errCause != nil {
		a.PDUSessionReactivationResultErrorCause = nasType.NewPDUSessionReactivationResultErrorCause(nasMessage.ServiceAcceptPDUSessionReactivationResultErrorCauseType)
		a.PDUSessionReactivationResultErrorCause.SetLen(uint16(len(errCause)))
		a.PDUSessionReactivationResultErrorCause.Buffer = errCause
	}
	m.ServiceAccept = a
	return n.encode(m)
}

func TestServiceAccept(t *testing.T) {
	u, n := idleWithSession(t)
	if _, err := u.ServiceRequest(ServiceData, 1); err != nil {
		t.Fatal(err)
	}
	res := handle(t, u, n.protect(n.serviceAccept([]byte{0x02, 0}, []byte{0, 0}, nil), shtIntegrityCiphered))
	if res.Event != EventServiceAccepted || len(res.Uplink) != 0 || res.SessionsReleased != nil || res.ReactivationFailed != nil {
		t.Errorf("Service Accept: %+v", res)
	}
	if u.State() != Registered {
		t.Errorf("State() = %v, want %v", u.State(), Registered)
	}
	if _, ok := u.PDUSession(1); !ok {
		t.Error("PDU session 1 is gone")
	}
	// Secure exchange is established on the new connection: 5GSM may go.
	if _, err := u.EstablishPDUSession(2, "internet", testSlice, PDUTypeIPv4); err != nil {
		t.Errorf("5GSM after the Service Accept: %v", err)
	}
}

func TestServiceAcceptSessions(t *testing.T) {
	u, n := idleWithSession(t)
	if _, err := u.ServiceRequest(ServiceData, 1); err != nil {
		t.Fatal(err)
	}
	// The user plane of PSI 1 failed with #43 (...); the network has no
	// PDU session at all.
	res := handle(t, u, n.protect(n.serviceAccept([]byte{0, 0}, []byte{0x02, 0}, []byte{1, 43}), shtIntegrityCiphered))
	if res.Event != EventServiceAccepted {
		t.Fatalf("event %v", res.Event)
	}
	if want := []SessionCause{{1, 43}}; !slices.Equal(res.ReactivationFailed, want) {
		t.Errorf("ReactivationFailed = %v, want %v", res.ReactivationFailed, want)
	}
	if want := []uint8{1}; !slices.Equal(res.SessionsReleased, want) {
		t.Errorf("SessionsReleased = %v, want %v", res.SessionsReleased, want)
	}
	if u.SessionState(1) != SessionInactive {
		t.Errorf("PDU session 1 is %v after the network said it is inactive", u.SessionState(1))
	}
}

func TestServiceAcceptOutOfState(t *testing.T) {
	u, n := idleWithSession(t)
	_, err := u.Handle(n.protect(n.serviceAccept(nil, nil, nil), shtIntegrityCiphered))
	if !errors.Is(err, ErrUnexpected) {
		t.Errorf("Service Accept without a Service Request: %v, want ErrUnexpected", err)
	}
	// Plain, it is not one of the messages §4.4.4.2 lets through.
	u.ConnectionReleased()
	if _, err := u.ServiceRequest(ServiceData, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Handle(n.serviceAccept(nil, nil, nil)); !errors.Is(err, ErrNotProtected) {
		t.Errorf("plain Service Accept: %v, want ErrNotProtected", err)
	}
	// A malformed optional IE counts as absent (§7.7.2); a truncated one
	// makes the message undecodable.
	res := handle(t, u, n.protect([]byte{0x7e, 0x00, 0x4e, 0x50, 0x01, 0x00}, shtIntegrityCiphered))
	if res.Event != EventServiceAccepted || res.SessionsReleased != nil {
		t.Errorf("Service Accept with a one-octet PDU session status: %+v", res)
	}
}

func TestServiceAcceptTruncated(t *testing.T) {
	u, n := idleWithSession(t)
	if _, err := u.ServiceRequest(ServiceData, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Handle(n.protect([]byte{0x7e, 0x00, 0x4e, 0x50, 0x05, 0x00}, shtIntegrityCiphered)); err == nil {
		t.Error("truncated IE accepted")
	}
	if u.State() != ServiceRequestInitiated {
		t.Errorf("State() = %v after a discarded message", u.State())
	}
}

func serviceReject(cause uint8, ies ...byte) []byte {
	return append([]byte{0x7e, 0x00, nas.MsgTypeServiceReject, cause}, ies...)
}

func TestServiceReject(t *testing.T) {
	for _, c := range []struct {
		name      string
		pdu       []byte
		backOff   time.Duration
		state     State
		released  []uint8
		keepsGUTI bool
	}{
		// #22 congestion with T3346 2 minutes (GPRS timer 2, unit 1 min).
		{"congestion", serviceReject(22, 0x5f, 0x01, 0x22), 2 * time.Minute, Registered, nil, true},
		{"congestion, T3346 deactivated", serviceReject(22, 0x5f, 0x01, 0xe0), BackOffDeactivated, Registered, nil, true},
		{"congestion, 10 s", serviceReject(22, 0x5f, 0x01, 0x05), 10 * time.Second, Registered, nil, true},
		{"restricted service area, no session at the network", serviceReject(28, 0x50, 0x02, 0, 0), 0, Registered, []uint8{1}, true},
		{"identity cannot be derived", serviceReject(9), 0, Deregistered, nil, false},
		{"implicitly deregistered", serviceReject(10), 0, Deregistered, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			u, _ := idleWithSession(t)
			if _, err := u.ServiceRequest(ServiceData, 1); err != nil {
				t.Fatal(err)
			}
			// Plain: the network could not check the Service Request.
			res := handle(t, u, c.pdu)
			if res.Event != EventServiceRejected || res.Cause != c.pdu[3] || res.BackOff != c.backOff {
				t.Errorf("result %+v, want rejected #%d back-off %v", res, c.pdu[3], c.backOff)
			}
			if u.State() != c.state || (u.GUTI() != "") != c.keepsGUTI {
				t.Errorf("state %v, GUTI %q; want %v, kept %v", u.State(), u.GUTI(), c.state, c.keepsGUTI)
			}
			if !slices.Equal(res.SessionsReleased, c.released) {
				t.Errorf("SessionsReleased = %v, want %v", res.SessionsReleased, c.released)
			}
			_, active := u.PDUSession(1)
			if want := c.state == Registered && c.released == nil; active != want {
				t.Errorf("PDU session 1 active %v, want %v", active, want)
			}
		})
	}
}

// TestServiceRequestSecurityModeControl: the AMF re-runs security mode
// control with the current context after the Service Request and asks
// for the initial message: the Security Mode Complete carries the
// entire Service Request (TS 24.501 §4.4.6).
func TestServiceRequestSecurityModeControl(t *testing.T) {
	u, n := idleWithSession(t)
	if _, err := u.ServiceRequest(ServiceData, 1); err != nil {
		t.Fatal(err)
	}
	n.ul++
	smc := n.protect(n.securityModeCommand(0, 2, 2, []byte{0xF0, 0xF0}, false, true), shtIntegrityNewContext)
	smcc := decode(t, n.open(oneUplink(t, handle(t, u, smc)), shtCipheredNewContext)).SecurityModeComplete
	if smcc == nil || smcc.NASMessageContainer == nil {
		t.Fatal("no Security Mode Complete with a NAS message container")
	}
	if got := hex.EncodeToString(smcc.NASMessageContainer.GetNASMessageContainerContents()); got != goldenServiceRequestFull {
		t.Errorf("container %s, want the entire Service Request %s", got, goldenServiceRequestFull)
	}
	res := handle(t, u, n.protect(n.serviceAccept([]byte{0x02, 0}, nil, nil), shtIntegrityCiphered))
	if res.Event != EventServiceAccepted || u.State() != Registered {
		t.Errorf("event %v state %v", res.Event, u.State())
	}
}

// A connection lost with the AMF while a Service Request or a
// registration update is under way (the gNB's association down) aborts
// the procedure: the UE is back in 5GMM-REGISTERED with its security
// context, and its next Service Request, for another AMF of the set, is
// integrity protected with the next uplink NAS COUNT, none reused.
func TestConnectionLostMidProcedure(t *testing.T) {
	u, n := idleWithSession(t)
	first, err := u.ServiceRequest(ServiceData, 1)
	if err != nil {
		t.Fatal(err)
	}
	n.open(first, shtIntegrity)
	u.ConnectionReleased()
	if u.State() != Registered {
		t.Fatalf("after a lost Service Request State() = %v, want %v", u.State(), Registered)
	}
	rr, err := u.RegistrationUpdate(true)
	if err != nil {
		t.Fatal(err)
	}
	n.open(rr, shtIntegrity)
	u.ConnectionReleased()
	if u.State() != Registered {
		t.Fatalf("after a lost registration update State() = %v, want %v", u.State(), Registered)
	}
	count := u.NextULCount()
	again, err := u.ServiceRequest(ServiceSignalling)
	if err != nil {
		t.Fatal(err)
	}
	if count != n.ul {
		t.Fatalf("next uplink NAS COUNT %d, the network expects %d", count, n.ul)
	}
	if m := decode(t, n.open(again, shtIntegrity)).ServiceRequest; m == nil {
		t.Fatal("not a Service Request")
	}
}
