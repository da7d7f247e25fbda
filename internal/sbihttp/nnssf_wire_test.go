package sbihttp_test

import (
	"context"
	"errors"
	"net"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nssf"
	"github.com/keelcore/keel/internal/nssf/nssftest"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/pcaptest"
	"github.com/keelcore/keel/internal/tsharktest"
)

// TestNSSFOnTheWire records an AMF's NSSF exchanges over h2c (its
// availability update, a registration's slice selection, an unknown
// delete, its subscription to availability changes and its deletion,
// its withdrawal) and has tshark decode them as HTTP/2: no malformed
// frame, no expert warning, and the requests and answers it sees are
// those of TS 29.531 §6.1.3.2.3.1, §6.2.3.2.3.1, §6.2.3.2.3.2,
// §6.2.3.3.3.1 and §6.2.3.4.3.1.
func TestNSSFOnTheWire(t *testing.T) {
	n, err := nssf.New(nssf.Config{TAs: []nssf.TASlices{{TAI: nssftest.TA1, Slices: []ident.SNSSAI{{SST: 1}}}}}, nssf.Options{Notifier: make(nssftest.Notifications, 1)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := pcaptest.Listen(ln)
	srv := sbihttp.NewServer(sbihttp.ServerConfig{})
	sbihttp.ServeNSSF(srv, n, n)
	srv.Start(rec)
	root := "http://" + ln.Addr().String()
	c := sbihttp.NewClient(sbihttp.ClientConfig{Resolver: sbihttp.StaticResolver{sbihttp.ServiceNSSelection: {root}, sbihttp.ServiceNSSAIAvailability: {root}}})
	nc := sbihttp.NewNSSFClient(c)
	ctx := context.Background()

	if _, err := nc.UpdateNSSAIAvailability(ctx, nssftest.AMF1, sbi.NSSAIAvailabilityInfo{SupportedNSSAIAvailabilityData: []sbi.SupportedNSSAIAvailabilityData{
		{TAI: nssftest.TA1, SupportedSNSSAIList: []ident.SNSSAI{{SST: 1}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := nc.NetworkSliceInformation(ctx, sbi.NSSelectionQuery{NFType: "AMF", NFID: nssftest.AMF1, TAI: &nssftest.TA1,
		SliceInfoForRegistration: &sbi.SliceInfoForRegistration{RequestedNSSAI: []ident.SNSSAI{{SST: 1}},
			SubscribedNSSAI: []sbi.SubscribedSNSSAI{{SubscribedSNSSAI: ident.SNSSAI{SST: 1}, DefaultIndication: true}}}}); err != nil {
		t.Fatal(err)
	}
	if err := nc.DeleteNSSAIAvailability(ctx, nssftest.AMF2); !errors.Is(err, sbi.ErrNSSAIAvailabilityNotFound) {
		t.Fatalf("delete of nothing reported: %v", err)
	}
	sub, err := nc.SubscribeNSSAIAvailability(ctx, sbi.NSSAIAvailabilitySubscription{NotificationURI: "http://amf.invalid/callbacks/v1/nssai-availability",
		TAIs: []ident.TAI{nssftest.TA1}, Event: sbi.EventSNSSAIStatusChange, AMFID: nssftest.AMF1})
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.UnsubscribeNSSAIAvailability(ctx, sub.SubscriptionID); err != nil {
		t.Fatal(err)
	}
	if err := nc.DeleteNSSAIAvailability(ctx, nssftest.AMF1); err != nil {
		t.Fatal(err)
	}
	c.CloseIdle()
	stopCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := srv.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}

	pcap := filepath.Join(t.TempDir(), "nssf.pcap")
	if err := rec.WritePcap(pcap); err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	run := tsharktest.Runner(t, pcap, "-d", "tcp.port=="+port+",http2", "-o", "tcp.check_checksum:TRUE")
	tsharktest.CheckClean(t, run, "tcp.checksum.status==0 || ip.checksum.status==0 || tcp.analysis.flags")
	out := run("-Y", "http2.type==1", "-T", "fields", "-E", "occurrence=a", "-E", "separator=|",
		"-e", "http2.headers.method", "-e", "http2.headers.path", "-e", "http2.headers.status", "-e", "http2.headers.content_type")
	var got []string
	for _, l := range strings.Split(out, "\n") {
		// The query's JSON is long: keep the path and the parameter names.
		method, rest, _ := strings.Cut(l, "|")
		path, rest, _ := strings.Cut(rest, "|")
		if p, q, ok := strings.Cut(path, "?"); ok {
			var names []string
			for _, kv := range strings.Split(q, "&") {
				k, _, _ := strings.Cut(kv, "=")
				names = append(names, k)
			}
			path = p + "?" + strings.Join(names, ",")
		}
		got = append(got, method+"|"+path+"|"+rest)
	}
	want := []string{
		"PUT|/nnssf-nssaiavailability/v1/nssai-availability/" + nssftest.AMF1 + "||application/json",
		"||200|application/json",
		"GET|/nnssf-nsselection/v2/network-slice-information?nf-id,nf-type,slice-info-request-for-registration,tai||",
		"||200|application/json",
		"DELETE|/nnssf-nssaiavailability/v1/nssai-availability/" + nssftest.AMF2 + "||",
		"||404|application/problem+json",
		"POST|/nnssf-nssaiavailability/v1/nssai-availability/subscriptions||application/json",
		"||201|application/json",
		"DELETE|/nnssf-nssaiavailability/v1/nssai-availability/subscriptions/" + path.Base(sub.SubscriptionID) + "||",
		"||204|",
		"DELETE|/nnssf-nssaiavailability/v1/nssai-availability/" + nssftest.AMF1 + "||",
		"||204|",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tshark's HEADERS frames:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
