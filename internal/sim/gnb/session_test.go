package gnb

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/pipe"
)

var (
	testPLMN  = ident.PLMN{MCC: "001", MNC: "01"}
	testSlice = ident.SNSSAI{SST: 1}
	ueAddr    = netip.MustParseAddr("10.45.0.2")
	dnAddr    = netip.MustParseAddr("10.45.0.1")
)

// fakeAMF is the AMF end of an in-memory N2 association.
type fakeAMF struct {
	t    *testing.T
	conn sctp.Conn
}

func (a *fakeAMF) recv() message.Message {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	in, err := a.conn.Recv(ctx)
	if err != nil {
		a.t.Fatalf("fake AMF: %v", err)
	}
	m, err := ngap.Decode(in.Data)
	if err != nil {
		a.t.Fatalf("fake AMF: %v", err)
	}
	return m
}

func (a *fakeAMF) send(m message.Message) {
	a.t.Helper()
	b, err := ngap.Encode(m)
	if err != nil {
		a.t.Fatalf("fake AMF: %v", err)
	}
	if err := a.conn.Send(context.Background(), sctp.Message{Stream: 1, PPID: sctp.PPIDNGAP, Data: b}); err != nil {
		a.t.Fatalf("fake AMF: %v", err)
	}
}

// setUp connects a gNB with the given user plane (nil for none) to a
// fake AMF over the pipe transport, through NG Setup.
func setUp(t *testing.T, up *userPlane) (*GNB, *fakeAMF) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tr := pipe.New()
	t.Cleanup(func() { tr.Close() })
	l, err := tr.Listen(ctx, netip.MustParseAddrPort("127.0.0.1:38412"))
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan sctp.Conn, 1)
	go func() {
		c, err := l.Accept(ctx)
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	cfg := Config{
		ID:   ngap.RANNodeID{PLMN: testPLMN, Kind: ngap.KindGNB, ID: 1, Bits: 22},
		Name: "test-gnb",
		TAs:  []ngap.TA{{TAC: 1, PLMNs: []ident.PLMN{testPLMN}, Slices: []ident.SNSSAI{testSlice}}},
	}
	type result struct {
		g   *GNB
		err error
	}
	done := make(chan result, 1)
	go func() {
		g, err := connect(ctx, tr, []netip.AddrPort{l.Addr()}, cfg, nil, up)
		done <- result{g, err}
	}()
	conn, ok := <-accepted
	if !ok {
		t.Fatal("fake AMF: no association")
	}
	amf := &fakeAMF{t: t, conn: conn}
	if _, ok := amf.recv().(*message.NGSetupRequest); !ok {
		t.Fatal("fake AMF: first message is not NG Setup Request")
	}
	resp, err := ngap.NGSetupResponse(ngap.AMFInfo{
		Name:   "fake-amf",
		GUAMIs: []ident.GUAMI{{PLMN: testPLMN, RegionID: 0xCA, SetID: 1}},
		PLMNs:  []ident.PLMN{testPLMN}, Slices: []ident.SNSSAI{testSlice}, Capacity: 255,
	})
	if err != nil {
		t.Fatal(err)
	}
	amf.send(resp)
	r := <-done
	if r.err != nil {
		t.Fatalf("connect: %v", r.err)
	}
	t.Cleanup(func() { r.g.Close() })
	return r.g, amf
}

// attach opens a UE connection and returns it with its RAN UE NGAP ID as
// the fake AMF saw it.
func attach(t *testing.T, g *GNB, amf *fakeAMF) (*UEConn, int64) {
	t.Helper()
	c, err := g.Attach(context.Background(), []byte{0x7E, 0x00, 0x41}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := amf.recv().(*message.InitialUEMessage)
	if !ok {
		t.Fatal("fake AMF: no Initial UE Message")
	}
	return c, m.RANUENGAPID.Value
}

// fakeUPF is the UPF's N3 for the test: it checks every uplink G-PDU,
// answers echo requests to dnAddr inside GTP-U on the tunnel named by
// dlTEID, and counts what it saw.
type fakeUPF struct {
	conn     *net.UDPConn
	gnb      atomic.Pointer[netip.AddrPort]
	dlTEID   atomic.Uint32
	requests atomic.Int32
	bad      atomic.Pointer[string]
	first    chan []byte // the first uplink datagram
}

func startUPF(t *testing.T) *fakeUPF {
	t.Helper()
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	u := &fakeUPF{conn: conn, first: make(chan []byte, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			n, from, err := conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			pkt := append([]byte(nil), buf[:n]...)
			select {
			case u.first <- pkt:
			default:
			}
			u.serve(t, pkt, from)
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		<-done
		if b := u.bad.Load(); b != nil {
			t.Errorf("fake UPF: %s", *b)
		}
	})
	return u
}

func (u *fakeUPF) fail(msg string) { u.bad.CompareAndSwap(nil, &msg) }

func (u *fakeUPF) serve(t *testing.T, pkt []byte, from netip.AddrPort) {
	// An uplink G-PDU: the 16-octet header of TS 29.281 §5 with a PDU
	// Session Container of type UL PDU SESSION INFORMATION.
	if len(pkt) < 16+28 || pkt[0] != 0x34 || pkt[1] != 0xFF || pkt[11] != 0x85 || pkt[12] != 1 || pkt[13] != 0x10 || pkt[15] != 0 {
		u.fail("uplink is not a G-PDU with a UL PDU Session Container: " + hex.EncodeToString(pkt))
		return
	}
	if int(binary.BigEndian.Uint16(pkt[2:4])) != len(pkt)-8 {
		u.fail("G-PDU length field does not match")
		return
	}
	u.requests.Add(1)
	inner := pkt[16:]
	if netip.AddrFrom4([4]byte(inner[16:20])) != dnAddr {
		return // nobody there
	}
	reply := echoReplyOf(t, inner)
	hdr := []byte{0x34, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x85, 1, 0x00, pkt[14], 0}
	binary.BigEndian.PutUint16(hdr[2:], uint16(8+len(reply)))
	binary.BigEndian.PutUint32(hdr[4:], u.dlTEID.Load())
	to := from
	if p := u.gnb.Load(); p != nil {
		to = *p
	}
	u.conn.WriteToUDPAddrPort(append(hdr, reply...), to)
}

func (u *fakeUPF) port() uint16 { return u.conn.LocalAddr().(*net.UDPAddr).AddrPort().Port() }

// gnbUserPlane opens the gNB's N3 socket on a free port of 127.0.0.1,
// sending to the fake UPF's port.
func gnbUserPlane(t *testing.T, upf *fakeUPF) *userPlane {
	t.Helper()
	up, err := listenN3(netip.MustParseAddrPort("127.0.0.1:0"), upf.port())
	if err != nil {
		t.Fatal(err)
	}
	return up
}

func setupRequest(t *testing.T, amfUE, ranUE int64, psi uint8, nasPDU []byte, ulTEID uint32, upf netip.Addr) *message.PDUSessionResourceSetupRequest {
	t.Helper()
	tr, err := ngap.SetupRequestTransfer{
		AMBRUplink: 100_000_000, AMBRDownlink: 200_000_000,
		UL:      ngap.Tunnel{Addr: upf, TEID: ulTEID},
		PDUType: 1,
		Flows:   []ngap.QoSFlow{{QFI: 1, FiveQI: 9, ARPPriority: 8}},
	}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	m, err := ngap.PDUSessionResourceSetupRequest(amfUE, ranUE, []ngap.SessionItem{{PDUSessionID: psi, NASPDU: nasPDU, SNSSAI: testSlice, Transfer: tr}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func downlink(t *testing.T, c *UEConn) Downlink {
	t.Helper()
	select {
	case d := <-c.Downlink():
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("no downlink for the UE")
	}
	return Downlink{}
}

func TestSessionSetupPingRelease(t *testing.T) {
	upf := startUPF(t)
	up := gnbUserPlane(t, upf)
	g, amf := setUp(t, up)
	c, ranUE := attach(t, g, amf)
	gnbN3 := up.conn.LocalAddr().(*net.UDPAddr).AddrPort()
	upf.gnb.Store(&gnbN3)

	accept := []byte{0x7E, 0x02, 1, 2, 3, 4, 0, 0x7E, 0x00, 0x68} // stands for the DL NAS TRANSPORT
	amf.send(setupRequest(t, 7, ranUE, 1, accept, 0x1234, netip.MustParseAddr("127.0.0.1")))
	resp, ok := amf.recv().(*message.PDUSessionResourceSetupResponse)
	if !ok {
		t.Fatal("no PDU Session Resource Setup Response")
	}
	results, err := ngap.DecodePDUSessionResourceSetupResponse(resp)
	if err != nil || len(results) != 1 || results[0].Failed || results[0].PDUSessionID != 1 {
		t.Fatalf("setup response: %+v, %v", results, err)
	}
	if resp.AMFUENGAPID.Value != 7 || resp.RANUENGAPID.Value != ranUE {
		t.Errorf("setup response for UE %d/%d", resp.AMFUENGAPID.Value, resp.RANUENGAPID.Value)
	}
	rt, err := ngap.DecodeSetupResponseTransfer(results[0].Transfer)
	if err != nil {
		t.Fatal(err)
	}
	if rt.DL.Addr != netip.MustParseAddr("127.0.0.1") || rt.DL.TEID == 0 || len(rt.QFIs) != 1 || rt.QFIs[0] != 1 {
		t.Errorf("setup response transfer: %+v", rt)
	}
	if d := downlink(t, c); hex.EncodeToString(d.NAS) != hex.EncodeToString(accept) {
		t.Errorf("UE got NAS %x, want the item's %x", d.NAS, accept)
	}
	b, ok := c.Session(1)
	want := Bearer{PDUSessionID: 1, UL: ngap.Tunnel{Addr: netip.MustParseAddr("127.0.0.1"), TEID: 0x1234}, DLTEID: rt.DL.TEID, QFI: 1}
	if !ok || b != want {
		t.Fatalf("Session(1) = %+v, %v, want %+v", b, ok, want)
	}
	upf.dlTEID.Store(b.DLTEID)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := c.Ping(ctx, 1, ueAddr, dnAddr, 3, 10*time.Millisecond)
	if err != nil || res.Sent != 3 || res.Received != 3 || len(res.RTTs) != 3 {
		t.Fatalf("Ping = %+v, %v, want 3 of 3", res, err)
	}
	// The first request on the wire: header and packet, byte for byte
	// (the first UE of the gNB: identifier 1, sequence 1).
	first := <-upf.first
	wantFirst := "34ff005c" + "00001234" + "00000085" + "01100100" + goldenEchoRequest
	if hex.EncodeToString(first) != wantFirst {
		t.Errorf("first G-PDU = %x\nwant           %s", first, wantFirst)
	}

	// Nobody answers at another address: no replies, no error once
	// every request went out.
	short, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	res, err = c.Ping(short, 1, ueAddr, netip.MustParseAddr("10.45.0.99"), 2, time.Millisecond)
	if err != nil || res.Sent != 2 || res.Received != 0 {
		t.Errorf("Ping to nobody = %+v, %v", res, err)
	}
	if _, err := c.Ping(ctx, 2, ueAddr, dnAddr, 1, 0); err == nil {
		t.Error("Ping on a session without resources: no error")
	}

	// The same session again: failed, multiple PDU session ID instances.
	amf.send(setupRequest(t, 7, ranUE, 1, accept, 0x9999, netip.MustParseAddr("127.0.0.1")))
	resp, _ = amf.recv().(*message.PDUSessionResourceSetupResponse)
	results, err = ngap.DecodePDUSessionResourceSetupResponse(resp)
	if err != nil || len(results) != 1 || !results[0].Failed {
		t.Fatalf("second setup of session 1: %+v, %v; want it failed", results, err)
	}
	if ut, err := ngap.DecodeSetupUnsuccessfulTransfer(results[0].Transfer); err != nil || ngap.CauseString(ut.Cause) != ngap.CauseString(ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentMultiplePDUSessionIDInstances)) {
		t.Errorf("unsuccessful transfer: %+v, %v", ut, err)
	}

	// Release: the bearer goes, the answer, the NAS PDU to the UE.
	rct, err := ngap.ReleaseCommandTransfer{Cause: ngap.NASCause(ie.CauseNasPresentNormalRelease)}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	cmd := []byte{0x7E, 0x02, 9, 9, 9, 9, 1, 0x7E, 0x00, 0x68}
	rel, err := ngap.PDUSessionResourceReleaseCommand(7, ranUE, cmd, []ngap.SessionItem{{PDUSessionID: 1, Transfer: rct}})
	if err != nil {
		t.Fatal(err)
	}
	amf.send(rel)
	rr, ok := amf.recv().(*message.PDUSessionResourceReleaseResponse)
	if !ok {
		t.Fatal("no PDU Session Resource Release Response")
	}
	relResults, err := ngap.DecodePDUSessionResourceReleaseResponse(rr)
	if err != nil || len(relResults) != 1 || relResults[0].PDUSessionID != 1 {
		t.Fatalf("release response: %+v, %v", relResults, err)
	}
	if _, err := ngap.DecodeReleaseResponseTransfer(relResults[0].Transfer); err != nil {
		t.Error(err)
	}
	if d := downlink(t, c); hex.EncodeToString(d.NAS) != hex.EncodeToString(cmd) {
		t.Errorf("UE got NAS %x, want %x", d.NAS, cmd)
	}
	if _, ok := c.Session(1); ok {
		t.Error("Session(1) outlives the release")
	}
	if _, err := c.Ping(ctx, 1, ueAddr, dnAddr, 1, 0); err == nil {
		t.Error("Ping after the release: no error")
	}
}

func TestEchoRequestAnswered(t *testing.T) {
	upf := startUPF(t)
	up := gnbUserPlane(t, upf)
	setUp(t, up)
	peer, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	to := up.conn.LocalAddr().(*net.UDPAddr).AddrPort()
	// A G-PDU for a TEID nobody has is dropped; the echo after it is answered.
	peer.WriteToUDPAddrPort(unhex(t, "30ff0002"+"00000777"+"cafe"), to)
	peer.WriteToUDPAddrPort(unhex(t, "32010004"+"00000000"+"beef0000"), to)
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	n, _, err := peer.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(buf[:n]), "32020006"+"00000000"+"beef0000"+"0e00"; got != want {
		t.Errorf("Echo Response = %s, want %s", got, want)
	}
}

func TestSetupWithoutUserPlane(t *testing.T) {
	g, amf := setUp(t, nil)
	c, ranUE := attach(t, g, amf)
	amf.send(setupRequest(t, 7, ranUE, 5, []byte{0x7E, 0x02, 1, 2, 3, 4, 0, 0x7E, 0x00, 0x68}, 1, netip.MustParseAddr("127.0.0.1")))
	resp, _ := amf.recv().(*message.PDUSessionResourceSetupResponse)
	results, err := ngap.DecodePDUSessionResourceSetupResponse(resp)
	if err != nil || len(results) != 1 || !results[0].Failed {
		t.Fatalf("setup without N3: %+v, %v; want it failed", results, err)
	}
	if _, ok := c.Session(5); ok {
		t.Error("a bearer without a user plane")
	}
	if _, err := c.Ping(context.Background(), 5, ueAddr, dnAddr, 1, 0); err == nil {
		t.Error("Ping without a user plane: no error")
	}
	select {
	case d := <-c.Downlink():
		t.Errorf("the NAS PDU of a failed session reached the UE: %+v", d)
	default:
	}
}

func TestConnectN3Unavailable(t *testing.T) {
	busy, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	if _, err := listenN3(busy.LocalAddr().(*net.UDPAddr).AddrPort(), gtpuPort); err == nil {
		t.Error("listenN3 on a port in use: no error")
	}
	// 192.0.2.1 (TEST-NET-1) is no address of this host: Connect fails
	// before it dials the AMF.
	cfg := Config{N3: netip.MustParseAddr("192.0.2.1")}
	_, err = Connect(context.Background(), pipe.New(), netip.MustParseAddrPort("127.0.0.1:38412"), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "N3") {
		t.Errorf("Connect with an N3 address not of this host: %v, want an N3 error", err)
	}
}

// An Initial Context Setup Request carrying PDU sessions, as after a
// Service Request, has them set up like a PDU Session Resource Setup
// Request: the response lists each session's result, the UE gets the
// context's NAS PDU, then the NAS PDUs of the sessions set up.
func TestContextSetupWithSessions(t *testing.T) {
	upf := startUPF(t)
	up := gnbUserPlane(t, upf)
	g, amf := setUp(t, up)
	c, ranUE := attach(t, g, amf)

	tr := setupRequest(t, 7, ranUE, 1, nil, 0x1234, netip.MustParseAddr("127.0.0.1")).PDUSessionResourceSetupListSUReq.List[0].PDUSessionResourceSetupRequestTransfer
	bad := []byte{0xff}                                           // no Setup Request Transfer: fails
	accept := []byte{0x7E, 0x02, 1, 2, 3, 4, 0, 0x7E, 0x00, 0x4E} // stands for the SERVICE ACCEPT
	sessionNAS := []byte{0x7E, 0x02, 1, 2, 3, 4, 1, 0x7E, 0x00, 0x68}
	req, err := ngap.InitialContextSetupRequest(ngap.InitialContext{
		AMFUE: 7, RANUE: ranUE,
		GUAMI:          ident.GUAMI{PLMN: testPLMN, RegionID: 1},
		AllowedNSSAI:   []ident.SNSSAI{testSlice},
		Security:       ngap.UESecurityCapabilities{NRIntegrity: ngap.AlgAES},
		NASPDU:         accept,
		UEAMBRDownlink: 1e9, UEAMBRUplink: 1e9,
		Sessions: []ngap.SessionItem{
			{PDUSessionID: 1, SNSSAI: testSlice, NASPDU: sessionNAS, Transfer: *tr},
			{PDUSessionID: 2, SNSSAI: testSlice, NASPDU: sessionNAS, Transfer: bad},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	amf.send(req)
	resp, ok := amf.recv().(*message.InitialContextSetupResponse)
	if !ok {
		t.Fatal("no Initial Context Setup Response")
	}
	results, err := ngap.DecodeInitialContextSetupResponse(resp)
	if err != nil || len(results) != 2 || results[0].PDUSessionID != 1 || results[0].Failed || results[1].PDUSessionID != 2 || !results[1].Failed {
		t.Fatalf("Initial Context Setup Response results = %+v, %v, want 1 set up and 2 failed", results, err)
	}
	rt, err := ngap.DecodeSetupResponseTransfer(results[0].Transfer)
	if err != nil || rt.DL.TEID == 0 {
		t.Fatalf("setup response transfer %+v, %v", rt, err)
	}
	if b, ok := c.Session(1); !ok || b.DLTEID != rt.DL.TEID || b.UL.TEID != 0x1234 {
		t.Errorf("Session(1) = %+v, %v", b, ok)
	}
	if d := downlink(t, c); !d.ContextSetup || hex.EncodeToString(d.NAS) != hex.EncodeToString(accept) {
		t.Errorf("UE got %+v first, want the context set up with %x", d, accept)
	}
	if d := downlink(t, c); hex.EncodeToString(d.NAS) != hex.EncodeToString(sessionNAS) {
		t.Errorf("UE got NAS %x, want session 1's %x", d.NAS, sessionNAS)
	}
	select {
	case d := <-c.Downlink():
		t.Errorf("the NAS PDU of the failed session reached the UE: %+v", d)
	default:
	}
}
