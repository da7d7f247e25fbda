package ue

import (
	"testing"

	"github.com/free5gc/nas"
	"github.com/free5gc/nas/nasMessage"
	"github.com/free5gc/nas/nasType"
)

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
