package pfcptest_test

import (
	"context"
	"errors"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/pfcp"
	"github.com/keelcore/keel/internal/pfcp/pfcptest"
)

var (
	loopback = netip.MustParseAddrPort("127.0.0.1:0")
	boot     = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
)

// TestProxy relays a PFCP request and its response through the Proxy,
// then drops, delays and answers in the server's place.
func TestProxy(t *testing.T) {
	var handled atomic.Int32
	server, err := pfcp.Listen(t.Context(), loopback, func(_ context.Context, _ netip.AddrPort, req message.Message) message.Message {
		handled.Add(1)
		resp, _ := pfcp.AssociationSetupResponse(0, netip.MustParseAddr("10.0.0.2"), pfcp.CauseRequestAccepted, boot)
		return resp
	}, pfcp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	const t1 = 100 * time.Millisecond
	client, err := pfcp.Listen(t.Context(), loopback, nil, pfcp.Options{T1: t1, N1: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	p := pfcptest.New(t, server.Addr())
	setup := func() (uint8, error) {
		req, _ := pfcp.AssociationSetupRequest(0, netip.MustParseAddr("10.0.0.1"), boot)
		m, err := client.Request(t.Context(), p.Addr(), req)
		if err != nil {
			return 0, err
		}
		_, _, cause, err := pfcp.ParseAssociationSetup(m)
		return cause, err
	}
	typ := message.MsgTypeAssociationSetupRequest

	if cause, err := setup(); err != nil || cause != pfcp.CauseRequestAccepted {
		t.Fatalf("through the proxy: cause %d, %v", cause, err)
	}
	if got := p.Seen(pfcptest.ToServer, typ); got != 1 {
		t.Errorf("Seen(ToServer) = %d, want 1", got)
	}

	remove := p.Inject(pfcptest.Fault{Direction: pfcptest.ToServer, Type: typ, Drop: 2})
	if cause, err := setup(); err != nil || cause != pfcp.CauseRequestAccepted {
		t.Errorf("with two requests dropped: cause %d, %v; want accepted at the third send", cause, err)
	}
	remove()

	p.Inject(pfcptest.Fault{Direction: pfcptest.ToServer, Type: typ, Cause: pfcp.CauseNoResourcesAvailable, Count: 1})
	before := handled.Load()
	if cause, err := setup(); err != nil || cause != pfcp.CauseNoResourcesAvailable {
		t.Errorf("answered by the proxy: cause %d, %v; want 75", cause, err)
	}
	if handled.Load() != before {
		t.Error("the server saw a request the proxy answered")
	}
	p.Clear()

	p.Inject(pfcptest.Fault{Direction: pfcptest.ToClient, Delay: 10 * t1})
	if _, err := setup(); !errors.Is(err, pfcp.ErrTimeout) {
		t.Errorf("with responses delayed past the timeout: %v, want ErrTimeout", err)
	}
}
