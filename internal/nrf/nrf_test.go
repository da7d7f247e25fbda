package nrf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/accesstoken"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/sbi"
)

const (
	nrfID  = "0f8d3ab6-5a41-4a35-9d8e-7bb7c6f0a001"
	udmID  = "5a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f50"
	udm2ID = "5a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f51"
	amfID  = "c3a4d7e2-8b1f-4f0a-a6d5-2e9f0b7c1d02"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type recorder struct {
	mu  sync.Mutex
	got []string // "uri event instance"
	ch  chan struct{}
}

func (r *recorder) Notify(_ context.Context, uri string, n nnrf.NotificationData) error {
	r.mu.Lock()
	r.got = append(r.got, fmt.Sprintf("%s %s %s profile=%v", uri, n.Event, n.NFInstanceURI[strings.LastIndexByte(n.NFInstanceURI, '/')+1:], n.NFProfile != nil))
	r.mu.Unlock()
	r.ch <- struct{}{}
	return nil
}

// wait returns the notifications once count of them arrived.
func (r *recorder) wait(t *testing.T, count int) []string {
	t.Helper()
	for range count {
		select {
		case <-r.ch:
		case <-time.After(5 * time.Second):
			t.Fatalf("notifications: %d of %d arrived: %v", len(r.got), count, r.got)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.got
	r.got = nil
	return out
}

type fixture struct {
	nrf   *NRF
	clock *clock
	notes *recorder
	key   accesstoken.SigningKey
	reg   *prometheus.Registry
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	key, err := accesstoken.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{clock: &clock{t: time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)}, notes: &recorder{ch: make(chan struct{}, 64)}, key: key, reg: prometheus.NewRegistry()}
	f.nrf, err = New(Options{InstanceID: nrfID, APIRoot: "http://nrf:8000", SigningKey: key, Notifier: f.notes, Now: f.clock.now, Registry: f.reg})
	if err != nil {
		t.Fatal(err)
	}
	f.nrf.Start()
	t.Cleanup(f.nrf.Stop)
	return f
}

func udmProfile(id, start, end string, heartbeat int) []byte {
	return fmt.Appendf(nil, `{"nfInstanceId":%q,"nfType":"UDM","nfStatus":"REGISTERED","heartBeatTimer":%d,
	  "ipv4Addresses":["127.0.0.1"],
	  "udmInfo":{"supiRanges":[{"start":%q,"end":%q}]},
	  "nfServiceList":{"1":{"serviceInstanceId":"1","serviceName":"nudm-sdm","versions":[{"apiVersionInUri":"v2","apiFullVersion":"2.2.4"}],"scheme":"http","nfServiceStatus":"REGISTERED"},
	                   "2":{"serviceInstanceId":"2","serviceName":"nudm-uecm","versions":[{"apiVersionInUri":"v1","apiFullVersion":"1.2.4"}],"scheme":"http","nfServiceStatus":"REGISTERED","allowedNfTypes":["AMF","SMF"]}},
	  "customInfo":{"kept":true}}`, id, heartbeat, start, end)
}

func amfProfile() []byte {
	return fmt.Appendf(nil, `{"nfInstanceId":%q,"nfType":"AMF","nfStatus":"REGISTERED","fqdn":"amf.keel",
	  "amfInfo":{"amfSetId":"001","amfRegionId":"01","guamiList":[{"plmnId":{"mcc":"001","mnc":"01"},"amfId":"010040"}]}}`, amfID)
}

func (f *fixture) discover(t *testing.T, q nnrf.Query) []string {
	t.Helper()
	r := f.nrf.Discover(q)
	if r.ValidityPeriod != 30 {
		t.Errorf("validityPeriod = %d, want 30", r.ValidityPeriod)
	}
	var ids []string
	for _, p := range r.Profiles() {
		ids = append(ids, p.NFInstanceID)
	}
	return ids
}

func TestRegisterDiscoverDeregister(t *testing.T) {
	f := newFixture(t)
	sub, err := f.nrf.Subscribe([]byte(`{"nfStatusNotificationUri":"http://amf/notify","subscrCond":{"nfType":"UDM"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if sub.SubscriptionID == "" || !sub.ValidityTime.Equal(f.clock.now().Add(time.Hour)) {
		t.Errorf("subscription = %+v, want an ID and validity an hour from now", sub)
	}

	doc, created, err := f.nrf.Register(udmID, udmProfile(udmID, "001010000000000", "001010000004999", 0))
	if err != nil || !created {
		t.Fatalf("Register = %v, created %v", err, created)
	}
	if doc["heartBeatTimer"] != float64(10) {
		t.Errorf("heartBeatTimer = %v, want the NRF's 10", doc["heartBeatTimer"])
	}
	if _, _, err := f.nrf.Register(udm2ID, udmProfile(udm2ID, "001010000005000", "001010000009999", 5)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.nrf.Register(amfID, amfProfile()); err != nil {
		t.Fatal(err)
	}
	if got := f.notes.wait(t, 2); len(got) != 2 || !strings.Contains(got[0], "NF_REGISTERED "+udmID+" profile=true") || !strings.Contains(got[1], udm2ID) {
		t.Errorf("notifications = %q, want the two UDMs' NF_REGISTERED (not the AMF's)", got)
	}

	// SUPI ranges pick the instance (TS 29.510 §6.2.3.2.3.1 supi).
	if got := f.discover(t, nnrf.Query{TargetNFType: sbi.NFTypeUDM, RequesterNFType: sbi.NFTypeAMF, SUPI: "imsi-001010000007000"}); len(got) != 1 || got[0] != udm2ID {
		t.Errorf("discover by SUPI = %v, want [%s]", got, udm2ID)
	}
	// A service the requester's type may not use is not offered.
	if got := f.discover(t, nnrf.Query{TargetNFType: sbi.NFTypeUDM, RequesterNFType: sbi.NFTypeAUSF, ServiceNames: []string{"nudm-uecm"}}); len(got) != 0 {
		t.Errorf("AUSF discovered nudm-uecm at %v", got)
	}
	r := f.nrf.Discover(nnrf.Query{TargetNFType: sbi.NFTypeUDM, RequesterNFType: sbi.NFTypeAMF})
	if len(r.NFInstances) != 2 {
		t.Fatalf("discover UDM = %d instances, want 2", len(r.NFInstances))
	}
	if _, ok := r.NFInstances[0]["heartBeatTimer"]; ok {
		t.Error("discovery discloses heartBeatTimer")
	}
	if _, ok := r.NFInstances[0]["customInfo"]; !ok {
		t.Error("discovery lost a member Keel does not read")
	}
	if s := r.NFInstances[0]["nfServiceList"].(map[string]any)["2"].(map[string]any); s["allowedNfTypes"] != nil {
		t.Error("discovery discloses a service's allowedNfTypes")
	}

	// Replace: 200, NF_PROFILE_CHANGED.
	if _, created, err := f.nrf.Register(udmID, udmProfile(udmID, "001010000000000", "001010000000999", 10)); err != nil || created {
		t.Fatalf("Register again = %v, created %v; want a replacement", err, created)
	}
	if got := f.notes.wait(t, 1); !strings.Contains(got[0], "NF_PROFILE_CHANGED "+udmID) {
		t.Errorf("notifications = %q", got)
	}
	if uris := f.nrf.List(sbi.NFTypeUDM, 0); len(uris) != 2 || uris[0] != "http://nrf:8000/nnrf-nfm/v1/nf-instances/"+udmID {
		t.Errorf("List = %v", uris)
	}

	if err := f.nrf.Deregister(udmID); err != nil {
		t.Fatal(err)
	}
	if got := f.notes.wait(t, 1); !strings.Contains(got[0], "NF_DEREGISTERED "+udmID+" profile=false") {
		t.Errorf("notifications = %q", got)
	}
	if err := f.nrf.Deregister(udmID); !errors.Is(err, nnrf.ErrNFNotFound) {
		t.Errorf("Deregister twice = %v, want %v", err, nnrf.ErrNFNotFound)
	}
	if _, err := f.nrf.Profile(udmID); !errors.Is(err, nnrf.ErrNFNotFound) {
		t.Errorf("Profile after deregistration = %v", err)
	}
	if err := f.nrf.Unsubscribe(sub.SubscriptionID); err != nil {
		t.Fatal(err)
	}
	if err := f.nrf.Unsubscribe(sub.SubscriptionID); !errors.Is(err, nnrf.ErrSubscriptionNotFound) {
		t.Errorf("Unsubscribe twice = %v", err)
	}
	if v := metrictest.Value(t, f.reg, "keel_nrf_nf_instances", "nf_type", "UDM", "status", "REGISTERED"); v != 1 {
		t.Errorf("keel_nrf_nf_instances{UDM,REGISTERED} = %v, want 1", v)
	}
	if v := metrictest.Value(t, f.reg, "keel_nrf_discovery_requests_total", "target_nf_type", "UDM", "result", "empty"); v != 1 {
		t.Errorf("keel_nrf_discovery_requests_total{UDM,empty} = %v, want 1", v)
	}
}

// TestHeartbeatExpiry: an NF that stops heartbeating is SUSPENDED and out
// of discovery (TS 29.510 §5.2.2.3.2), comes back with a heartbeat, and
// is forgotten after PurgeAfter, after which its heartbeat gets 404 and
// it must register again.
func TestHeartbeatExpiry(t *testing.T) {
	f := newFixture(t)
	if _, _, err := f.nrf.Register(udmID, udmProfile(udmID, "001010000000000", "001010000009999", 5)); err != nil {
		t.Fatal(err)
	}
	q := nnrf.Query{TargetNFType: sbi.NFTypeUDM, RequesterNFType: sbi.NFTypeAMF}
	heartbeat := []byte(`[{"op":"replace","path":"/nfStatus","value":"REGISTERED"}]`)

	f.clock.add(9 * time.Second)
	f.nrf.Expire()
	if got := f.discover(t, q); len(got) != 1 {
		t.Fatalf("discover after 9 s of a 5 s heartbeat = %v, want the NF still (one heartbeat may be lost)", got)
	}
	if _, hb, err := f.nrf.Update(udmID, heartbeat); err != nil || !hb {
		t.Fatalf("heartbeat = %v, heartbeat-only %v", err, hb)
	}
	f.clock.add(11 * time.Second)
	f.nrf.Expire()
	if got := f.discover(t, q); len(got) != 0 {
		t.Errorf("discover after 11 s of silence = %v, want none", got)
	}
	doc, _ := f.nrf.Profile(udmID)
	if doc["nfStatus"] != "SUSPENDED" {
		t.Errorf("status = %v, want SUSPENDED", doc["nfStatus"])
	}
	if _, _, err := f.nrf.Update(udmID, heartbeat); err != nil {
		t.Fatal(err)
	}
	if got := f.discover(t, q); len(got) != 1 {
		t.Errorf("discover after the heartbeat = %v, want the NF back", got)
	}
	f.clock.add(11 * time.Second)
	f.nrf.Expire()
	f.clock.add(DefaultPurgeAfter + time.Second)
	f.nrf.Expire()
	if _, _, err := f.nrf.Update(udmID, heartbeat); !errors.Is(err, nnrf.ErrNFNotFound) {
		t.Errorf("heartbeat of a forgotten NF = %v, want %v", err, nnrf.ErrNFNotFound)
	}
}

func TestUpdate(t *testing.T) {
	f := newFixture(t)
	if _, _, err := f.nrf.Register(udmID, udmProfile(udmID, "001010000000000", "001010000009999", 5)); err != nil {
		t.Fatal(err)
	}
	doc, hb, err := f.nrf.Update(udmID, []byte(`[{"op":"add","path":"/priority","value":3},{"op":"remove","path":"/customInfo"}]`))
	if err != nil || hb {
		t.Fatalf("Update = %v, heartbeat %v", err, hb)
	}
	if doc["priority"] != float64(3) || doc["customInfo"] != nil {
		t.Errorf("patched profile = %v", doc)
	}
	for patch, want := range map[string]*nnrf.Error{
		`[{"op":"replace","path":"/nfType","value":"AMF"}]`:                  nnrf.ErrModificationNotAllowed,
		`[{"op":"replace","path":"/nfInstanceId","value":"` + udm2ID + `"}]`: nnrf.ErrModificationNotAllowed,
		`[{"op":"remove","path":"/nope"}]`:                                   nnrf.ErrModificationNotAllowed,
		`[{"op":"replace","path":"/nfStatus","value":"UP"}]`:                 nnrf.ErrIEIncorrect,
		`[{"op":"add","path":"/frob","value":1}]`:                            nnrf.ErrMsgFormat,
		`[{"op":"remove","path":"/ipv4Addresses"}]`:                          nnrf.ErrIEMissing,
		`{"op":"remove"}`: nnrf.ErrMsgFormat,
	} {
		if _, _, err := f.nrf.Update(udmID, []byte(patch)); !errors.Is(err, want) {
			t.Errorf("Update(%s) = %v, want %s", patch, err, want.Cause)
		}
	}
	if _, _, err := f.nrf.Update(udm2ID, []byte(`[{"op":"remove","path":"/priority"}]`)); !errors.Is(err, nnrf.ErrNFNotFound) {
		t.Errorf("Update of an unknown NF = %v", err)
	}
}

func TestRegisterRefuses(t *testing.T) {
	f := newFixture(t)
	if _, _, err := f.nrf.Register(udm2ID, udmProfile(udmID, "1", "2", 0)); !errors.Is(err, nnrf.ErrIEIncorrect) {
		t.Errorf("Register under another ID = %v", err)
	}
	if _, _, err := f.nrf.Register(udmID, []byte(`{"nfInstanceId":`)); !errors.Is(err, nnrf.ErrMsgFormat) {
		t.Errorf("Register(truncated) = %v", err)
	}
	for body, want := range map[string]*nnrf.Error{
		`{"nfStatusNotificationUri":"/relative"}`: nnrf.ErrIEIncorrect,
		`{}`: nnrf.ErrIEMissing,
		`{"nfStatusNotificationUri":"http://a/n","subscrCond":{"nfGroupId":"x"}}`:        nnrf.ErrIEIncorrect,
		`{"nfStatusNotificationUri":"http://a/n","reqNotifEvents":["NF_EXPLODED"]}`:      nnrf.ErrOptionalIEIncorrect,
		`{"nfStatusNotificationUri":"http://a/n","validityTime":"2000-01-01T00:00:00Z"}`: nnrf.ErrOptionalIEIncorrect,
		`[]`: nnrf.ErrMsgFormat,
	} {
		if _, err := f.nrf.Subscribe([]byte(body)); !errors.Is(err, want) {
			t.Errorf("Subscribe(%s) = %v, want %s", body, err, want.Cause)
		}
	}
}

func TestToken(t *testing.T) {
	f := newFixture(t)
	for _, p := range [][]byte{udmProfile(udmID, "001010000000000", "001010000009999", 5), amfProfile()} {
		var m map[string]any
		json.Unmarshal(p, &m)
		if _, _, err := f.nrf.Register(m["nfInstanceId"].(string), p); err != nil {
			t.Fatal(err)
		}
	}
	rsp, terr := f.nrf.Token(nnrf.AccessTokenReq{GrantType: "client_credentials", NFInstanceID: amfID, NFType: sbi.NFTypeAMF, TargetNFType: sbi.NFTypeUDM, Scope: "nudm-sdm nudm-uecm"})
	if terr != nil {
		t.Fatalf("Token = %v", terr)
	}
	if rsp.TokenType != "Bearer" || rsp.ExpiresIn != 3600 || rsp.Scope != "nudm-sdm nudm-uecm" {
		t.Errorf("AccessTokenRsp = %+v", rsp)
	}
	c, err := accesstoken.Verify(rsp.AccessToken, f.key.Public(), accesstoken.Expect{NFType: "UDM", Scope: "nudm-uecm", Now: f.clock.now()})
	if err != nil {
		t.Fatalf("Verify = %v", err)
	}
	if c.Issuer != nrfID || c.Subject != amfID || c.Expiry != f.clock.now().Add(time.Hour).Unix() {
		t.Errorf("claims = %+v", c)
	}
	rsp, terr = f.nrf.Token(nnrf.AccessTokenReq{GrantType: "client_credentials", NFInstanceID: amfID, TargetNFInstanceID: udmID, Scope: "nudm-sdm"})
	if terr != nil {
		t.Fatal(terr)
	}
	if _, err := accesstoken.Verify(rsp.AccessToken, f.key.Public(), accesstoken.Expect{NFType: "UDM", InstanceID: udm2ID, Scope: "nudm-sdm", Now: f.clock.now()}); !errors.Is(err, accesstoken.ErrAudience) {
		t.Errorf("a token for one instance verified at another: %v", err)
	}
	for name, c := range map[string]struct {
		req  nnrf.AccessTokenReq
		want string
	}{
		"unregistered consumer": {nnrf.AccessTokenReq{NFInstanceID: udm2ID, TargetNFType: sbi.NFTypeUDM, Scope: "nudm-sdm"}, nnrf.InvalidClient},
		"wrong consumer type":   {nnrf.AccessTokenReq{NFInstanceID: amfID, NFType: sbi.NFTypeSMF, TargetNFType: sbi.NFTypeUDM, Scope: "nudm-sdm"}, nnrf.InvalidClient},
		"service not offered":   {nnrf.AccessTokenReq{NFInstanceID: amfID, TargetNFType: sbi.NFTypeUDM, Scope: "nudm-ueau"}, nnrf.InvalidScope},
		"service not allowed":   {nnrf.AccessTokenReq{NFInstanceID: udmID, TargetNFType: sbi.NFTypeUDM, Scope: "nudm-uecm"}, nnrf.InvalidScope},
		"unknown target":        {nnrf.AccessTokenReq{NFInstanceID: amfID, TargetNFInstanceID: udm2ID, Scope: "nudm-sdm"}, nnrf.InvalidRequest},
	} {
		if _, terr := f.nrf.Token(c.req); terr == nil || terr.Error != c.want {
			t.Errorf("%s: Token = %v, want %s", name, terr, c.want)
		}
	}
}

func TestUpdateSubscription(t *testing.T) {
	f := newFixture(t)
	s, err := f.nrf.Subscribe([]byte(`{"nfStatusNotificationUri":"http://amf/notify"}`))
	if err != nil {
		t.Fatal(err)
	}
	soon := f.clock.now().Add(10 * time.Minute).Format(time.RFC3339)
	got, changed, err := f.nrf.UpdateSubscription(s.SubscriptionID, []byte(`[{"op":"replace","path":"/validityTime","value":"`+soon+`"}]`))
	if err != nil || changed || got.ValidityTime.Format(time.RFC3339) != soon {
		t.Errorf("UpdateSubscription(10 min) = %v, changed %v, %v; want granted as asked", got.ValidityTime, changed, err)
	}
	late := f.clock.now().Add(48 * time.Hour).Format(time.RFC3339)
	got, changed, err = f.nrf.UpdateSubscription(s.SubscriptionID, []byte(`[{"op":"replace","path":"/validityTime","value":"`+late+`"}]`))
	if err != nil || !changed || !got.ValidityTime.Equal(f.clock.now().Add(time.Hour)) {
		t.Errorf("UpdateSubscription(48 h) = %v, changed %v, %v; want an hour", got.ValidityTime, changed, err)
	}
	for patch, want := range map[string]*nnrf.Error{
		`[{"op":"replace","path":"/nfStatusNotificationUri","value":"http://x/y"}]`: nnrf.ErrModificationNotAllowed,
		`[{"op":"replace","path":"/validityTime","value":"tomorrow"}]`:              nnrf.ErrIEIncorrect,
		`[{"op":"replace","path":"/validityTime","value":"2000-01-01T00:00:00Z"}]`:  nnrf.ErrIEIncorrect,
		`[]`: nnrf.ErrMsgFormat,
	} {
		if _, _, err := f.nrf.UpdateSubscription(s.SubscriptionID, []byte(patch)); !errors.Is(err, want) {
			t.Errorf("UpdateSubscription(%s) = %v, want %s", patch, err, want.Cause)
		}
	}
	f.clock.add(2 * time.Hour)
	if _, _, err := f.nrf.UpdateSubscription(s.SubscriptionID, []byte(`[{"op":"replace","path":"/validityTime","value":"`+late+`"}]`)); !errors.Is(err, nnrf.ErrSubscriptionNotFound) {
		t.Errorf("UpdateSubscription of an expired subscription = %v", err)
	}
}

// TestLimits: past MaxInstances a new NF is refused 503 (a known one may
// still register again), past MaxSubscriptions a subscription.
func TestLimits(t *testing.T) {
	n, err := New(Options{InstanceID: nrfID, APIRoot: "http://nrf", MaxInstances: 1, MaxSubscriptions: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := n.Register(udmID, udmProfile(udmID, "1", "2", 5)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := n.Register(udm2ID, udmProfile(udm2ID, "1", "2", 5)); !errors.Is(err, sbi.ErrUnavailable) {
		t.Errorf("Register past the limit = %v, want %v", err, sbi.ErrUnavailable)
	}
	if _, _, err := n.Register(udmID, udmProfile(udmID, "1", "2", 5)); err != nil {
		t.Errorf("Register again at the limit = %v", err)
	}
	sub := []byte(`{"nfStatusNotificationUri":"http://amf/notify"}`)
	if _, err := n.Subscribe(sub); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Subscribe(sub); !errors.Is(err, sbi.ErrUnavailable) {
		t.Errorf("Subscribe past the limit = %v, want %v", err, sbi.ErrUnavailable)
	}
}

// stuck never answers for one URI and records the others, in order.
type stuck struct {
	dead string
	got  chan string
}

func (s stuck) Notify(ctx context.Context, uri string, n nnrf.NotificationData) error {
	if uri == s.dead {
		<-ctx.Done()
		return ctx.Err()
	}
	s.got <- n.Event
	return nil
}

// TestDeadSubscriber: a subscriber that never answers does not hold up
// the notifications of one in another shard, which arrive in order.
func TestDeadSubscriber(t *testing.T) {
	dead, live := "http://dead.keel.example/n", ""
	for i := 0; live == ""; i++ {
		if u := fmt.Sprintf("http://live%d.keel.example/n", i); shard(u) != shard(dead) {
			live = u
		}
	}
	got := make(chan string, 8)
	n, err := New(Options{InstanceID: nrfID, APIRoot: "http://nrf", Notifier: stuck{dead: dead, got: got}})
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	defer n.Stop()
	for _, u := range []string{dead, live} {
		if _, err := n.Subscribe([]byte(`{"nfStatusNotificationUri":"` + u + `"}`)); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{udmID, udm2ID} {
		if _, _, err := n.Register(id, udmProfile(id, "1", "2", 5)); err != nil {
			t.Fatal(err)
		}
		if err := n.Deregister(id); err != nil {
			t.Fatal(err)
		}
	}
	var events []string
	for range 4 {
		select {
		case e := <-got:
			events = append(events, e)
		case <-time.After(5 * time.Second):
			t.Fatalf("the live subscriber got %v, then nothing", events)
		}
	}
	want := "NF_REGISTERED NF_DEREGISTERED NF_REGISTERED NF_DEREGISTERED"
	if strings.Join(events, " ") != want {
		t.Errorf("events = %v, want %s", events, want)
	}
}
