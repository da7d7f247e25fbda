package amf_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// namfOverHTTP serves the core's AMF's N1N2MessageTransfer on an h2c
// server and returns an SMF's client of it, whose failure notifications
// reach notified at the SMF's callbacks; every exchange is validated
// against the Rel-17 documents.
func namfOverHTTP(t *testing.T, c *core, notified sbi.N1N2FailureNotifier) sbi.NamfCommunication {
	t.Helper()
	v := openapitest.New(t)
	mw := []func(http.Handler) http.Handler{v.Middleware}
	amfSrv, smfSrv := sbihttp.NewServer(sbihttp.ServerConfig{Middleware: mw}), sbihttp.NewServer(sbihttp.ServerConfig{Middleware: mw})
	var roots []string
	var lns []net.Listener
	for range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns, roots = append(lns, ln), append(roots, "http://"+ln.Addr().String())
	}
	transport := v.Transport(sbihttp.NewTransport(nil))
	sbihttp.ServeNamf(amfSrv, c.amf, sbihttp.NewClient(sbihttp.ClientConfig{Transport: transport, Timeout: 5 * time.Second}))
	cb := sbihttp.NewCallbacks(smfSrv, roots[1])
	cb.SetN1N2Notifier(notified)
	for i, s := range []*sbihttp.Server{amfSrv, smfSrv} {
		s.Start(lns[i])
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			s.Stop(ctx)
		})
	}
	t.Cleanup(func() {
		if v.Count() == 0 {
			t.Error("the OpenAPI oracle saw no exchange")
		}
	})
	return sbihttp.NewNamfClient(sbihttp.NewClient(sbihttp.ClientConfig{Transport: transport, Timeout: 10 * time.Second,
		Resolver: sbihttp.StaticResolver{sbihttp.NamfService: {roots[0]}}}), cb)
}

// TestPagingOverHTTP: an SMF in another process asks the AMF for an N1N2
// transfer to an idle UE over HTTP/2: 202 ATTEMPTING_TO_REACH_UE, the UE
// is paged, does not answer, and the N1N2 transfer failure notification
// UE_NOT_RESPONDING reaches the SMF at its n1n2FailureTxfNotifURI; a
// transfer for an unknown UE is UE_NOT_REACHABLE (TS 29.518 §5.2.2.3.1,
// TS 23.502 §4.2.3.3).
func TestPagingOverHTTP(t *testing.T) {
	c, smf := pagingCore(t, 1, 150*time.Millisecond, 3)
	g := c.gnb(t, 1)
	tmsi := idleWithSession(t, c, smf, g, 0)
	paged, stop := g.WatchPaging(tmsi)
	defer stop()
	var f failures
	namf := namfOverHTTP(t, c, &f)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	req := sbi.NewN1N2Transfer(1, nil, sbi.NgapPduResSetupReq, []byte{0})
	req.FailureNotify = &f
	rsp, err := namf.N1N2MessageTransfer(ctx, supiOf(0), req)
	if err != nil || rsp.Cause != sbi.N1N2AttemptingToReachUE {
		t.Fatalf("N1N2MessageTransfer = %v, %v, want ATTEMPTING_TO_REACH_UE", rsp.Cause, err)
	}
	select {
	case <-paged:
	case <-time.After(5 * time.Second):
		t.Error("the UE's gNB was not paged")
	}
	for deadline := time.Now().Add(5 * time.Second); len(f.got()) == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
	}
	if got, want := fmt.Sprint(f.got()), fmt.Sprintf("[%s/1 UE_NOT_RESPONDING]", supiOf(0)); got != want {
		t.Errorf("failure notifications %s, want %s", got, want)
	}
	if _, err := namf.N1N2MessageTransfer(ctx, "imsi-001019999999999", req); !errors.Is(err, sbi.ErrUENotReachable) {
		t.Errorf("transfer for an unknown SUPI = %v, want ErrUENotReachable", err)
	}
}
