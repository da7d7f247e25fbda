package gnb

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/pipe"
)

// setGUAMI is the GUAMI of AMF pointer ptr in the test's AMF set 0x2a5.
func setGUAMI(ptr uint8) ident.GUAMI {
	return ident.GUAMI{PLMN: testPLMN, RegionID: 0xCA, SetID: 0x2A5, Pointer: ptr}
}

func setTMSI(ptr uint8, tmsi uint32) *ngap.FiveGSTMSI {
	return &ngap.FiveGSTMSI{SetID: 0x2A5, Pointer: ptr, TMSI: tmsi}
}

// scriptedAMF listens at one address of a pipe transport and answers
// every association's NG Setup Request with setup; the test reads the
// associations it accepted from accepted.
type scriptedAMF struct {
	addr     netip.AddrPort
	accepted chan *fakeAMF
}

// amfInfo is the NG Setup Response of an AMF of the test set.
func amfInfo(name string, capacity uint8, ptr uint8, backup string) ngap.AMFInfo {
	a := ngap.AMFInfo{Name: name, GUAMIs: []ident.GUAMI{setGUAMI(ptr)}, Capacity: capacity,
		PLMNs: []ident.PLMN{testPLMN}, Slices: []ident.SNSSAI{testSlice}}
	if backup != "" {
		a.BackupAMFNames = map[ident.GUAMI]string{setGUAMI(ptr): backup}
	}
	return a
}

// startAMF runs a scripted AMF at addr whose NG Setup answer is built by
// answer, called for each association.
func startAMF(t *testing.T, tr sctp.Transport, addr string, answer func() []byte) *scriptedAMF {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l, err := tr.Listen(ctx, netip.MustParseAddrPort(addr))
	if err != nil {
		t.Fatal(err)
	}
	s := &scriptedAMF{addr: l.Addr(), accepted: make(chan *fakeAMF, 4)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept(ctx)
			if err != nil {
				return
			}
			in, err := c.Recv(ctx)
			if err != nil {
				continue
			}
			if m, err := ngap.Decode(in.Data); err != nil {
				continue
			} else if _, ok := m.(*message.NGSetupRequest); !ok {
				continue
			}
			c.Send(ctx, sctp.Message{Stream: 0, PPID: sctp.PPIDNGAP, Data: answer()})
			s.accepted <- &fakeAMF{t: t, conn: c}
		}
	}()
	t.Cleanup(func() {
		cancel()
		l.Close()
		<-done
	})
	return s
}

func respond(t *testing.T, info ngap.AMFInfo) func() []byte {
	b := encode(t, func() (message.Message, error) { return ngap.NGSetupResponse(info) })
	return func() []byte { return b }
}

func encode(t *testing.T, build func() (message.Message, error)) []byte {
	t.Helper()
	m, err := build()
	if err != nil {
		t.Fatal(err)
	}
	b, err := ngap.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// spoilPLMN turns the PLMN 001 01 of the first GUAMI (region 0xCA) in
// pdu into one with a non-digit: the PDU still decodes as NGAP, its
// GUAMI does not.
func spoilPLMN(t *testing.T, pdu []byte) []byte {
	t.Helper()
	out := bytes.Replace(pdu, []byte{0x00, 0xF1, 0x10, 0xCA}, []byte{0xFF, 0xF1, 0x10, 0xCA}, 1)
	if bytes.Equal(out, pdu) {
		t.Fatal("no GUAMI of PLMN 001 01 and region 0xCA in the PDU")
	}
	return out
}

// next returns the association the AMF accepted.
func (s *scriptedAMF) next(t *testing.T) *fakeAMF {
	t.Helper()
	select {
	case a := <-s.accepted:
		return a
	case <-time.After(5 * time.Second):
		t.Fatalf("AMF %s: no association", s.addr)
	}
	return nil
}

func setConfig() Config {
	return Config{
		ID:   ngap.RANNodeID{PLMN: testPLMN, Kind: ngap.KindGNB, ID: 1, Bits: 22},
		Name: "test-gnb",
		TAs:  []ngap.TA{{TAC: 1, PLMNs: []ident.PLMN{testPLMN}, Slices: []ident.SNSSAI{testSlice}}},
	}
}

// connectSet connects a gNB of configuration cfg to the scripted AMFs
// and returns their ends of the associations, in order.
func connectSet(t *testing.T, tr sctp.Transport, cfg Config, amfs ...*scriptedAMF) (*GNB, []*fakeAMF, chan arrival) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var addrs []netip.AddrPort
	for _, a := range amfs {
		addrs = append(addrs, a.addr)
	}
	g, err := ConnectAMFs(ctx, tr, addrs, cfg, nil)
	if err != nil {
		t.Fatalf("ConnectAMFs: %v", err)
	}
	t.Cleanup(func() { g.Close() })
	var ends []*fakeAMF
	arrivals := make(chan arrival, 16)
	for i, a := range amfs {
		ends = append(ends, a.next(t))
		watch(t, arrivals, i, ends[i])
	}
	return g, ends, arrivals
}

func pipeTransport(t *testing.T) sctp.Transport {
	tr := pipe.New()
	t.Cleanup(func() { tr.Close() })
	return tr
}

// arrival is a message a scripted AMF's association received.
type arrival struct {
	amf int
	m   message.Message
}

// watch reads what association end f of AMF i receives into arrivals
// until the association ends.
func watch(t *testing.T, arrivals chan<- arrival, i int, f *fakeAMF) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			in, err := f.conn.Recv(context.Background())
			if err != nil {
				return
			}
			if m, err := ngap.Decode(in.Data); err == nil {
				arrivals <- arrival{i, m}
			}
		}
	}()
	t.Cleanup(func() {
		f.conn.Abort()
		<-done
	})
}

// expect returns the next message an AMF received.
func expect(t *testing.T, arrivals <-chan arrival) arrival {
	t.Helper()
	select {
	case a := <-arrivals:
		return a
	case <-time.After(5 * time.Second):
		t.Fatal("no message at the AMFs")
	}
	return arrival{}
}

// attachTo opens a UE connection with tmsi and returns the index of the
// AMF whose association carried its Initial UE Message.
func attachTo(t *testing.T, g *GNB, arrivals <-chan arrival, tmsi *ngap.FiveGSTMSI) (*UEConn, int) {
	t.Helper()
	c, err := g.Attach(context.Background(), []byte{0x7E, 0x00, 0x41}, tmsi)
	if err != nil {
		t.Fatalf("Attach(%v) = %v", tmsi, err)
	}
	a := expect(t, arrivals)
	m, ok := a.m.(*message.InitialUEMessage)
	if !ok || m.RANUENGAPID.Value != c.RANUENGAPID() {
		t.Fatalf("AMF %d got %T, want the Initial UE Message of RAN UE NGAP ID %d", a.amf, a.m, c.RANUENGAPID())
	}
	return c, a.amf
}

// waitEvent waits for the gNB's event of procedure proc, skipping others.
func waitEvent(t *testing.T, g *GNB, proc string) Event {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case e, ok := <-g.Events():
			if !ok {
				t.Fatalf("events closed waiting for %s", proc)
			}
			if e.Procedure == proc {
				return e
			}
		case <-timeout:
			t.Fatalf("no %s event", proc)
		}
	}
}

// A UE with a 5G-S-TMSI goes to the AMF serving its AMF Set ID and AMF
// Pointer; one without goes to an AMF chosen by relative capacity, in
// the proportion of the capacities.
func TestSelectionBySTMSI(t *testing.T) {
	tr := pipeTransport(t)
	a := startAMF(t, tr, "127.0.0.1:38412", respond(t, amfInfo("amf-a", 200, 1, "")))
	b := startAMF(t, tr, "127.0.0.2:38412", respond(t, amfInfo("amf-b", 100, 2, "")))
	g, _, arrivals := connectSet(t, tr, setConfig(), a, b)

	for _, c := range []struct {
		ptr  uint8
		want int
	}{{1, 0}, {2, 1}, {2, 1}, {1, 0}} {
		if _, got := attachTo(t, g, arrivals, setTMSI(c.ptr, 7)); got != c.want {
			t.Errorf("UE of AMF pointer %d went to AMF %d, want %d", c.ptr, got, c.want)
		}
	}
	counts := make([]int, 2)
	for range 6 {
		_, i := attachTo(t, g, arrivals, nil)
		counts[i]++
	}
	if counts[0] != 4 || counts[1] != 2 {
		t.Errorf("UEs without identity to AMFs of capacity 200 and 100: %v, want [4 2]", counts)
	}
	// An AMF pointer no AMF serves: by capacity, within the set.
	if _, got := attachTo(t, g, arrivals, setTMSI(9, 7)); got < 0 {
		t.Errorf("UE of an unknown pointer went nowhere")
	}
	status := g.AMFs()
	if len(status) != 2 || status[0].Name != "amf-a" || !status[0].Up || status[1].Capacity != 100 || status[1].GUAMIs[0] != setGUAMI(2) ||
		status[0].SetUps != 1 || status[0].InitialUEMessages+status[1].InitialUEMessages != 11 {
		t.Errorf("AMFs() = %+v", status)
	}
}

// After an AMF Status Indication withdraws a GUAMI, its UEs go to the
// backup AMF the Served GUAMI List named, or the one the indication
// names; without a backup, to another AMF of the same set.
func TestBackupAfterStatusIndication(t *testing.T) {
	tr := pipeTransport(t)
	a := startAMF(t, tr, "127.0.0.1:38412", respond(t, amfInfo("amf-a", 255, 1, "amf-c")))
	b := startAMF(t, tr, "127.0.0.2:38412", respond(t, amfInfo("amf-b", 255, 2, "")))
	c := startAMF(t, tr, "127.0.0.3:38412", respond(t, amfInfo("amf-c", 1, 3, "")))
	g, ends, arrivals := connectSet(t, tr, setConfig(), a, b, c)

	si, err := ngap.AMFStatusIndication([]ident.GUAMI{setGUAMI(1)})
	if err != nil {
		t.Fatal(err)
	}
	ends[0].send(si)
	if e := waitEvent(t, g, "AMFStatusIndication"); e.AMF != "amf-a" {
		t.Errorf("AMF Status Indication event %+v, want from amf-a", e)
	}
	if st := g.AMFs(); len(st[0].Unavailable) != 1 || !st[0].Up {
		t.Errorf("after the indication AMFs()[0] = %+v, want up with its GUAMI unavailable", st[0])
	}
	for range 3 {
		if _, got := attachTo(t, g, arrivals, setTMSI(1, 7)); got != 2 {
			t.Errorf("UE of the withdrawn GUAMI went to AMF %d, want the backup amf-c (2)", got)
		}
	}
	// The indication's own backup name wins.
	si, err = ngap.AMFStatusIndicationBackups([]ident.GUAMI{setGUAMI(1)}, map[ident.GUAMI]string{setGUAMI(1): "amf-b"})
	if err != nil {
		t.Fatal(err)
	}
	ends[0].send(si)
	waitEvent(t, g, "AMFStatusIndication")
	if _, got := attachTo(t, g, arrivals, setTMSI(1, 7)); got != 1 {
		t.Errorf("UE of the withdrawn GUAMI went to AMF %d, want the indication's backup amf-b (1)", got)
	}
	// amf-b's GUAMI has no backup: another AMF of the set, never amf-b.
	si, err = ngap.AMFStatusIndication([]ident.GUAMI{setGUAMI(2)})
	if err != nil {
		t.Fatal(err)
	}
	ends[1].send(si)
	waitEvent(t, g, "AMFStatusIndication")
	for range 3 {
		if _, got := attachTo(t, g, arrivals, setTMSI(2, 7)); got == 1 {
			t.Error("UE of amf-b's withdrawn GUAMI went to amf-b")
		}
	}
	// An AMF Configuration Update serving the GUAMI again makes it
	// available.
	list, err := ngap.NGSetupResponse(amfInfo("amf-b", 255, 2, ""))
	if err != nil {
		t.Fatal(err)
	}
	ends[1].send(&message.AMFConfigurationUpdate{ServedGUAMIList: list.ServedGUAMIList})
	if a := expect(t, arrivals); a.amf != 1 {
		t.Fatalf("answer to AMF Configuration Update at AMF %d", a.amf)
	} else if _, ok := a.m.(*message.AMFConfigurationUpdateAcknowledge); !ok {
		t.Fatalf("answer to AMF Configuration Update: %T", a.m)
	}
	waitEvent(t, g, "AMFConfigurationUpdate")
	if _, got := attachTo(t, g, arrivals, setTMSI(2, 7)); got != 1 {
		t.Errorf("UE of amf-b's GUAMI served again went to AMF %d, want amf-b (1)", got)
	}
}

// The loss of an association releases its UE connections locally and
// takes its AMF out of selection: the UE's next Initial UE Message goes
// to another AMF of the set, while the gNB stays up.
func TestReselectionAfterAssociationLoss(t *testing.T) {
	tr := pipeTransport(t)
	a := startAMF(t, tr, "127.0.0.1:38412", respond(t, amfInfo("amf-a", 255, 1, "")))
	b := startAMF(t, tr, "127.0.0.2:38412", respond(t, amfInfo("amf-b", 255, 2, "")))
	g, ends, arrivals := connectSet(t, tr, setConfig(), a, b)

	onA, i := attachTo(t, g, arrivals, setTMSI(1, 7))
	if i != 0 {
		t.Fatalf("UE went to AMF %d, want amf-a", i)
	}
	onB, _ := attachTo(t, g, arrivals, setTMSI(2, 8))
	ends[0].conn.Abort()
	select {
	case d := <-onA.Downlink():
		if !d.Released || d.Cause != "" {
			t.Errorf("downlink after the association loss %+v, want a local release", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("UE connection of the lost AMF not released")
	}
	if e := waitEvent(t, g, "AMFLost"); e.AMF != "amf-a" {
		t.Errorf("AMFLost event %+v, want amf-a", e)
	}
	if err := onA.Send(context.Background(), []byte{0x7E, 0x00, 0x43}); err == nil {
		t.Error("Send on a connection of the lost association succeeded")
	}
	select {
	case <-g.Down():
		t.Fatal("gNB down with amf-b still up")
	case d := <-onB.Downlink():
		t.Fatalf("amf-b's UE got %+v", d)
	default:
	}
	for _, tmsi := range []*ngap.FiveGSTMSI{setTMSI(1, 7), nil} {
		if _, got := attachTo(t, g, arrivals, tmsi); got != 1 {
			t.Errorf("UE %v after amf-a's loss went to AMF %d, want amf-b", tmsi, got)
		}
	}
	if st := g.AMFs(); st[0].Up || !st[1].Up {
		t.Errorf("AMFs() = %+v, want amf-a down, amf-b up", st)
	}
	ends[1].conn.Abort()
	select {
	case <-g.Down():
	case <-time.After(5 * time.Second):
		t.Fatal("gNB not down with both associations lost")
	}
	if _, err := g.Attach(context.Background(), []byte{0x7E, 0x00, 0x41}, nil); !errors.Is(err, ErrDown) {
		t.Errorf("Attach with no AMF = %v, want ErrDown", err)
	}
}

// With Reconnect, a lost association is set up again after the back-off,
// and the AMF's UEs go back to it.
func TestReconnect(t *testing.T) {
	tr := pipeTransport(t)
	a := startAMF(t, tr, "127.0.0.1:38412", respond(t, amfInfo("amf-a", 255, 1, "")))
	b := startAMF(t, tr, "127.0.0.2:38412", respond(t, amfInfo("amf-b", 255, 2, "")))
	cfg := setConfig()
	cfg.Reconnect = Backoff{Initial: time.Millisecond, Max: 10 * time.Millisecond}
	g, ends, arrivals := connectSet(t, tr, cfg, a, b)

	ends[0].conn.Abort()
	waitEvent(t, g, "AMFLost")
	ends[0] = a.next(t)
	watch(t, arrivals, 0, ends[0])
	if e := waitEvent(t, g, "AMFSetUp"); e.AMF != "amf-a" {
		t.Errorf("AMFSetUp event %+v, want amf-a", e)
	}
	if _, got := attachTo(t, g, arrivals, setTMSI(1, 7)); got != 0 {
		t.Errorf("UE of amf-a after its reconnection went to AMF %d", got)
	}
	if st := g.AMFs(); st[0].SetUps != 2 || st[1].SetUps != 1 {
		t.Errorf("AMFs() = %+v, want amf-a set up twice, amf-b once", st)
	}
	// Both lost: the gNB stays up, reconnecting, until Close.
	ends[0].conn.Abort()
	ends[1].conn.Abort()
	a.next(t)
	b.next(t)
	g.Close()
	select {
	case <-g.Down():
	case <-time.After(5 * time.Second):
		t.Fatal("Down not closed after Close")
	}
}

// With Reconnect, an AMF that refuses the first NG Setup is set up later
// while the others serve; without, Connect fails.
func TestConnectWithAnAMFMissing(t *testing.T) {
	tr := pipeTransport(t)
	refusals := make(chan struct{}, 1)
	refusals <- struct{}{}
	refusal := encode(t, func() (message.Message, error) {
		return ngap.NGSetupFailure(ngap.MiscCause(ie.CauseMiscPresentUnspecified), -1, nil), nil
	})
	accept := respond(t, amfInfo("amf-a", 255, 1, ""))
	a := startAMF(t, tr, "127.0.0.1:38412", func() []byte {
		select {
		case <-refusals:
			return refusal
		default:
		}
		return accept()
	})
	b := startAMF(t, tr, "127.0.0.2:38412", respond(t, amfInfo("amf-b", 255, 2, "")))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg := setConfig()
	cfg.Reconnect = Backoff{Initial: time.Millisecond, Max: 10 * time.Millisecond}
	g, err := ConnectAMFs(ctx, tr, []netip.AddrPort{a.addr, b.addr}, cfg, nil)
	if err != nil {
		t.Fatalf("ConnectAMFs with one AMF refusing, and Reconnect: %v", err)
	}
	defer g.Close()
	a.next(t) // the refused association
	arrivals := make(chan arrival, 16)
	watch(t, arrivals, 1, b.next(t))
	if e := waitEvent(t, g, "AMFSetUp"); e.AMF != "amf-a" {
		t.Errorf("AMFSetUp event %+v, want amf-a", e)
	}
	watch(t, arrivals, 0, a.next(t))
	if _, got := attachTo(t, g, arrivals, setTMSI(1, 7)); got != 0 {
		t.Errorf("UE of amf-a went to AMF %d once amf-a was set up", got)
	}

	refusals <- struct{}{}
	var se *SetupError
	if _, err := ConnectAMFs(ctx, tr, []netip.AddrPort{a.addr, b.addr}, setConfig(), nil); !errors.As(err, &se) {
		t.Errorf("ConnectAMFs with one AMF refusing, no Reconnect = %v, want a SetupError", err)
	}
}

// A malformed NG Setup Response fails the connection with an error that
// says why; a malformed AMF Status Indication or AMF Configuration Update
// is an event that changes nothing. Nothing panics.
func TestMalformedAMFConfiguration(t *testing.T) {
	good := amfInfo("amf-a", 255, 1, "")
	pdu := respond(t, good)()
	wrong := encode(t, func() (message.Message, error) { return ngap.AMFStatusIndication([]ident.GUAMI{setGUAMI(1)}) })
	for _, c := range []struct {
		name   string
		answer []byte
	}{
		{"GUAMI of a bad PLMN", spoilPLMN(t, pdu)},
		{"truncated", pdu[:len(pdu)/2]},
		{"not an NG Setup answer", wrong},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := pipeTransport(t)
			a := startAMF(t, tr, "127.0.0.1:38412", func() []byte { return c.answer })
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			g, err := ConnectAMFs(ctx, tr, []netip.AddrPort{a.addr}, setConfig(), nil)
			if err == nil {
				g.Close()
				t.Fatal("ConnectAMFs with a malformed NG Setup Response succeeded")
			}
			if ctx.Err() != nil {
				t.Fatalf("ConnectAMFs = %v only after its deadline", err)
			}
		})
	}

	tr := pipeTransport(t)
	a := startAMF(t, tr, "127.0.0.1:38412", respond(t, good))
	g, ends, arrivals := connectSet(t, tr, setConfig(), a)
	sent := 0
	for _, m := range malformedStatusIndications(t) {
		if err := ends[0].conn.Send(context.Background(), sctp.Message{Stream: 0, PPID: sctp.PPIDNGAP, Data: m}); err != nil {
			t.Fatal(err)
		}
		sent++
		if e := waitEvent(t, g, "AMFStatusIndication"); e.Cause == "" || e.Cause[0] == '1' {
			t.Errorf("malformed AMF Status Indication: event %+v, want why it was refused", e)
		}
	}
	if sent == 0 {
		t.Fatal("no malformed AMF Status Indication built")
	}
	if st := g.AMFs(); len(st[0].Unavailable) != 0 || !st[0].Up {
		t.Errorf("after malformed indications AMFs() = %+v", st)
	}
	if _, got := attachTo(t, g, arrivals, setTMSI(1, 7)); got != 0 {
		t.Errorf("UE went to AMF %d", got)
	}
}

// The smooth weighted round robin follows the capacities exactly over a
// cycle, and never picks a capacity-0 AMF while another is up.
func TestRoundRobin(t *testing.T) {
	peers := []*amfPeer{{capacity: 5}, {capacity: 1}, {capacity: 1}}
	got := make([]int, 3)
	for range 7 * 10 {
		p := roundRobin(peers)
		for i := range peers {
			if peers[i] == p {
				got[i]++
			}
		}
	}
	if got[0] != 50 || got[1] != 10 || got[2] != 10 {
		t.Errorf("picks over 10 cycles of capacities 5, 1, 1: %v, want [50 10 10]", got)
	}
	zero := []*amfPeer{{capacity: 0}, {capacity: 0}}
	got = make([]int, 2)
	for range 4 {
		p := roundRobin(zero)
		for i := range zero {
			if zero[i] == p {
				got[i]++
			}
		}
	}
	if got[0] != 2 || got[1] != 2 {
		t.Errorf("picks among capacities 0: %v, want [2 2]", got)
	}
	if roundRobin(nil) != nil {
		t.Error("roundRobin(nil) != nil")
	}
}

// malformedStatusIndications are AMF Status Indications that decode as
// NGAP but whose Unavailable GUAMI List the gNB cannot use.
func malformedStatusIndications(t *testing.T) [][]byte {
	t.Helper()
	b := encode(t, func() (message.Message, error) { return ngap.AMFStatusIndication([]ident.GUAMI{setGUAMI(1)}) })
	bad := spoilPLMN(t, b)
	if _, err := ngap.Decode(bad); err != nil {
		t.Fatalf("spoilt AMF Status Indication does not decode: %v", err)
	}
	return [][]byte{bad}
}
