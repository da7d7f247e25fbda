package sbihttp_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// plane is a producer NF's SBI server and a consumer NF's (which serves
// the consumer's callbacks) on loopback, with the consumer's client of
// the producer and the producer's client of the callbacks; every
// exchange between them is validated against the Rel-17 documents.
type plane struct {
	v                  *openapitest.Validator
	producer, consumer *sbihttp.Server
	// client is the consumer's, resolving the producer's services;
	// notifier the producer's, for callback URIs.
	client, notifier *sbihttp.Client
	cb               *sbihttp.Callbacks
	lns              []net.Listener
	producerRoot     string
	consumerRoot     string
}

func newPlane(t *testing.T, opts ...openapitest.Options) *plane {
	t.Helper()
	p := &plane{v: openapitest.New(t, opts...)}
	mw := []func(http.Handler) http.Handler{p.v.Middleware}
	p.producer = sbihttp.NewServer(sbihttp.ServerConfig{Middleware: mw})
	p.consumer = sbihttp.NewServer(sbihttp.ServerConfig{Middleware: mw})
	var roots []string
	for range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p.lns = append(p.lns, ln)
		roots = append(roots, "http://"+ln.Addr().String())
	}
	p.producerRoot, p.consumerRoot = roots[0], roots[1]
	p.cb = sbihttp.NewCallbacks(p.consumer, roots[1])
	transport := p.v.Transport(sbihttp.NewTransport(nil))
	p.client = sbihttp.NewClient(sbihttp.ClientConfig{Timeout: 5 * time.Second, Transport: transport,
		Resolver: sbihttp.StaticResolver{sbihttp.NsmfService: {roots[0]}, sbihttp.NamfService: {roots[0]}, sbihttp.NpcfService: {roots[0]}}})
	p.notifier = sbihttp.NewClient(sbihttp.ClientConfig{Timeout: 5 * time.Second, Transport: transport})
	return p
}

// start serves both servers until the test ends; the producer's
// operations are registered by then.
func (p *plane) start(t *testing.T) {
	t.Helper()
	for i, s := range []*sbihttp.Server{p.producer, p.consumer} {
		s.Start(p.lns[i])
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := s.Stop(ctx); err != nil {
				t.Errorf("Stop: %v", err)
			}
		})
	}
	t.Cleanup(func() {
		if p.v.Count() == 0 {
			t.Error("the OpenAPI oracle saw no exchange")
		}
	})
}
