package nfclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/accesstoken"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/nrf"
	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

const (
	nrfID  = "0f8d3ab6-5a41-4a35-9d8e-7bb7c6f0a001"
	udmID  = "5a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f50"
	udm2ID = "5a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f51"
	amfID  = "c3a4d7e2-8b1f-4f0a-a6d5-2e9f0b7c1d02"
)

var plmn = ident.PLMN{MCC: "001", MNC: "01"}

// nrfServer is an NRF served on loopback behind the OpenAPI oracle.
type nrfServer struct {
	nrf  *nrf.NRF
	reg  *prometheus.Registry
	key  accesstoken.SigningKey
	addr string
	srv  *sbihttp.Server
}

func startNRF(t *testing.T, v *openapitest.Validator, addr string) *nrfServer {
	t.Helper()
	return startNRFWith(t, v, addr, func(*nrf.Options) {})
}

func startNRFWith(t *testing.T, v *openapitest.Validator, addr string, mod func(*nrf.Options)) *nrfServer {
	t.Helper()
	key, err := accesstoken.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &nrfServer{reg: prometheus.NewRegistry(), key: key, addr: ln.Addr().String()}
	opts := nrf.Options{InstanceID: nrfID, APIRoot: "http://" + s.addr, SigningKey: key, Registry: s.reg,
		Notifier: nrf.HTTPNotifier{Client: sbihttp.NewClient(sbihttp.ClientConfig{Timeout: time.Second})}}
	mod(&opts)
	s.nrf, err = nrf.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.srv = sbihttp.NewServer(sbihttp.ServerConfig{Middleware: []func(http.Handler) http.Handler{v.Middleware}})
	s.nrf.Routes(s.srv)
	s.srv.Start(ln)
	s.nrf.Start()
	t.Cleanup(s.stop)
	return s
}

func (s *nrfServer) stop() {
	s.nrf.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.srv.Stop(ctx)
}

func newClient(t *testing.T, v *openapitest.Validator, nrfAddr string, spec Spec, reg prometheus.Registerer) *Client {
	t.Helper()
	p, err := Profile(spec)
	if err != nil {
		t.Fatal(err)
	}
	p.HeartBeatTimer = 1
	c, err := New(Options{NRF: "http://" + nrfAddr, Profile: p, Transport: v.Transport(sbihttp.NewTransport(nil)), RetryInterval: 100 * time.Millisecond, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func udmSpec(id, apiRoot string) Spec {
	return Spec{InstanceID: id, Type: sbi.NFTypeUDM, APIRoot: apiRoot, PLMNs: []ident.PLMN{plmn},
		SUPIRanges: []nnrf.SUPIRange{{Start: "001010000000000", End: "001010000009999"}}, RoutingIndicators: []string{"0000"}}
}

func amfSpec() Spec {
	return Spec{InstanceID: amfID, Type: sbi.NFTypeAMF, APIRoot: "http://127.0.0.1:8001", PLMNs: []ident.PLMN{plmn},
		GUAMIs: []ident.GUAMI{{PLMN: plmn, RegionID: 1, SetID: 1, Pointer: 0}}, TAIs: []ident.TAI{{PLMN: plmn, TAC: 1}}}
}

func TestRegisterHeartbeatReregisterDeregister(t *testing.T) {
	v := openapitest.New(t)
	s := startNRF(t, v, "127.0.0.1:0")
	c := newClient(t, v, s.addr, udmSpec(udmID, "http://127.0.0.1:8002"), nil)
	c.Start()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WaitRegistered(ctx); err != nil {
		t.Fatal(err)
	}
	doc, err := s.nrf.Profile(udmID)
	if err != nil || doc["heartBeatTimer"] != float64(1) {
		t.Fatalf("profile at the NRF = %v, %v", doc, err)
	}
	waitFor(t, "a heartbeat", func() bool {
		return metrictest.Value(t, s.reg, "keel_nrf_nfm_requests_total", "operation", "heartbeat", "result", "ok") >= 1
	})

	if err := c.Subscribe(ctx, &nnrf.SubscrCond{NFType: sbi.NFTypeAUSF}, "http://127.0.0.1:1/notify"); err != nil {
		t.Fatal(err)
	}

	// The NRF restarts on the same address with an empty registry: the
	// next heartbeat gets 404 and the client registers again and makes
	// its subscription again.
	s.stop()
	s2 := startNRF(t, v, s.addr)
	waitFor(t, "registration at the restarted NRF", func() bool {
		_, err := s2.nrf.Profile(udmID)
		return err == nil
	})
	waitFor(t, "the subscription made again", func() bool {
		return metrictest.Value(t, s2.reg, "keel_nrf_nfm_requests_total", "operation", "subscribe", "result", "ok") == 1
	})

	stopCtx, stopCancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer stopCancel()
	if err := c.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.nrf.Profile(udmID); err == nil {
		t.Error("the NF is still registered after Stop")
	}
}

func TestDiscoverResolveToken(t *testing.T) {
	v := openapitest.New(t)
	s := startNRF(t, v, "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, sp := range []Spec{udmSpec(udmID, "http://127.0.0.1:8002"), amfSpec()} {
		c := newClient(t, v, s.addr, sp, nil)
		c.Start()
		t.Cleanup(func() { c.Stop(context.Background()) })
		if err := c.WaitRegistered(ctx); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewRegistry()
	amf, err := New(Options{NRF: "http://" + s.addr, Profile: mustProfile(t, amfSpec()), Transport: v.Transport(sbihttp.NewTransport(nil)), Registry: reg})
	if err != nil {
		t.Fatal(err)
	}

	roots, err := amf.Resolve(ctx, "nudm-sdm")
	if err != nil || len(roots) != 1 || roots[0] != "http://127.0.0.1:8002" {
		t.Fatalf("Resolve(nudm-sdm) = %v, %v", roots, err)
	}
	if _, err := amf.Resolve(ctx, "nudm-sdm"); err != nil {
		t.Fatal(err)
	}
	if hits := metrictest.Value(t, reg, "keel_nfclient_discovery_cache_total", "result", "hit"); hits != 1 {
		t.Errorf("cache hits = %v, want 1 (the second Resolve)", hits)
	}
	if _, err := amf.Select(ctx, nnrf.Query{SUPI: "imsi-001010000100000"}, "nudm-uecm"); err == nil {
		t.Error("Select found a UDM for a SUPI outside every range")
	}
	if _, err := amf.Resolve(ctx, "nsmf-pdusession"); err == nil {
		t.Error("Resolve found an SMF where none registered")
	}

	tok, err := amf.Token(ctx, "nudm-sdm")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := accesstoken.Verify(tok, s.key.Public(), accesstoken.Expect{NFType: "UDM", Scope: "nudm-sdm"}); err != nil {
		t.Errorf("token does not verify: %v", err)
	}
	if tok2, _ := amf.Token(ctx, "nudm-sdm"); tok2 != tok {
		t.Error("second token not from the cache")
	}
	if n := metrictest.Value(t, s.reg, "keel_nrf_token_requests_total", "result", "granted"); n != 1 {
		t.Errorf("tokens granted = %v, want 1", n)
	}
	amf.InvalidateToken("nudm-sdm")
	if _, err := amf.Token(ctx, "nudm-sdm"); err != nil {
		t.Fatal(err)
	}
	if _, err := amf.Token(ctx, "nausf-auth"); err == nil {
		t.Error("a token for a service no instance offers")
	}

	// A status subscription: a UDM registering drops the cached UDM
	// answers, so the next discovery sees it.
	srv := sbihttp.NewServer(sbihttp.ServerConfig{})
	srv.Service("nrf-notify", "v1").Handle("POST /status", amf.HandleNotify)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	srv.Start(ln)
	defer srv.Stop(context.Background())
	if err := amf.Subscribe(ctx, &nnrf.SubscrCond{NFType: sbi.NFTypeUDM}, "http://"+ln.Addr().String()+"/nrf-notify/v1/status"); err != nil {
		t.Fatal(err)
	}
	c2 := newClient(t, v, s.addr, udmSpec(udm2ID, "http://127.0.0.1:8003"), nil)
	c2.Start()
	t.Cleanup(func() { c2.Stop(context.Background()) })
	waitFor(t, "the NF_REGISTERED notification", func() bool {
		return metrictest.Value(t, reg, "keel_nfclient_notifications_total", "event", "NF_REGISTERED") >= 1
	})
	if roots, err := amf.Resolve(ctx, "nudm-sdm"); err != nil || len(roots) != 2 {
		t.Errorf("Resolve after a UDM registered = %v, %v; want both", roots, err)
	}
}

func mustProfile(t *testing.T, s Spec) nnrf.Profile {
	t.Helper()
	p, err := Profile(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestProfiles: the profile of every NF type registers, checked against
// the NFProfile schema by the oracle, and carries its type's info.
func TestProfiles(t *testing.T) {
	v := openapitest.New(t)
	s := startNRF(t, v, "127.0.0.1:0")
	slice := ident.SNSSAI{SST: 1, SD: 1, HasSD: true}
	specs := []Spec{
		amfSpec(),
		{InstanceID: "11111111-1111-4111-8111-111111111111", Type: sbi.NFTypeSMF, APIRoot: "http://[::1]:8004", SNSSAIs: []ident.SNSSAI{slice},
			Slices: []SliceDNNs{{SNSSAI: slice, DNNs: []string{"internet", "ims"}}}, TAIs: []ident.TAI{{PLMN: plmn, TAC: 1}}},
		udmSpec(udmID, "https://udm.keel.example"),
		{InstanceID: "22222222-2222-4222-8222-222222222222", Type: sbi.NFTypeAUSF, APIRoot: "http://127.0.0.1:8005", RoutingIndicators: []string{"0000"}},
		{InstanceID: "33333333-3333-4333-8333-333333333333", Type: sbi.NFTypeUDR, APIRoot: "http://127.0.0.1:8006"},
		{InstanceID: "44444444-4444-4444-8444-444444444444", Type: sbi.NFTypePCF, APIRoot: "http://127.0.0.1:8007", DNNs: []string{"internet"}},
		{InstanceID: "55555555-5555-4555-8555-555555555555", Type: sbi.NFTypeNSSF, APIRoot: "http://127.0.0.1:8008"},
		upfSpec("66666666-6666-4666-8666-666666666666", "127.0.0.7", slice),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, sp := range specs {
		c := newClient(t, v, s.addr, sp, nil)
		if err := c.register(ctx); err != nil {
			t.Errorf("%s: register = %v", sp.Type, err)
		}
	}
	q := nnrf.Query{TargetNFType: sbi.NFTypeSMF, RequesterNFType: sbi.NFTypeAMF, SNSSAIs: []ident.SNSSAI{slice}, DNN: "ims", TAI: &ident.TAI{PLMN: plmn, TAC: 1}}
	r := s.nrf.Discover(q)
	if got := r.Profiles(); len(got) != 1 || APIRoots(&got[0], "nsmf-pdusession")[0] != "http://[::1]:8004" {
		t.Errorf("SMF by slice, DNN and TAI = %+v", got)
	}
	q = nnrf.Query{TargetNFType: sbi.NFTypeAMF, RequesterNFType: sbi.NFTypeSMF, TAI: &ident.TAI{PLMN: plmn, TAC: 2}}
	if got := s.nrf.Discover(q).Profiles(); len(got) != 0 {
		t.Errorf("AMF for a TAI it does not serve: %+v", got)
	}
	if got := s.nrf.Discover(nnrf.Query{TargetNFType: sbi.NFTypeUDM, RequesterNFType: sbi.NFTypeAUSF}).Profiles(); len(got) != 1 || APIRoots(&got[0], "nudm-ueau")[0] != "https://udm.keel.example:443" {
		t.Errorf("UDM by FQDN = %+v", got)
	}
	// A UPF by slice, DNN and TAI, with its N4 address, pools and N3
	// address (TS 29.510 UpfInfo).
	q = nnrf.Query{TargetNFType: sbi.NFTypeUPF, RequesterNFType: sbi.NFTypeSMF, SNSSAIs: []ident.SNSSAI{slice}, DNN: "internet", TAI: &ident.TAI{PLMN: plmn, TAC: 1}}
	got := s.nrf.Discover(q).Profiles()
	if len(got) != 1 || got[0].UPFInfo == nil || !slices.Equal(got[0].IPv4Addresses, []string{"127.0.0.7"}) {
		t.Fatalf("UPF by slice, DNN and TAI = %+v", got)
	}
	want := &nnrf.UPFInfo{
		SNSSAIUPFInfoList: []nnrf.SNSSAIUPFInfoItem{{SNSSAI: nnrf.ExtSNSSAI{SNSSAI: slice}, DNNUPFInfoList: []nnrf.DNNUPFInfoItem{
			{DNN: "internet", IPv4AddressRanges: []nnrf.IPv4AddressRange{{Start: "10.45.128.0", End: "10.45.255.255"}}}, {DNN: "ims"}}}},
		InterfaceUPFInfoList: []nnrf.InterfaceUPFInfoItem{{InterfaceType: "N3", IPv4EndpointAddresses: []string{"127.0.0.8"}}},
		TAIList:              []ident.TAI{{PLMN: plmn, TAC: 1}},
	}
	if diff := cmp.Diff(want, got[0].UPFInfo); diff != "" {
		t.Errorf("discovered upfInfo (-want +got):\n%s", diff)
	}
	for _, q := range []nnrf.Query{
		{TargetNFType: sbi.NFTypeUPF, RequesterNFType: sbi.NFTypeSMF, DNN: "iot"},
		{TargetNFType: sbi.NFTypeUPF, RequesterNFType: sbi.NFTypeSMF, SNSSAIs: []ident.SNSSAI{{SST: 2}}},
		{TargetNFType: sbi.NFTypeUPF, RequesterNFType: sbi.NFTypeSMF, TAI: &ident.TAI{PLMN: plmn, TAC: 2}},
	} {
		if got := s.nrf.Discover(q).Profiles(); len(got) != 0 {
			t.Errorf("UPF for %+v it does not serve: %+v", q, got)
		}
	}
	if r, err := (nnrf.IPv4AddressRange{Start: "10.45.128.0", End: "10.45.255.255"}).Prefix(); err != nil || r != netip.MustParsePrefix("10.45.128.0/17") {
		t.Errorf("IPv4AddressRange.Prefix = %v, %v, want 10.45.128.0/17", r, err)
	}
	if _, err := (nnrf.IPv4AddressRange{Start: "10.45.128.1", End: "10.45.255.255"}).Prefix(); err == nil {
		t.Error("IPv4AddressRange.Prefix of a range that is no prefix succeeded")
	}
	for _, bad := range []Spec{
		{InstanceID: amfID, Type: sbi.NFTypeUPF, APIRoot: "http://127.0.0.1:1"},
		{InstanceID: amfID, Type: sbi.NFTypeUPF, N4: netip.MustParseAddr("127.0.0.1")},
		{InstanceID: amfID, Type: sbi.NFTypeAMF, APIRoot: "http://127.0.0.1:1"},
		{InstanceID: amfID, Type: sbi.NFTypeSMF, APIRoot: "http://127.0.0.1:1"},
		{InstanceID: "amf-1", Type: sbi.NFTypeUDM, APIRoot: "http://127.0.0.1:1"},
		{InstanceID: amfID, Type: sbi.NFTypeUDM, APIRoot: "127.0.0.1:1"},
	} {
		if _, err := Profile(bad); err == nil {
			t.Errorf("Profile(%+v) succeeded", bad)
		}
	}
}

// TestSubscriptionRenewed: a subscription the NRF grants for 4 s is
// extended before it ends (PATCH of its validityTime).
func TestSubscriptionRenewed(t *testing.T) {
	v := openapitest.New(t)
	s := startNRFWith(t, v, "127.0.0.1:0", func(o *nrf.Options) { o.SubscriptionValidity = 4 * time.Second })
	c := newClient(t, v, s.addr, amfSpec(), nil)
	c.Start()
	defer c.Stop(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WaitRegistered(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe(ctx, &nnrf.SubscrCond{NFType: sbi.NFTypeUDM}, "http://127.0.0.1:1/notify"); err != nil {
		t.Fatal(err)
	}
	// Past the first grant, the subscription is still the NRF's: two
	// extensions, no new subscription.
	waitFor(t, "the subscription extended twice", func() bool {
		return metrictest.Value(t, s.reg, "keel_nrf_nfm_requests_total", "operation", "update_subscription", "result", "ok") >= 2
	})
}

// TestSelectBySUPIFromOneDiscovery: selecting the UDM of 200 SUPIs over
// two UDMs' ranges picks the right one each time from one discovery.
func TestSelectBySUPIFromOneDiscovery(t *testing.T) {
	v := openapitest.New(t)
	s := startNRF(t, v, "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a := udmSpec(udmID, "http://127.0.0.1:8002")
	b := udmSpec(udm2ID, "http://127.0.0.1:8003")
	b.SUPIRanges = []nnrf.SUPIRange{{Start: "001010000010000", End: "001010000019999"}}
	b.RoutingIndicators = []string{"0001"}
	for _, sp := range []Spec{a, b} {
		c := newClient(t, v, s.addr, sp, nil)
		if err := c.register(ctx); err != nil {
			t.Fatal(err)
		}
	}
	amf := newClient(t, v, s.addr, amfSpec(), nil)
	for i := range 200 {
		supi := fmt.Sprintf("imsi-0010100000%05d", i*100)
		want := "http://127.0.0.1:8002"
		if i*100 >= 10000 {
			want = "http://127.0.0.1:8003"
		}
		roots, err := amf.Select(ctx, nnrf.Query{SUPI: supi}, "nudm-ueau")
		if err != nil || len(roots) != 1 || roots[0] != want {
			t.Fatalf("Select(%s) = %v, %v; want [%s]", supi, roots, err, want)
		}
	}
	if roots, err := amf.Select(ctx, nnrf.Query{RoutingIndicator: "0001"}, "nudm-ueau"); err != nil || len(roots) != 1 || roots[0] != "http://127.0.0.1:8003" {
		t.Errorf("Select(routing indicator 0001) = %v, %v", roots, err)
	}
	if n := metrictest.Value(t, s.reg, "keel_nrf_discovery_requests_total", "target_nf_type", "UDM", "result", "found"); n != 1 {
		t.Errorf("discoveries at the NRF = %v, want 1", n)
	}
}

// TestTokenWaitsForRegistration: an NF's first token request, made
// while its registration is still under way (the NRF not up yet), waits
// for the registration instead of being refused invalid_client
// (TS 29.510 §5.4.2.2: tokens for registered NFs only); a request whose
// context ends first fails.
func TestTokenWaitsForRegistration(t *testing.T) {
	v := openapitest.New(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newClient(t, v, addr, amfSpec(), nil)
	c.Start()
	defer c.Stop(context.Background())

	short, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	if _, err := c.Token(short, "nudm-sdm"); err == nil {
		t.Fatal("a token with no NRF up")
	}

	got := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := c.Token(ctx, "nudm-sdm")
		got <- err
	}()
	time.Sleep(200 * time.Millisecond)
	s := startNRF(t, v, addr)
	udm := newClient(t, v, s.addr, udmSpec(udmID, "http://127.0.0.1:8002"), nil)
	udm.Start()
	defer udm.Stop(context.Background())
	if err := <-got; err != nil {
		if !strings.Contains(err.Error(), "invalid_scope") {
			t.Fatalf("Token during the registration = %v, want it to wait for the registration", err)
		}
		// The UDM may register after the AMF: the token names a service
		// some UDM must offer (invalid_scope until then); again once it
		// has.
		waitFor(t, "the UDM's registration", udm.Registered)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := c.Token(ctx, "nudm-sdm"); err != nil {
			t.Fatalf("Token after both registered: %v", err)
		}
	}
	if !c.Registered() {
		t.Error("a token granted before the client registered")
	}
}

// TestEmptyAnswerNotCached: a discovery that finds no instance is not
// kept, so an NF started before its peer (without a status
// subscription) finds the peer as soon as it registers, not a
// validityPeriod later.
func TestEmptyAnswerNotCached(t *testing.T) {
	v := openapitest.New(t)
	s := startNRF(t, v, "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	amf := newClient(t, v, s.addr, amfSpec(), nil)
	if _, err := amf.Resolve(ctx, "nudm-sdm"); !errors.Is(err, sbi.ErrNoInstance) {
		t.Fatalf("Resolve before the UDM registered = %v, want %v", err, sbi.ErrNoInstance)
	}
	udm := newClient(t, v, s.addr, udmSpec(udmID, "http://127.0.0.1:8002"), nil)
	if err := udm.register(ctx); err != nil {
		t.Fatal(err)
	}
	if roots, err := amf.Resolve(ctx, "nudm-sdm"); err != nil || len(roots) != 1 || roots[0] != "http://127.0.0.1:8002" {
		t.Errorf("Resolve once the UDM registered = %v, %v; want its apiRoot", roots, err)
	}
}

func upfSpec(id, n4 string, slice ident.SNSSAI) Spec {
	return Spec{InstanceID: id, Type: sbi.NFTypeUPF, N4: netip.MustParseAddr(n4), PLMNs: []ident.PLMN{plmn},
		UPFSlices: []UPFSlice{{SNSSAI: slice, DNNs: []UPFDNN{{Name: "internet", IPv4Pools: []netip.Prefix{netip.MustParsePrefix("10.45.128.0/17")}}, {Name: "ims"}}}},
		N3:        []netip.Addr{netip.MustParseAddr("127.0.0.8")}, TAIs: []ident.TAI{{PLMN: plmn, TAC: 1}}}
}

// TestDiscoverFresh: DiscoverFresh asks the NRF whatever the cache
// holds, so that a UPF registering after the first answer is seen at
// once and one deregistered is gone.
func TestDiscoverFresh(t *testing.T) {
	v := openapitest.New(t)
	s := startNRF(t, v, "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	slice := ident.SNSSAI{SST: 1}
	smf, err := New(Options{NRF: "http://" + s.addr, Profile: mustProfile(t, Spec{InstanceID: "11111111-1111-4111-8111-111111111111", Type: sbi.NFTypeSMF,
		APIRoot: "http://127.0.0.1:8004", Slices: []SliceDNNs{{SNSSAI: slice, DNNs: []string{"internet"}}}}), Transport: v.Transport(sbihttp.NewTransport(nil))})
	if err != nil {
		t.Fatal(err)
	}
	q := nnrf.Query{TargetNFType: sbi.NFTypeUPF, DNN: "internet"}
	var upfs []*Client
	for i, id := range []string{"66666666-6666-4666-8666-666666666666", "77777777-7777-4777-8777-777777777777"} {
		c := newClient(t, v, s.addr, upfSpec(id, fmt.Sprintf("127.0.0.%d", 7+i), slice), nil)
		if err := c.register(ctx); err != nil {
			t.Fatal(err)
		}
		upfs = append(upfs, c)
		if got, err := smf.Discover(ctx, q); err != nil || len(got) != 1 {
			t.Fatalf("Discover after %d UPFs registered = %d profiles, %v; want the first answer, cached", i+1, len(got), err)
		}
		if got, err := smf.DiscoverFresh(ctx, q); err != nil || len(got) != i+1 {
			t.Fatalf("DiscoverFresh after %d UPFs registered = %d profiles, %v", i+1, len(got), err)
		}
	}
	for i, c := range upfs {
		if err := c.deregister(ctx); err != nil {
			t.Fatal(err)
		}
		if got, err := smf.DiscoverFresh(ctx, q); err != nil || len(got) != len(upfs)-i-1 {
			t.Fatalf("DiscoverFresh after %d UPFs deregistered = %d profiles, %v", i+1, len(got), err)
		}
	}
	if got, err := smf.Discover(ctx, q); err != nil || len(got) != 0 {
		t.Errorf("Discover after the empty fresh answer = %d profiles, %v; want none (not the stale cached answer)", len(got), err)
	}
}

// TestSubscriptionRefusedNotKept: a subscription the NRF refuses is an
// error and is not kept (the caller tries again), so the client does
// not renew it nor make it again when it registers again.
func TestSubscriptionRefusedNotKept(t *testing.T) {
	v := openapitest.New(t)
	s := startNRFWith(t, v, "127.0.0.1:0", func(o *nrf.Options) { o.MaxSubscriptions = 1 })
	c := newClient(t, v, s.addr, amfSpec(), nil)
	c.Start()
	defer c.Stop(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WaitRegistered(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe(ctx, &nnrf.SubscrCond{NFType: sbi.NFTypeUDM}, "http://127.0.0.1:1/notify"); err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe(ctx, &nnrf.SubscrCond{NFType: sbi.NFTypeUPF}, "http://127.0.0.1:1/notify"); err == nil {
		t.Fatal("a second subscription past the NRF's limit of one was accepted")
	}
	c.reg.Lock()
	n := len(c.reg.subs)
	c.reg.Unlock()
	if n != 1 {
		t.Errorf("the client keeps %d subscriptions, want 1 (the refused one dropped)", n)
	}
}

// agentRecorder records the User-Agent of every request it carries.
type agentRecorder struct {
	rt     http.RoundTripper
	agents chan string
}

func (a agentRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	select {
	case a.agents <- r.Method + " " + r.URL.Path + " " + r.Header.Get("User-Agent"):
	default:
	}
	return a.rt.RoundTrip(r)
}

// TS 29.500 §5.2.2.2: the NF's requests to the NRF (registration,
// discovery, access token) carry its User-Agent, "<NF type>-<instance>".
func TestUserAgentOfNRFRequests(t *testing.T) {
	v := openapitest.New(t)
	s := startNRF(t, v, "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	udm := newClient(t, v, s.addr, udmSpec(udmID, "http://127.0.0.1:8002"), nil)
	udm.Start()
	t.Cleanup(func() { udm.Stop(context.Background()) })
	if err := udm.WaitRegistered(ctx); err != nil {
		t.Fatal(err)
	}
	rec := agentRecorder{rt: v.Transport(sbihttp.NewTransport(nil)), agents: make(chan string, 64)}
	c, err := New(Options{NRF: "http://" + s.addr, Profile: mustProfile(t, amfSpec()), Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	if c.UserAgent() != "AMF-"+amfID {
		t.Errorf("UserAgent() = %q, want AMF-%s", c.UserAgent(), amfID)
	}
	c.Start()
	t.Cleanup(func() { c.Stop(context.Background()) })
	if err := c.WaitRegistered(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Resolve(ctx, "nudm-sdm"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Token(ctx, "nudm-sdm"); err != nil {
		t.Fatal(err)
	}
	n := len(rec.agents)
	for range n {
		if a := <-rec.agents; !strings.HasSuffix(a, " AMF-"+amfID) {
			t.Errorf("request %q: User-Agent is not AMF-%s", a, amfID)
		}
	}
	if n < 3 {
		t.Errorf("%d requests recorded, want registration, discovery and token at least", n)
	}
}

// An NF stopped while its registration is unanswered deregisters all the
// same: the NRF took the profile, and without the DELETE it would list
// the stopped NF until its heartbeats are missed (TS 29.510 §5.2.2.4).
func TestStopDuringRegistration(t *testing.T) {
	v := openapitest.New(t)
	key, err := accesstoken.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	n, err := nrf.New(nrf.Options{InstanceID: nrfID, APIRoot: "http://" + addr, SigningKey: key, Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	// The NRF handles a PUT, then holds its answer until the client
	// gives up on it.
	held := make(chan struct{}, 1)
	holdPUT := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPut {
				next.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(discardWriter{h: http.Header{}}, r)
			held <- struct{}{}
			<-r.Context().Done()
		})
	}
	srv := sbihttp.NewServer(sbihttp.ServerConfig{Middleware: []func(http.Handler) http.Handler{holdPUT, v.Middleware}})
	n.Routes(srv)
	srv.Start(ln)
	n.Start()
	t.Cleanup(func() {
		n.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Stop(ctx)
	})

	c := newClient(t, v, addr, udmSpec(udmID, "http://127.0.0.1:8002"), nil)
	c.Start()
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("no registration reached the NRF")
	}
	if _, err := n.Profile(udmID); err != nil {
		t.Fatalf("the NRF does not hold the profile it was sent: %v", err)
	}
	if c.Registered() {
		t.Fatal("the client counts itself registered without an answer")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Profile(udmID); err == nil {
		t.Error("the NF is still registered after Stop")
	}
}

// discardWriter is a ResponseWriter that keeps nothing.
type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d discardWriter) WriteHeader(int)             {}
