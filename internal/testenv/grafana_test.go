package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/oracle"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// The dashboard and the alert rules, in the Helm chart (which ships them)
// and nowhere else; their unit tests in deploy/grafana.
const (
	dashboardFile  = "../../deploy/helm/keel/files/keel-dashboard.json"
	alertsFile     = "../../deploy/helm/keel/files/alerts.yaml"
	alertTestsFile = "../../deploy/grafana/alerts_test.yaml"
)

// TestGrafanaMetricsExist reads every PromQL expression of the Grafana
// dashboard and of the Prometheus alert rules and checks that each metric
// they name is in the /metrics of a running core, and that each label
// they select on or aggregate by is a label of those metrics: a core with
// every NF in one process, after two UEs registered, established a PDU
// session and pinged through the UPF (so the labelled series exist); and,
// for the SBI's metrics, which a process running every NF does not have,
// an NRF in a process of its own that a UDR registered with over HTTP/2.
func TestGrafanaMetricsExist(t *testing.T) {
	sctptest.RequireNetNS(t)
	exprs := dashboardExprs(t)
	alerts := alertExprs(t)
	if len(exprs) < 20 || len(alerts) < 5 {
		t.Fatalf("%d dashboard expressions and %d alert rules read, want the dashboard's and the rules'", len(exprs), len(alerts))
	}
	maps.Copy(exprs, alerts)

	core, token := startCore(t)
	sum, code, stderr := runSim(t, core.HTTPAddr().String(), token,
		"--amf", core.N2Addr().String(), "--ues", "2", "--provision", "--pdu", "--ping", "10.45.0.1")
	if code != 0 || sum.Registered != 2 || sum.Sessions != 2 || sum.PingReplies != 2 {
		t.Fatalf("keel sim = exit %d, %+v\n%s", code, sum, stderr)
	}
	scraped := scrapeMetrics(t, core)

	nrf := runNFs(t, "nrf", "")
	runNFs(t, "udr", "http://"+nrf.SBIAddr().String())
	var split promSamples
	// Both SBI metrics: a scrape gathers them one by one, so one can
	// show a request the other, gathered before it ended, does not.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		split = scrapeMetrics(t, nrf)
		if len(split["keel_sbi_request_duration_seconds_count"]) > 0 && len(split["keel_sbi_requests_served_total"]) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the NRF's /metrics has no keel_sbi_request_duration_seconds or no keel_sbi_requests_served_total 10 s after a UDR started")
		}
	}
	for name, series := range split {
		if strings.HasPrefix(name, "keel_sbi_") {
			scraped[name] = series
		}
	}

	for _, where := range slices.Sorted(maps.Keys(exprs)) {
		q := parsePromQL(exprs[where])
		if len(q.metrics) == 0 {
			t.Errorf("%s: %q names no metric", where, exprs[where])
		}
		labels := map[string]bool{"instance": true, "job": true} // added by Prometheus at the scrape
		for _, m := range q.metrics {
			if m == "up" { // Prometheus' own, per target
				continue
			}
			series, ok := scraped[m]
			if !ok {
				t.Errorf("%s: metric %s is not in /metrics", where, m)
				continue
			}
			for s := range series {
				for _, pair := range strings.Split(s, ",") {
					if name, _, ok := strings.Cut(pair, "="); ok {
						labels[name] = true
					}
				}
			}
		}
		for _, l := range q.labels {
			if !labels[l] {
				t.Errorf("%s: label %s is a label of none of %v", where, l, q.metrics)
			}
		}
	}
}

// TestAlertRules has Prometheus' own tool judge what the test above only
// reads: promtool checks the alert rules and every expression of the
// dashboard (Grafana's variables given values: $__rate_interval 5m,
// $__range 1h, $instance .*), and runs the rules' unit tests
// (deploy/grafana/alerts_test.yaml: which alert fires, when, with which
// labels and text, for series shaped as /metrics has them).
func TestAlertRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		oracle.Missing(t, "promtool is not installed (Debian package prometheus): %v", err)
	}
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(promtool, args...).CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("check", "rules", alertsFile)
	run("test", "rules", alertTestsFile)

	exprs := dashboardExprs(t)
	grafana := strings.NewReplacer("$__rate_interval", "5m", "$__range", "1h", "$instance", ".*")
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	var index []string
	for i, where := range slices.Sorted(maps.Keys(exprs)) {
		fmt.Fprintf(&rules, "      - record: keel:dashboard_%d\n        expr: %s\n", i, strconv.Quote(grafana.Replace(exprs[where])))
		index = append(index, fmt.Sprintf("keel:dashboard_%d: %s", i, where))
	}
	path := filepath.Join(t.TempDir(), "dashboard-rules.yaml")
	if err := os.WriteFile(path, []byte(rules.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err != nil {
		t.Errorf("promtool check rules on the dashboard's expressions: %v\n%s\nrules:\n%s", err, out, strings.Join(index, "\n"))
	}
}

// runNFs runs the network functions nfs (comma-separated) in an App of
// their own, with its SBI on loopback, registering with the NRF at nrf
// unless it is "", until the test ends.
func runNFs(t *testing.T, nfs, nrf string) *app.App {
	t.Helper()
	cfg := config.Default()
	cfg.NFs = strings.Split(nfs, ",")
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.SBI.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.SBI.NRF = nrf
	a, err := app.New(context.Background(), cfg, app.Options{OnPanic: failOnPanic(t)})
	if err != nil {
		t.Fatalf("app.New(nfs %s): %v", nfs, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("nfs %s stopped with %v", nfs, err)
		}
	})
	return a
}

// dashboardExprs returns the PromQL expressions of the dashboard's panels
// and of its template variables' queries, keyed by where they are.
func dashboardExprs(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UID       string `json:"uid"`
		Title     string `json:"title"`
		Templates struct {
			List []struct {
				Name  string          `json:"name"`
				Type  string          `json:"type"`
				Query json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
		Panels []struct {
			ID      int    `json:"id"`
			Type    string `json:"type"`
			Title   string `json:"title"`
			Targets []struct {
				RefID string `json:"refId"`
				Expr  string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	if d.UID == "" || d.Title == "" {
		t.Errorf("%s: uid %q, title %q: want both", dashboardFile, d.UID, d.Title)
	}
	exprs := map[string]string{}
	ids := map[int]bool{}
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("%s: panel id %d twice", dashboardFile, p.ID)
		}
		ids[p.ID] = true
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("%s: panel %q has no query", dashboardFile, p.Title)
		}
		for _, tg := range p.Targets {
			if tg.Expr == "" {
				t.Errorf("%s: panel %q, query %s: no expression", dashboardFile, p.Title, tg.RefID)
			}
			exprs[fmt.Sprintf("dashboard panel %q query %s", p.Title, tg.RefID)] = tg.Expr
		}
	}
	// A query variable's query: label_values(<expression>, <label>).
	labelValues := regexp.MustCompile(`^label_values\((.+),\s*([a-zA-Z_]\w*)\)$`)
	for _, v := range d.Templates.List {
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			t.Errorf("%s: variable %s: %v", dashboardFile, v.Name, err)
			continue
		}
		m := labelValues.FindStringSubmatch(q.Query)
		if m == nil {
			t.Errorf("%s: variable %s: query %q is not label_values(expression, label)", dashboardFile, v.Name, q.Query)
			continue
		}
		exprs["dashboard variable "+v.Name] = fmt.Sprintf("count by (%s) (%s)", m[2], m[1])
	}
	return exprs
}

// alertExprs returns the expressions of the alert rules, keyed by rule,
// having checked the rules' shape: a name, a duration in for, a severity
// and a summary.
func alertExprs(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", alertsFile, err)
	}
	exprs := map[string]string{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			where := fmt.Sprintf("alert %s (group %s)", r.Alert, g.Name)
			if r.Alert == "" || r.Expr == "" {
				t.Errorf("%s: want a name and an expression", where)
			}
			if _, dup := exprs[where]; dup {
				t.Errorf("%s twice", where)
			}
			if r.For != "" {
				if _, err := time.ParseDuration(r.For); err != nil {
					t.Errorf("%s: for %q: %v", where, r.For, err)
				}
			}
			if s := r.Labels["severity"]; s != "critical" && s != "warning" {
				t.Errorf("%s: severity %q, want critical or warning", where, s)
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("%s: want a summary and a description", where)
			}
			exprs[where] = r.Expr
		}
	}
	return exprs
}

// promQuery is what an expression refers to: the metrics it selects and
// the labels its matchers and its by/without/on/ignoring clauses name.
type promQuery struct {
	metrics, labels []string
}

// promKeywords are PromQL's words that are not metric names.
var promKeywords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	"bool": true, "and": true, "or": true, "unless": true, "offset": true, "atan2": true, "inf": true, "nan": true,
}

// parsePromQL finds the metric names and label names of a PromQL
// expression. It is no parser: it reads identifiers, skips strings,
// ranges and function calls, takes the label names of matchers in
// braces and of the lists after by, without, on, ignoring, group_left
// and group_right; Grafana's variables ($instance, $__rate_interval) are
// inside strings or ranges. It is enough for the expressions this
// repository writes, and the test fails on any name it cannot place.
func parsePromQL(expr string) promQuery {
	var q promQuery
	add := func(list *[]string, s string) {
		if !slices.Contains(*list, s) {
			*list = append(*list, s)
		}
	}
	isIdent := func(c byte, first bool) bool {
		return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || !first && c >= '0' && c <= '9'
	}
	skipSpace := func(i int) int {
		for i < len(expr) && strings.ContainsRune(" \t\n\r", rune(expr[i])) {
			i++
		}
		return i
	}
	// labelList reads `(a, b)` from i and adds the names.
	labelList := func(i int) int {
		i = skipSpace(i)
		if i >= len(expr) || expr[i] != '(' {
			return i
		}
		end := strings.IndexByte(expr[i:], ')')
		if end < 0 {
			return len(expr)
		}
		for _, l := range strings.Split(expr[i+1:i+end], ",") {
			if l = strings.TrimSpace(l); l != "" {
				add(&q.labels, l)
			}
		}
		return i + end + 1
	}
	clause := regexp.MustCompile(`^(by|without)\s*\(`)
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			end := i + 1
			for end < len(expr) && expr[end] != c {
				if expr[end] == '\\' && c != '`' {
					end++
				}
				end++
			}
			i = end + 1
		case c == '[':
			end := strings.IndexByte(expr[i:], ']')
			if end < 0 {
				return q
			}
			i += end + 1
		case c == '{':
			// Matchers: name op "value", ...
			j := i + 1
			for j < len(expr) && expr[j] != '}' {
				j = skipSpace(j)
				start := j
				for j < len(expr) && isIdent(expr[j], j == start) {
					j++
				}
				if j > start {
					add(&q.labels, expr[start:j])
				}
				for j < len(expr) && expr[j] != '"' && expr[j] != '}' {
					j++
				}
				if j < len(expr) && expr[j] == '"' {
					j++
					for j < len(expr) && expr[j] != '"' {
						if expr[j] == '\\' {
							j++
						}
						j++
					}
					j++
				}
				for j < len(expr) && (expr[j] == ',' || expr[j] == ' ') {
					j++
				}
			}
			i = j + 1
		case isIdent(c, true):
			start := i
			for i < len(expr) && isIdent(expr[i], false) {
				i++
			}
			word := expr[start:i]
			next := skipSpace(i)
			switch {
			case word == "by" || word == "without" || word == "on" || word == "ignoring" || word == "group_left" || word == "group_right":
				i = labelList(i)
			case promKeywords[strings.ToLower(word)]:
			case next < len(expr) && expr[next] == '(',
				clause.MatchString(expr[next:]):
				// A function or an aggregation, its by or without clause
				// before or after its arguments, read when reached.
			case start > 0 && (expr[start-1] >= '0' && expr[start-1] <= '9' || expr[start-1] == '.'):
				// The exponent or unit of a number (1e18).
			default:
				add(&q.metrics, word)
			}
		default:
			i++
		}
	}
	return q
}

// The expression reader finds the names and labels of the forms the
// dashboard and the rules use.
func TestParsePromQL(t *testing.T) {
	for _, c := range []struct {
		expr            string
		metrics, labels []string
	}{
		{`sum by (result) (rate(keel_amf_procedures_total{instance=~"$instance", procedure="registration"}[$__rate_interval]))`,
			[]string{"keel_amf_procedures_total"}, []string{"result", "instance", "procedure"}},
		{`histogram_quantile(0.99, sum by (service, le) (rate(keel_sbi_request_duration_seconds_bucket[5m])))`,
			[]string{"keel_sbi_request_duration_seconds_bucket"}, []string{"service", "le"}},
		{"max_over_time(keel_amf_gnbs_connected[15m]) - keel_amf_gnbs_connected > 0",
			[]string{"keel_amf_gnbs_connected"}, nil},
		{`go_gc_heap_live_bytes / (go_gc_gomemlimit_bytes < 1e18) > 0.9`,
			[]string{"go_gc_heap_live_bytes", "go_gc_gomemlimit_bytes"}, nil},
		{"sum(rate(a_total[5m])) by (x) / on (instance) group_left (y) b{z!~\"a,b}\"} and bool c offset 5m",
			[]string{"a_total", "b", "c"}, []string{"x", "instance", "y", "z"}},
		{`up{job=~".*keel.*"} == 0`, []string{"up"}, []string{"job"}},
	} {
		q := parsePromQL(c.expr)
		if !slices.Equal(q.metrics, c.metrics) || !slices.Equal(q.labels, c.labels) {
			t.Errorf("parsePromQL(%q) = metrics %q, labels %q; want %q, %q", c.expr, q.metrics, q.labels, c.metrics, c.labels)
		}
	}
}
