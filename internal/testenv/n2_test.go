package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/cli"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/panics"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/sctptest"
	"github.com/keelcore/keel/internal/sctp/userspace"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/tsharktest"
)

// The tests need raw sockets for userspace SCTP: they run in a network
// namespace of their own, so the host's network is never touched.
func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) == "1" {
		os.Exit(serveMain())
	}
	sctptest.MainInNetNS(m)
}

// startCore runs the core from its composition root with every listener on
// loopback and returns it with its admin token.
func startCore(t testing.TB) (*app.App, string) {
	t.Helper()
	return startCoreWith(t, nil)
}

// startCoreWith is startCore with the configuration adjusted by edit.
func startCoreWith(t testing.TB, edit func(*config.Config)) (*app.App, string) {
	t.Helper()
	return startCoreOpts(t, edit, app.Options{})
}

// startCoreOpts is startCoreWith with the process-level options given.
func startCoreOpts(t testing.TB, edit func(*config.Config), opts app.Options) (*app.App, string) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.N2.SCTP = config.SCTPUserspace
	if edit != nil {
		edit(&cfg)
	}
	if opts.OnPanic == nil {
		opts.OnPanic = failOnPanic(t)
	}
	a, err := app.New(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("core stopped with %v", err)
		}
	})
	tok, err := os.ReadFile(filepath.Join(cfg.DataDir, app.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	return a, strings.TrimSpace(string(tok))
}

// failOnPanic fails the test on any panic a component's boundary
// recovered: the core survives it, but it is a bug.
func failOnPanic(t testing.TB) func(panics.Panic) {
	return func(p panics.Panic) {
		t.Errorf("panic recovered in %s: %v\n%s", p.Component, p.Value, p.Stack)
	}
}

// capture records loopback traffic until stop is called.
func capture(t *testing.T) (stop func() string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "n2.pcap")
	c := sctptest.StartCapture(t, path)
	return func() string {
		c.Finish(t)
		return path
	}
}

// tshark runs tshark on a capture with SCTP's CRC32c checked.
func tshark(t *testing.T, pcap string, args ...string) string {
	t.Helper()
	return tsharktest.Runner(t, pcap, "-o", "sctp.checksum:CRC 32c")(args...)
}

// TestN2OnTheWire runs NG Setup for several gNBs against the core over
// userspace SCTP, captures the traffic and has tshark decode every frame:
// no malformed frame, no expert error, every checksum good. The gNBs it
// keeps connected are listed by GET /api/v1/gnbs as they set themselves
// up, and /metrics counts them and their NG Setups.
func TestN2OnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	stop := capture(t)
	core, token := startCore(t)

	var stdout, stderr bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	code := cli.Main(context.Background(), env, []string{"sim", "--amf", core.N2Addr().String(), "--gnbs", "5", "--sctp", "userspace", "--json"})
	if code != 0 {
		t.Fatalf("keel sim = exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	var sum cli.SimSummary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		t.Fatalf("sim summary %q: %v", stdout.String(), err)
	}
	if sum.GNBs != 5 || sum.NGSetupOK != 5 || sum.Failed != 0 {
		t.Errorf("sim summary = %+v, want 5 gNBs set up", sum)
	}
	// The sim has closed its associations: the AMF forgets its gNBs.
	waitGNBs(t, core, token, func(l []api.GNBInfo) bool { return len(l) == 0 }, "no gNB listed after keel sim ended")

	// gNBs that stay connected, each with a configuration of its own, are
	// listed with what their NG Setup Request said.
	plmn := ident.PLMN{MCC: "001", MNC: "01"}
	held := []gnb.Config{
		{ID: ngap.RANNodeID{PLMN: plmn, Kind: ngap.KindGNB, ID: 0x10, Bits: 22}, Name: "wire-gnb-a",
			TAs: []ngap.TA{{TAC: 1, PLMNs: []ident.PLMN{plmn}, Slices: []ident.SNSSAI{{SST: 1}}}}},
		{ID: ngap.RANNodeID{PLMN: plmn, Kind: ngap.KindGNB, ID: 0xabcde012, Bits: 32}, Name: "wire-gnb-b",
			TAs: []ngap.TA{
				{TAC: 1, PLMNs: []ident.PLMN{plmn}, Slices: []ident.SNSSAI{{SST: 1}, {SST: 1, SD: 0xff, HasSD: true}}},
				{TAC: 0x010203, PLMNs: []ident.PLMN{plmn}, Slices: []ident.SNSSAI{{SST: 2}}},
			}},
		{ID: ngap.RANNodeID{PLMN: plmn, Kind: ngap.KindGNB, ID: 0x3fffff, Bits: 22}, Name: "wire-gnb-c",
			TAs: []ngap.TA{{TAC: 1, PLMNs: []ident.PLMN{plmn}, Slices: []ident.SNSSAI{{SST: 3, SD: 0xabcdef, HasSD: true}, {SST: 1}}}}},
	}
	tr := n2Transport(t)
	want := map[string]api.GNBInfo{}
	for _, cfg := range held {
		g := connectGNB(t, tr, core, cfg)
		tas := []api.TAInfo{}
		for _, ta := range cfg.TAs {
			ti := api.TAInfo{TAC: ta.TAC, PLMNs: []string{}, Slices: []string{}}
			for _, p := range ta.PLMNs {
				ti.PLMNs = append(ti.PLMNs, p.String())
			}
			for _, s := range ta.Slices {
				ti.Slices = append(ti.Slices, s.String())
			}
			tas = append(tas, ti)
		}
		want[cfg.ID.String()] = api.GNBInfo{
			ID: cfg.ID.String(), PLMN: "001-01", GNBID: strconv.FormatUint(uint64(cfg.ID.ID), 16), GNBIDBits: int(cfg.ID.Bits),
			Name: cfg.Name, Address: g.Conn().LocalAddr().String(), State: "ready", SupportedTA: tas,
		}
	}
	list := apiGNBs(t, core, token)
	if len(list) != len(held) {
		t.Errorf("GET /api/v1/gnbs lists %d gNBs, want %d: %+v", len(list), len(held), list)
	}
	for _, g := range list {
		w, ok := want[g.ID]
		if !ok {
			t.Errorf("GET /api/v1/gnbs lists %+v, which is none of the connected gNBs", g)
			continue
		}
		delete(want, g.ID)
		if g.ConnectedAt.IsZero() || g.SetupAt == nil || g.SetupAt.Before(g.ConnectedAt) {
			t.Errorf("gNB %s: connected at %v, set up at %v: want both, setup after connection", g.ID, g.ConnectedAt, g.SetupAt)
		}
		g.ConnectedAt, g.SetupAt = time.Time{}, nil
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("GET /api/v1/gnbs entry of %s (-want +got):\n%s", w.ID, diff)
		}
	}
	for id := range want {
		t.Errorf("gNB %s is connected but not listed", id)
	}

	// Prometheus: the connected gNBs, and every NG Setup counted by
	// procedure and outcome (the sim's five and the three held here).
	m := scrapeMetrics(t, core)
	setups := float64(5 + len(held))
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"keel_amf_gnbs_connected", nil, float64(len(held))},
		{"keel_amf_n2_associations", nil, float64(len(held))},
		{"keel_ngap_ng_setups_total", []string{"outcome", "accepted"}, setups},
		{"keel_ngap_messages_total", []string{"direction", "rx", "procedure", "NGSetup", "type", "initiating"}, setups},
		{"keel_ngap_messages_total", []string{"direction", "tx", "procedure", "NGSetup", "type", "successful"}, setups},
		{"keel_ngap_messages_total", []string{"direction", "tx", "procedure", "NGSetup", "type", "unsuccessful"}, 0},
		{"keel_ngap_protocol_errors_total", nil, 0},
	} {
		if got := m.sum(c.name, c.labels...); got != c.want {
			t.Errorf("/metrics: %s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}

	pcap := stop()
	bad := tshark(t, pcap, "-Y", "_ws.malformed || _ws.expert.severity==error || sctp.checksum.status==0")
	if bad != "" {
		t.Errorf("tshark found malformed frames, expert errors or bad checksums:\n%s", bad)
	}
	summary := tshark(t, pcap, "-Y", "ngap", "-T", "fields", "-e", "ngap.procedureCode", "-e", "ngap.successfulOutcome_element")
	requests := lines(tshark(t, pcap, "-Y", "ngap.NGSetupRequest_element"))
	responses := lines(tshark(t, pcap, "-Y", "ngap.NGSetupResponse_element"))
	if requests != int(setups) || responses != int(setups) {
		t.Errorf("tshark saw %d NG Setup Requests and %d Responses, want %v each; NGAP frames:\n%s", requests, responses, setups, summary)
	}
}

// n2Transport is a userspace SCTP transport for the test's gNBs, closed
// at cleanup.
func n2Transport(t *testing.T) *userspace.Transport {
	t.Helper()
	tr, err := userspace.New(userspace.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// connectGNB connects a simulated gNB to the core and runs NG Setup; the
// gNB is closed at cleanup.
func connectGNB(t *testing.T, tr sctp.Transport, core *app.App, cfg gnb.Config) *gnb.GNB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	g, err := gnb.Connect(ctx, tr, core.N2Addr(), cfg, nil)
	if err != nil {
		t.Fatalf("gNB %s: %v", cfg.ID, err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// apiGNBs lists the gNBs through GET /api/v1/gnbs.
func apiGNBs(t *testing.T, core *app.App, token string) []api.GNBInfo {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+core.HTTPAddr().String()+"/api/v1/gnbs", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/v1/gnbs = %d", resp.StatusCode)
	}
	var list api.GNBList
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatalf("GET /api/v1/gnbs: %v", err)
	}
	return list.GNBs
}

// waitGNBs polls GET /api/v1/gnbs until ok holds of the list, for at most
// 5 s, and returns the list.
func waitGNBs(t *testing.T, core *app.App, token string, ok func([]api.GNBInfo) bool, what string) []api.GNBInfo {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		l := apiGNBs(t, core, token)
		if ok(l) {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s within 5 s: GET /api/v1/gnbs lists %+v", what, l)
		}
	}
}

// promSamples are the samples of a /metrics scrape, keyed by metric name and
// then by their label pairs, sorted and joined (`a="x",b="y"`).
type promSamples map[string]map[string]float64

// scrapeMetrics reads the core's /metrics, Prometheus' text format.
func scrapeMetrics(t testing.TB, core *app.App) promSamples {
	t.Helper()
	return scrapeMetricsAt(t, core.HTTPAddr().String())
}

// scrapeMetricsAt reads the /metrics of the process whose management
// address is addr.
func scrapeMetricsAt(t testing.TB, addr string) promSamples {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics = %d", resp.StatusCode)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	m := promSamples{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		name, labels, value, err := parseSample(line)
		if err != nil {
			t.Fatalf("/metrics line %q: %v", line, err)
		}
		if m[name] == nil {
			m[name] = map[string]float64{}
		}
		m[name][labels] = value
	}
	return m
}

// parseSample splits a sample line, `name{label="value",...} value`.
func parseSample(line string) (name, labels string, value float64, err error) {
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return "", "", 0, errors.New("no value")
	}
	name, rest := line[:i], line[i:]
	var pairs []string
	if rest[0] == '{' {
		rest = rest[1:]
		for {
			rest = strings.TrimLeft(rest, ",")
			if strings.HasPrefix(rest, "}") {
				rest = rest[1:]
				break
			}
			eq := strings.Index(rest, "=\"")
			if eq < 0 {
				return "", "", 0, errors.New("label without a quoted value")
			}
			// The value ends at the first quote not escaped.
			end := eq + 2
			for ; end < len(rest) && rest[end] != '"'; end++ {
				if rest[end] == '\\' {
					end++
				}
			}
			if end >= len(rest) {
				return "", "", 0, errors.New("unterminated label value")
			}
			pairs = append(pairs, rest[:end+1])
			rest = rest[end+1:]
		}
	}
	slices.Sort(pairs)
	f := strings.Fields(rest)
	if len(f) == 0 {
		return "", "", 0, errors.New("no value")
	}
	value, err = strconv.ParseFloat(f[0], 64)
	return name, strings.Join(pairs, ","), value, err
}

// sum adds the samples of a metric whose labels include every pair of
// kv (label, value, label, value, ...): the metric's total without kv.
func (m promSamples) sum(name string, kv ...string) float64 {
	var want []string
	for i := 0; i+1 < len(kv); i += 2 {
		want = append(want, kv[i]+"="+strconv.Quote(kv[i+1]))
	}
	var total float64
samples:
	for labels, v := range m[name] {
		have := strings.Split(labels, ",")
		for _, w := range want {
			if !slices.Contains(have, w) {
				continue samples
			}
		}
		total += v
	}
	return total
}

func lines(s string) int {
	if s == "" {
		return 0
	}
	return strings.Count(s, "\n") + 1
}
