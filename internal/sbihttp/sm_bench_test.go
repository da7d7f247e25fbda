package sbihttp_test

import (
	"context"
	"net"
	"testing"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// BenchmarkNsmfUpdateOverHTTP is the cost of one SBI call with binary
// content, client and server: an UpdateSMContext with an N2 SM
// information part (multipart/related) answered with another, on
// loopback h2c, against the scripted SMF's own cost.
func BenchmarkNsmfUpdateOverHTTP(b *testing.B) {
	srv := sbihttp.NewServer(sbihttp.ServerConfig{})
	sbihttp.ServeNsmf(srv, &scriptedSMF{}, sbihttp.NewClient(sbihttp.ClientConfig{}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv.Start(ln)
	defer srv.Stop(context.Background())
	root := "http://" + ln.Addr().String()
	cb := sbihttp.NewCallbacks(sbihttp.NewServer(sbihttp.ServerConfig{}), "http://127.0.0.1:1")
	c := sbihttp.NewNsmfClient(sbihttp.NewClient(sbihttp.ClientConfig{Resolver: sbihttp.StaticResolver{sbihttp.NsmfService: {root}}}), cb, sbihttp.Consumer{})
	ref := root + "/nsmf-pdusession/v1/sm-contexts/ctx-5"
	upd := sbi.SmContextUpdateData{HoState: sbi.HOPreparing, N2SmInfoType: sbi.N2HandoverRequired, N2SmInfo: sbi.N2SM(make([]byte, 40))}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.UpdateSMContext(ctx, ref, upd); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNsmfUpdateDirect is the same update in one process.
func BenchmarkNsmfUpdateDirect(b *testing.B) {
	var s sbi.NsmfPDUSession = &scriptedSMF{}
	upd := sbi.SmContextUpdateData{HoState: sbi.HOPreparing, N2SmInfoType: sbi.N2HandoverRequired, N2SmInfo: sbi.N2SM(make([]byte, 40))}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.UpdateSMContext(ctx, "ctx-5", upd); err != nil {
			b.Fatal(err)
		}
	}
}
