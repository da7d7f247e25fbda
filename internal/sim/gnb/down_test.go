package gnb

import (
	"context"
	"errors"
	"net"
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

// The end of the association ends a Ping under way at once, marks the
// gNB down and refuses new UE connections.
func TestAssociationLossEndsPing(t *testing.T) {
	upf := startUPF(t)
	up := gnbUserPlane(t, upf)
	g, amf := setUp(t, up)
	c, ranUE := attach(t, g, amf)
	gnbN3 := up.conn.LocalAddr().(*net.UDPAddr).AddrPort()
	upf.gnb.Store(&gnbN3)
	amf.send(setupRequest(t, 7, ranUE, 1, []byte{0x7E, 0x00, 0x68}, 0x1234, netip.MustParseAddr("127.0.0.1")))
	if _, ok := amf.recv().(*message.PDUSessionResourceSetupResponse); !ok {
		t.Fatal("no PDU Session Resource Setup Response")
	}

	// Nobody answers at this address: the ping would go on for 30 s.
	pinged := make(chan error, 1)
	go func() {
		_, err := c.Ping(context.Background(), 1, ueAddr, netip.MustParseAddr("10.45.0.99"), 300, 100*time.Millisecond)
		pinged <- err
	}()
	time.Sleep(200 * time.Millisecond)
	amf.conn.Abort()
	select {
	case err := <-pinged:
		if !errors.Is(err, ErrReleased) {
			t.Errorf("Ping after the association ended = %v, want ErrReleased", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Ping still running 10 s after the association ended")
	}
	select {
	case <-g.Down():
	case <-time.After(5 * time.Second):
		t.Fatal("Down not closed after the association ended")
	}
	if _, err := g.Attach(context.Background(), []byte{0x7E, 0x00, 0x41}, nil); !errors.Is(err, ErrDown) {
		t.Errorf("Attach on a gNB that is down = %v, want ErrDown", err)
	}
}

// An NG Setup Failure's Time to Wait reaches the caller.
func TestSetupRefusedWithTimeToWait(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tr := pipe.New()
	t.Cleanup(func() { tr.Close() })
	l, err := tr.Listen(ctx, netip.MustParseAddrPort("127.0.0.1:38412"))
	if err != nil {
		t.Fatal(err)
	}
	refusal, err := ngap.Encode(ngap.NGSetupFailure(ngap.MiscCause(ie.CauseMiscPresentUnspecified), int(ie.TimeToWaitPresentV5s), nil))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		c, err := l.Accept(ctx)
		if err != nil {
			return
		}
		if _, err := c.Recv(ctx); err == nil {
			c.Send(ctx, sctp.Message{Stream: 0, PPID: sctp.PPIDNGAP, Data: refusal})
		}
	}()
	cfg := Config{
		ID:   ngap.RANNodeID{PLMN: testPLMN, Kind: ngap.KindGNB, ID: 1, Bits: 22},
		Name: "test-gnb",
		TAs:  []ngap.TA{{TAC: 1, PLMNs: []ident.PLMN{testPLMN}, Slices: []ident.SNSSAI{testSlice}}},
	}
	_, err = connect(ctx, tr, []netip.AddrPort{l.Addr()}, cfg, nil, nil)
	var se *SetupError
	if !errors.As(err, &se) || se.TimeToWait != 5*time.Second || se.Cause != ngap.CauseString(ngap.MiscCause(ie.CauseMiscPresentUnspecified)) {
		t.Errorf("connect = %v (%+v), want a SetupError with misc unspecified and a 5 s wait", err, se)
	}
}
