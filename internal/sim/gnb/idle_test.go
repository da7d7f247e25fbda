package gnb

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
)

// event waits for the gNB's next event.
func event(t *testing.T, g *GNB) Event {
	t.Helper()
	select {
	case e := <-g.Events():
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	return Event{}
}

func paging(t *testing.T, tmsi ngap.FiveGSTMSI, tacs ...uint32) *message.Paging {
	t.Helper()
	p := ngap.PagingRequest{TMSI: tmsi}
	for _, tac := range tacs {
		p.TAIs = append(p.TAIs, ident.TAI{PLMN: testPLMN, TAC: tac})
	}
	m, err := ngap.Paging(p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A Paging reaches the idle UE that camps on the gNB with that 5G-S-TMSI
// when the gNB serves one of the TAs; any other Paging is only an event.
func TestPaging(t *testing.T) {
	g, amf := setUp(t, nil)
	ue1 := ngap.FiveGSTMSI{SetID: 1, Pointer: 0, TMSI: 0xC0FFEE}
	ue2 := ngap.FiveGSTMSI{SetID: 1, Pointer: 0, TMSI: 0xBEEF}
	paged, stop := g.WatchPaging(ue1)

	amf.send(paging(t, ue1, 7, 1))
	select {
	case <-paged:
	case <-time.After(5 * time.Second):
		t.Fatal("the UE was not paged")
	}
	amf.send(paging(t, ue2, 1))
	if e := event(t, g); e.Procedure != "Paging" || e.Cause != ue2.String() {
		t.Errorf("Paging for a UE not camping here: event %+v", e)
	}
	amf.send(paging(t, ue1, 2, 3))
	if e := event(t, g); e.Procedure != "Paging" || e.Cause == ue1.String() {
		t.Errorf("Paging in TAs the gNB does not serve: event %+v", e)
	}
	stop()
	amf.send(paging(t, ue1, 1))
	if e := event(t, g); e.Procedure != "Paging" || e.Cause != ue1.String() {
		t.Errorf("Paging after the UE left: event %+v", e)
	}
	select {
	case <-paged:
		t.Error("the UE was paged for a TA the gNB does not serve, or after it left")
	default:
	}
}

// A UE answering paging opens its connection with its 5G-S-TMSI and the
// RRC establishment cause mt-Access (TS 38.413 §9.2.5.1).
func TestAttachCause(t *testing.T) {
	g, amf := setUp(t, nil)
	tmsi := ngap.FiveGSTMSI{SetID: 0x3FF, Pointer: 0x3F, TMSI: 7}
	if _, err := g.AttachCause(context.Background(), []byte{0x7E, 0x01, 1, 2, 3, 4, 5, 0x7E, 0x00, 0x4C}, &tmsi, ngap.RRCCauseMTAccess); err != nil {
		t.Fatal(err)
	}
	m, ok := amf.recv().(*message.InitialUEMessage)
	if !ok {
		t.Fatal("no Initial UE Message")
	}
	if m.RRCEstablishmentCause == nil || m.RRCEstablishmentCause.Value != ngap.RRCCauseMTAccess {
		t.Errorf("RRC establishment cause %+v, want mt-Access", m.RRCEstablishmentCause)
	}
	if got, err := ngap.DecodeFiveGSTMSI(m.FiveGSTMSI); err != nil || got != tmsi {
		t.Errorf("5G-S-TMSI %v, %v; want %v", got, err, tmsi)
	}
}

// WaitSession returns once an Initial Context Setup Request set up the
// session; downlink on the session's tunnel that no Ping takes waits for
// Receive, as buffered downlink flushed after a Service Request does.
func TestWaitSessionReceive(t *testing.T) {
	upf := startUPF(t)
	up := gnbUserPlane(t, upf)
	g, amf := setUp(t, up)
	c, ranUE := attach(t, g, amf)

	waited := make(chan error, 1)
	var b Bearer
	go func() {
		var err error
		b, err = c.WaitSession(context.Background(), 1)
		waited <- err
	}()
	tr := *setupRequest(t, 7, ranUE, 1, nil, 0x1234, netip.MustParseAddr("127.0.0.1")).PDUSessionResourceSetupListSUReq.List[0].PDUSessionResourceSetupRequestTransfer
	req, err := ngap.InitialContextSetupRequest(ngap.InitialContext{
		AMFUE: 7, RANUE: ranUE,
		GUAMI:          ident.GUAMI{PLMN: testPLMN, RegionID: 1},
		AllowedNSSAI:   []ident.SNSSAI{testSlice},
		Security:       ngap.UESecurityCapabilities{NRIntegrity: ngap.AlgAES},
		NASPDU:         []byte{0x7E, 0x02, 1, 2, 3, 4, 0, 0x7E, 0x00, 0x4E},
		UEAMBRDownlink: 1e9, UEAMBRUplink: 1e9,
		Sessions: []ngap.SessionItem{{PDUSessionID: 1, SNSSAI: testSlice, Transfer: tr}},
	})
	if err != nil {
		t.Fatal(err)
	}
	amf.send(req)
	if _, ok := amf.recv().(*message.InitialContextSetupResponse); !ok {
		t.Fatal("no Initial Context Setup Response")
	}
	// TS 38.413 §8.14.1: the request carried no capability, so the gNB
	// reports the UE's.
	if _, ok := amf.recv().(*message.UERadioCapabilityInfoIndication); !ok {
		t.Fatal("no UE Radio Capability Info Indication after the context setup")
	}
	select {
	case err := <-waited:
		if err != nil || b.DLTEID == 0 || b.UL.TEID != 0x1234 {
			t.Fatalf("WaitSession = %+v, %v", b, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WaitSession still waiting after the context setup")
	}

	// Two downlink datagrams on the tunnel before anyone reads.
	gnbN3 := up.conn.LocalAddr().(*net.UDPAddr).AddrPort()
	for _, payload := range []string{"first", "second"} {
		pkt := binary.BigEndian.AppendUint16([]byte{0x30, 0xFF}, uint16(len(payload)))
		pkt = binary.BigEndian.AppendUint32(pkt, b.DLTEID)
		if _, err := upf.conn.WriteToUDPAddrPort(append(pkt, payload...), gnbN3); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, want := range []string{"first", "second"} {
		p, err := c.Receive(ctx, 1)
		if err != nil || string(p.Data) != want || p.At.IsZero() {
			t.Fatalf("Receive = %q at %v, %v; want %q", p.Data, p.At, err, want)
		}
	}
	if _, err := c.Receive(ctx, 2); err == nil {
		t.Error("Receive on a session without resources")
	}

	// Release ends a Receive and a WaitSession under way.
	go func() {
		_, err := c.WaitSession(context.Background(), 5)
		waited <- err
	}()
	amf.send(ngap.UEContextReleaseCommand(7, ranUE, ngap.RadioNetworkCause(20)))
	if _, ok := amf.recv().(*message.UEContextReleaseComplete); !ok {
		t.Fatal("no UE Context Release Complete")
	}
	select {
	case err := <-waited:
		if !errors.Is(err, ErrReleased) {
			t.Errorf("WaitSession after the release = %v, want ErrReleased", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WaitSession still waiting after the release")
	}
}
