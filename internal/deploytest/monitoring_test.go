package deploytest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// The alert rules and the dashboard the chart ships, the only copies in
// the repository (deploy/grafana/README.md says why).
var (
	alertsFile    = filepath.Join(chartDir, "files", "alerts.yaml")
	dashboardFile = filepath.Join(chartDir, "files", "keel-dashboard.json")
)

// monitoringOn enables the PrometheusRule, the dashboard's ConfigMap and
// the ServiceMonitor, with labels as a kube-prometheus-stack release
// named kps selects them by.
var monitoringOn = map[string]any{"metrics": map[string]any{
	"serviceMonitor":   map[string]any{"enabled": true},
	"prometheusRule":   map[string]any{"enabled": true, "labels": map[string]any{"release": "kps"}},
	"grafanaDashboard": map[string]any{"enabled": true, "annotations": map[string]any{"grafana_folder": "Keel"}},
}}

// Enabled, the chart renders a PrometheusRule holding every rule of
// files/alerts.yaml unchanged, and a ConfigMap holding the dashboard byte
// for byte, labelled for Grafana's sidecar; helm lint has nothing to say.
func TestChartMonitoring(t *testing.T) {
	wantRules := readAlerts(t)
	dashboard, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range valuesFiles {
		t.Run(strings.TrimSuffix(cmpName(file), ".yaml"), func(t *testing.T) {
			vals := userValues(t, file, secrets, monitoringOn)
			checkLint(t, file+" with monitoring", vals)
			files, err := render(t, vals)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			objs := decodeStrict(t, files)

			rules := ofKind[*monitoringv1.PrometheusRule](objs)
			if len(rules) != 1 {
				t.Fatalf("%d PrometheusRules, want 1", len(rules))
			}
			pr := rules[0]
			if pr.Labels["release"] != "kps" || pr.Labels["app.kubernetes.io/instance"] != release {
				t.Errorf("PrometheusRule labels %v, want metrics.prometheusRule.labels and the chart's", pr.Labels)
			}
			got := alertsByName(t, pr.Spec)
			want := alertsByName(t, wantRules)
			for name, w := range want {
				g, ok := got[name]
				switch {
				case !ok:
					t.Errorf("alert %s of alerts.yaml is not in the PrometheusRule", name)
				case g.Expr.String() != w.Expr.String():
					t.Errorf("alert %s: expr %q in the PrometheusRule, %q in alerts.yaml", name, g.Expr.String(), w.Expr.String())
				}
			}
			for name := range got {
				if _, ok := want[name]; !ok {
					t.Errorf("alert %s of the PrometheusRule is not in alerts.yaml", name)
				}
			}
			if !reflect.DeepEqual(pr.Spec, wantRules) {
				t.Errorf("the PrometheusRule's spec differs from alerts.yaml (for, labels or annotations)")
			}
			checkJobSelector(t, pr.Spec, ofKind[*monitoringv1.ServiceMonitor](objs), ofKind[*corev1.Service](objs))

			cm := dashboardConfigMap(t, ofKind[*corev1.ConfigMap](objs))
			if cm == nil {
				t.Fatal("no ConfigMap holds keel-dashboard.json")
			}
			if cm.Labels["grafana_dashboard"] != "1" || cm.Annotations["grafana_folder"] != "Keel" {
				t.Errorf("dashboard ConfigMap labels %v, annotations %v; want grafana_dashboard: \"1\" and grafana_folder: Keel", cm.Labels, cm.Annotations)
			}
			if len(cm.Data) != 1 || cm.Data["keel-dashboard.json"] != string(dashboard) {
				t.Errorf("the ConfigMap's keel-dashboard.json (%d bytes, keys %d) is not files/keel-dashboard.json (%d bytes) byte for byte",
					len(cm.Data["keel-dashboard.json"]), len(cm.Data), len(dashboard))
			}
			if !json.Valid([]byte(cm.Data["keel-dashboard.json"])) {
				t.Error("the ConfigMap's keel-dashboard.json is not JSON")
			}
		})
	}
}

// By default no values file renders the PrometheusRule or the
// dashboard: both need something in the cluster (the Prometheus
// Operator's CRDs, Grafana's sidecar) the chart does not install.
func TestChartMonitoringOff(t *testing.T) {
	for _, file := range valuesFiles {
		files, err := render(t, userValues(t, file, secrets))
		if err != nil {
			t.Fatalf("%s: render: %v", cmpName(file), err)
		}
		objs := decodeStrict(t, files)
		if n := len(ofKind[*monitoringv1.PrometheusRule](objs)); n != 0 {
			t.Errorf("%s: %d PrometheusRules by default, want none", cmpName(file), n)
		}
		if cm := dashboardConfigMap(t, ofKind[*corev1.ConfigMap](objs)); cm != nil {
			t.Errorf("%s: the dashboard's ConfigMap %s by default, want none", cmpName(file), cm.Name)
		}
	}
}

// The sidecar's label is the operator's to choose.
func TestChartDashboardLabel(t *testing.T) {
	vals := userValues(t, "", secrets, map[string]any{"metrics": map[string]any{
		"grafanaDashboard": map[string]any{"enabled": true, "label": "example.com/dashboard", "labelValue": "keel"},
	}})
	files, err := render(t, vals)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	cm := dashboardConfigMap(t, ofKind[*corev1.ConfigMap](decodeStrict(t, files)))
	if cm == nil {
		t.Fatal("no ConfigMap holds keel-dashboard.json")
	}
	if _, ok := cm.Labels["grafana_dashboard"]; ok || cm.Labels["example.com/dashboard"] != "keel" {
		t.Errorf("dashboard ConfigMap labels %v, want example.com/dashboard: keel instead of grafana_dashboard", cm.Labels)
	}
}

// readAlerts decodes files/alerts.yaml strictly as a PrometheusRule's
// spec, which is what the Prometheus Operator makes of it.
func readAlerts(t *testing.T) monitoringv1.PrometheusRuleSpec {
	t.Helper()
	b, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	var spec monitoringv1.PrometheusRuleSpec
	if err := yaml.UnmarshalStrict(b, &spec); err != nil {
		t.Fatalf("%s as a PrometheusRule's spec: %v", alertsFile, err)
	}
	if len(alertsByName(t, spec)) < 5 {
		t.Fatalf("%s: %d alerts, want Keel's", alertsFile, len(alertsByName(t, spec)))
	}
	return spec
}

// alertsByName returns the alerting rules of spec by name; a name twice
// is an error (the comparison would miss one).
func alertsByName(t *testing.T, spec monitoringv1.PrometheusRuleSpec) map[string]monitoringv1.Rule {
	t.Helper()
	out := map[string]monitoringv1.Rule{}
	for _, g := range spec.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			if _, dup := out[r.Alert]; dup {
				t.Errorf("alert %s twice", r.Alert)
			}
			out[r.Alert] = r
		}
	}
	return out
}

// dashboardConfigMap returns the ConfigMap holding keel-dashboard.json,
// or nil.
func dashboardConfigMap(t *testing.T, cms []*corev1.ConfigMap) *corev1.ConfigMap {
	t.Helper()
	var out *corev1.ConfigMap
	for _, cm := range cms {
		if _, ok := cm.Data["keel-dashboard.json"]; ok {
			if out != nil {
				t.Errorf("ConfigMaps %s and %s both hold the dashboard", out.Name, cm.Name)
			}
			out = cm
		}
	}
	return out
}

// jobMatcher finds the job label matchers of PromQL expressions.
var jobMatcher = regexp.MustCompile(`\bjob\s*(=~|=)\s*"([^"]*)"`)

// checkJobSelector: a rule that selects on job (KeelDown's up{job=~...})
// selects the jobs the ServiceMonitor makes, which the Prometheus
// Operator names for the Services it scrapes.
func checkJobSelector(t *testing.T, spec monitoringv1.PrometheusRuleSpec, sms []*monitoringv1.ServiceMonitor, svcs []*corev1.Service) {
	t.Helper()
	if len(sms) != 1 {
		t.Fatalf("%d ServiceMonitors, want 1", len(sms))
	}
	var jobs []string
	for _, s := range svcs {
		if matches(sms[0].Spec.Selector.MatchLabels, s.Labels) && slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == "api" }) {
			jobs = append(jobs, s.Name)
		}
	}
	if sms[0].Spec.JobLabel != "" || len(jobs) == 0 {
		t.Fatalf("ServiceMonitor jobLabel %q, scraping Services %v: want jobs named for the Services", sms[0].Spec.JobLabel, jobs)
	}
	n := 0
	for name, r := range alertsByName(t, spec) {
		for _, m := range jobMatcher.FindAllStringSubmatch(r.Expr.String(), -1) {
			n++
			pattern := regexp.QuoteMeta(m[2])
			if m[1] == "=~" {
				pattern = m[2]
			}
			re, err := regexp.Compile("^(?:" + pattern + ")$")
			if err != nil {
				t.Errorf("alert %s: job matcher %q: %v", name, m[0], err)
				continue
			}
			for _, j := range jobs {
				if !re.MatchString(j) {
					t.Errorf("alert %s: %s does not select job %q, which the ServiceMonitor makes", name, m[0], j)
				}
			}
		}
	}
	if n == 0 {
		t.Error("no alert selects on job: KeelDown (up == 0) should")
	}
}
