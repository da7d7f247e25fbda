package deploytest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

const (
	chartDir  = "../../deploy/helm/keel"
	namespace = "keel"
	release   = "core"
)

// secrets are the Secret names an operator gives on the command line
// (--set): the values files name none, so that the chart holds no
// default credential.
var secrets = map[string]any{
	"adminToken":      map[string]any{"existingSecret": "keel-admin"},
	"homeNetworkKeys": map[string]any{"existingSecret": "keel-hnk"},
}

// valuesFiles are the chart's values files, each rendered by the tests:
// "" is the chart's own values.yaml alone.
var valuesFiles = []string{"", "values-split.yaml", "values-postgres.yaml"}

// userValues reads a values file and puts overrides over it.
func userValues(t *testing.T, file string, overrides ...map[string]any) map[string]any {
	t.Helper()
	vals := map[string]any{}
	if file != "" {
		v, err := common.ReadValuesFile(filepath.Join(chartDir, file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		vals = v
	}
	for _, o := range overrides {
		vals = merge(vals, o)
	}
	return vals
}

// merge returns dst with src deep-merged over it.
func merge(dst, src map[string]any) map[string]any {
	out := maps.Clone(dst)
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := out[k].(map[string]any); ok {
				out[k] = merge(dm, sm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// render renders the chart as helm install would, with the PostgreSQL
// dependency left out (it cannot be fetched offline; the values files
// keep it disabled).
func render(t *testing.T, vals map[string]any) (map[string]string, error) {
	t.Helper()
	chrt, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("loading the chart: %v", err)
	}
	rv, err := util.ToRenderValues(chrt, vals, common.ReleaseOptions{Name: release, Namespace: namespace, IsInstall: true}, nil)
	if err != nil {
		return nil, err
	}
	return engine.Render(chrt, rv)
}

// The chart passes helm lint with each values file; the only finding
// beyond information is the PostgreSQL chart not fetched into charts/.
func TestChartLint(t *testing.T) {
	for _, file := range valuesFiles {
		checkLint(t, file, userValues(t, file, secrets))
	}
}

// checkLint runs helm lint with vals (named for the messages by what)
// and fails on any finding beyond information, except the PostgreSQL
// chart not fetched into charts/.
func checkLint(t *testing.T, what string, vals map[string]any) {
	t.Helper()
	res := lint.RunAll(chartDir, vals, namespace)
	for _, m := range res.Messages {
		switch {
		case m.Severity == support.WarningSev && strings.HasSuffix(m.Err.Error(), "missing these dependencies: postgresql"):
		case m.Severity <= support.InfoSev:
		default:
			t.Errorf("helm lint with %q: %s", what, m)
		}
	}
}

// object is one rendered manifest, decoded.
type object struct {
	file string
	kind string
	name string
	obj  any
}

// decodeStrict decodes every document of the rendered files into its
// Kubernetes API type; an unknown field, a duplicate field or an
// unknown kind is an error.
func decodeStrict(t *testing.T, files map[string]string) []object {
	t.Helper()
	var out []object
	names := slices.Sorted(maps.Keys(files))
	for _, name := range names {
		if !strings.HasSuffix(name, ".yaml") {
			continue
		}
		r := k8syaml.NewYAMLReader(bufio.NewReader(strings.NewReader(files[name])))
		for {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(bytes.TrimSpace(stripComments(doc))) == 0 {
				continue
			}
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal(doc, &tm); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var obj any
			switch tm.APIVersion + " " + tm.Kind {
			case "apps/v1 Deployment":
				obj = &appsv1.Deployment{}
			case "v1 Service":
				obj = &corev1.Service{}
			case "v1 ConfigMap":
				obj = &corev1.ConfigMap{}
			case "v1 PersistentVolumeClaim":
				obj = &corev1.PersistentVolumeClaim{}
			case "monitoring.coreos.com/v1 ServiceMonitor":
				obj = &monitoringv1.ServiceMonitor{}
			case "monitoring.coreos.com/v1 PrometheusRule":
				obj = &monitoringv1.PrometheusRule{}
			default:
				t.Fatalf("%s: %s %s is not a kind the chart should render", name, tm.APIVersion, tm.Kind)
			}
			if err := yaml.UnmarshalStrict(doc, obj); err != nil {
				t.Fatalf("%s: %s does not decode strictly: %v\n%s", name, tm.Kind, err, doc)
			}
			meta := obj.(metav1.Object)
			if meta.GetName() == "" {
				t.Errorf("%s: %s without a name", name, tm.Kind)
			}
			out = append(out, object{file: name, kind: tm.Kind, name: meta.GetName(), obj: obj})
		}
	}
	return out
}

func stripComments(doc []byte) []byte {
	var b bytes.Buffer
	for l := range bytes.SplitSeq(doc, []byte("\n")) {
		if t := bytes.TrimSpace(l); len(t) > 0 && t[0] != '#' {
			b.Write(l)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func ofKind[T any](objs []object) []T {
	var out []T
	for _, o := range objs {
		if v, ok := o.obj.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// splitPostgres is values-split.yaml with the store in PostgreSQL and
// the home NFs scaled out, rendered besides the values files.
var splitPostgres = map[string]any{
	"store": map[string]any{"url": "postgres://keel@db.example.internal:5432/keel", "passwordSecret": map[string]any{"name": "keel-db"}},
	"nfs":   map[string]any{"udr": map[string]any{"replicas": 2}, "ausf": map[string]any{"replicas": 3}},
}

// wantProcesses are the Deployments each values file renders, by the
// NFs they run ("all" for the whole core).
var wantProcesses = map[string][]string{
	"":                     {"all"},
	"values-postgres.yaml": {"all"},
	"values-split.yaml":    {"amf", "ausf", "nrf", "nssf", "pcf", "smf", "udm", "udr", "upf"},
}

// Every values file renders objects that decode strictly into their
// Kubernetes types, with the properties the deployment relies on.
func TestChartRenders(t *testing.T) {
	type renderCase struct {
		name, file string
		extra      map[string]any
	}
	var cases []renderCase
	for _, file := range valuesFiles {
		cases = append(cases, renderCase{strings.TrimSuffix(cmpName(file), ".yaml"), file, nil})
	}
	cases = append(cases, renderCase{"split with store.url", "values-split.yaml", splitPostgres})
	for _, tc := range cases {
		file := tc.file
		t.Run(tc.name, func(t *testing.T) {
			files, err := render(t, userValues(t, file, secrets, tc.extra))
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			objs := decodeStrict(t, files)
			deps := ofKind[*appsv1.Deployment](objs)
			var procs []string
			for _, d := range deps {
				procs = append(procs, d.Spec.Template.Labels["app.kubernetes.io/component"])
				checkPod(t, d)
			}
			sort.Strings(procs)
			if !slices.Equal(procs, wantProcesses[file]) {
				t.Errorf("Deployments for %v, want %v", procs, wantProcesses[file])
			}
			storeURL := file == "values-postgres.yaml" || tc.extra != nil
			checkVolumes(t, ofKind[*corev1.PersistentVolumeClaim](objs), deps, !storeURL)
			for _, d := range deps {
				opens := runs(d, "udr") || runs(d, "udm") || runs(d, "ausf") || runs(d, "pcf")
				if has := slices.ContainsFunc(d.Spec.Template.Spec.Containers[0].Env, func(e corev1.EnvVar) bool { return e.Name == "PGPASSWORD" }); has != (storeURL && opens) {
					t.Errorf("%s: $PGPASSWORD set %v; want it where store.url is opened", d.Name, has)
				}
			}
			checkServices(t, ofKind[*corev1.Service](objs), deps)
			checkServiceMonitors(t, ofKind[*monitoringv1.ServiceMonitor](objs), ofKind[*corev1.Service](objs), file == "values-split.yaml")
			checkConfig(t, ofKind[*corev1.ConfigMap](objs), deps)
		})
	}
}

func cmpName(file string) string {
	if file == "" {
		return "values.yaml"
	}
	return file
}

// runs reports whether a process's Deployment runs network function nf.
func runs(d *appsv1.Deployment, nf string) bool {
	p := d.Spec.Template.Labels["app.kubernetes.io/component"]
	return p == "all" || p == nf
}

// checkPod: probes on /healthz and /readyz at the API's port, a user
// other than root, a read-only root, every capability dropped and only
// CAP_NET_ADMIN and CAP_NET_RAW added, to the UPF and the AMF (userspace
// SCTP) alone, secrets only from Secrets.
func checkPod(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	ps := d.Spec.Template.Spec
	if sc := ps.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		t.Errorf("%s: pod securityContext %+v, want runAsNonRoot and a runAsUser other than 0", d.Name, sc)
	}
	if ps.AutomountServiceAccountToken == nil || *ps.AutomountServiceAccountToken {
		t.Errorf("%s: the service account token is mounted; Keel does not use the Kubernetes API", d.Name)
	}
	if len(ps.Containers) != 1 {
		t.Fatalf("%s: %d containers, want 1", d.Name, len(ps.Containers))
	}
	c := ps.Containers[0]
	ports := map[string]corev1.ContainerPort{}
	for _, p := range c.Ports {
		ports[p.Name] = p
	}
	for _, pr := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}} {
		if pr.probe == nil || pr.probe.HTTPGet == nil || pr.probe.HTTPGet.Path != pr.path {
			t.Errorf("%s: %s probe %+v, want GET %s", d.Name, pr.name, pr.probe, pr.path)
			continue
		}
		if p, ok := ports[pr.probe.HTTPGet.Port.String()]; !ok || p.Protocol != corev1.ProtocolTCP {
			t.Errorf("%s: %s probe on port %s, which the container does not declare as TCP", d.Name, pr.name, pr.probe.HTTPGet.Port.String())
		}
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.Capabilities == nil ||
		!slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || (sc.Privileged != nil && *sc.Privileged) {
		t.Fatalf("%s: container securityContext %+v, want a read-only root, capabilities drop [ALL], not privileged", d.Name, sc)
	}
	needCaps := runs(d, "upf") || runs(d, "amf") // n2.sctp auto in every values file
	var want []corev1.Capability
	if needCaps {
		want = []corev1.Capability{"NET_ADMIN", "NET_RAW"}
	}
	if !slices.Equal(sc.Capabilities.Add, want) {
		t.Errorf("%s: capabilities added %v, want %v", d.Name, sc.Capabilities.Add, want)
	}
	escalate := sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation
	wantCmd := "/usr/local/bin/keel"
	if needCaps {
		wantCmd = "/usr/local/bin/keel-net"
	}
	if escalate != needCaps || !slices.Equal(c.Command, []string{wantCmd}) {
		t.Errorf("%s: command %v, allowPrivilegeEscalation %v; want %s, escalation only for keel-net's file capabilities", d.Name, c.Command, escalate, wantCmd)
	}
	for _, e := range c.Env {
		secretish := strings.Contains(e.Name, "TOKEN") || strings.Contains(e.Name, "KEY") || strings.Contains(e.Name, "PASSWORD")
		if secretish && (e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
			t.Errorf("%s: $%s not from a Secret", d.Name, e.Name)
		}
	}
	env := map[string]bool{}
	for _, e := range c.Env {
		env[e.Name] = true
	}
	if runs(d, "udr") != env["KEEL_ADMIN_TOKEN"] {
		t.Errorf("%s: $KEEL_ADMIN_TOKEN set %v; want it exactly where the udr runs", d.Name, env["KEEL_ADMIN_TOKEN"])
	}
	if runs(d, "udm") && !env["KEEL_HOME_NETWORK_KEYS"] {
		t.Errorf("%s: the udm without $KEEL_HOME_NETWORK_KEYS", d.Name)
	}
}

// checkVolumes: the udr's data directory is on the one
// PersistentVolumeClaim when the store is SQLite (persistent), and every
// other data directory on an emptyDir.
func checkVolumes(t *testing.T, pvcs []*corev1.PersistentVolumeClaim, deps []*appsv1.Deployment, persistent bool) {
	t.Helper()
	if want := map[bool]int{true: 1, false: 0}[persistent]; len(pvcs) != want {
		t.Fatalf("%d PersistentVolumeClaims, want %d", len(pvcs), want)
	}
	for _, d := range deps {
		var data *corev1.Volume
		for i, v := range d.Spec.Template.Spec.Volumes {
			if v.Name == "data" {
				data = &d.Spec.Template.Spec.Volumes[i]
			}
		}
		switch {
		case data == nil:
			t.Errorf("%s: no data volume", d.Name)
		case persistent && runs(d, "udr"):
			if data.PersistentVolumeClaim == nil || data.PersistentVolumeClaim.ClaimName != pvcs[0].Name {
				t.Errorf("%s: data volume %+v, want the claim %s", d.Name, data.VolumeSource, pvcs[0].Name)
			}
		case data.EmptyDir == nil:
			t.Errorf("%s: data volume %+v, want an emptyDir", d.Name, data.VolumeSource)
		}
	}
}

// checkServices: each Service selects a Deployment's Pods and its ports
// are ports of their container, same protocol; N2 is SCTP 38412, N3 UDP
// 2152, N4 UDP 8805 where the AMF and the UPF run.
func checkServices(t *testing.T, svcs []*corev1.Service, deps []*appsv1.Deployment) {
	t.Helper()
	found := map[string]corev1.ServicePort{}
	for _, s := range svcs {
		var dep *appsv1.Deployment
		for _, d := range deps {
			if matches(s.Spec.Selector, d.Spec.Template.Labels) {
				dep = d
			}
		}
		if dep == nil {
			t.Errorf("service %s selects no Deployment's Pods (selector %v)", s.Name, s.Spec.Selector)
			continue
		}
		cports := map[string]corev1.ContainerPort{}
		for _, p := range dep.Spec.Template.Spec.Containers[0].Ports {
			cports[p.Name] = p
		}
		for _, p := range s.Spec.Ports {
			cp, ok := cports[p.TargetPort.String()]
			if !ok || cp.Protocol != p.Protocol || cp.ContainerPort != p.Port {
				t.Errorf("service %s port %s (%s %d) targets %q, not a container port of %s with that protocol and number", s.Name, p.Name, p.Protocol, p.Port, p.TargetPort.String(), dep.Name)
			}
			if p.Name == "n2" || p.Name == "n3" || p.Name == "n4" {
				found[p.Name] = p
			}
		}
	}
	want := map[string]corev1.ServicePort{
		"n2": {Protocol: corev1.ProtocolSCTP, Port: 38412},
		"n3": {Protocol: corev1.ProtocolUDP, Port: 2152},
	}
	for _, d := range deps {
		if !runs(d, "amf") && runs(d, "upf") {
			want["n4"] = corev1.ServicePort{Protocol: corev1.ProtocolUDP, Port: 8805}
		}
	}
	for name, w := range want {
		if f, ok := found[name]; !ok || f.Protocol != w.Protocol || f.Port != w.Port {
			t.Errorf("%s service port %+v, want %s %d", name, f, w.Protocol, w.Port)
		}
	}
}

func matches(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func checkServiceMonitors(t *testing.T, sms []*monitoringv1.ServiceMonitor, svcs []*corev1.Service, want bool) {
	t.Helper()
	if want != (len(sms) == 1) {
		t.Fatalf("%d ServiceMonitors, want one: %v", len(sms), want)
	}
	for _, sm := range sms {
		if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != "api" || sm.Spec.Endpoints[0].Path != "/metrics" {
			t.Errorf("ServiceMonitor endpoints %+v, want port api path /metrics", sm.Spec.Endpoints)
		}
		n := 0
		for _, s := range svcs {
			if matches(sm.Spec.Selector.MatchLabels, s.Labels) && slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == "api" }) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("ServiceMonitor selects no Service with an api port")
		}
	}
}

// checkConfig: the ConfigMap holds no secret, and keel serve accepts its
// configuration with each Deployment's command line, running the NFs
// the Deployment is named for.
func checkConfig(t *testing.T, cms []*corev1.ConfigMap, deps []*appsv1.Deployment) {
	t.Helper()
	if len(cms) != 1 {
		t.Fatalf("%d ConfigMaps, want 1", len(cms))
	}
	cm := cms[0]
	text, ok := cm.Data["keel.yaml"]
	if !ok || len(cm.Data) != 1 {
		t.Fatalf("ConfigMap %s holds %v, want keel.yaml alone", cm.Name, slices.Collect(maps.Keys(cm.Data)))
	}
	for _, word := range []string{"token", "password", "private_key", "signing_key: /"} {
		if strings.Contains(strings.ToLower(text), word) {
			t.Errorf("ConfigMap %s mentions %q: secrets go in Secrets\n%s", cm.Name, word, text)
		}
	}
	if strings.Contains(text, "postgres") && strings.Contains(text, ":5432") && strings.Contains(text, "@") {
		if i := strings.Index(text, "postgres://"); i >= 0 {
			userinfo, _, _ := strings.Cut(text[i+len("postgres://"):], "@")
			if strings.Contains(userinfo, ":") {
				t.Errorf("ConfigMap %s holds a store URL with a password", cm.Name)
			}
		}
	}
	cfgFile := filepath.Join(t.TempDir(), "keel.yaml")
	if err := os.WriteFile(cfgFile, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := loadConfig(cfgFile); err != nil {
		t.Fatalf("the rendered configuration does not load: %v\n%s", err, text)
	}
	for _, d := range deps {
		c := d.Spec.Template.Spec.Containers[0]
		args := slices.Clone(c.Args)
		if len(args) == 0 || args[0] != "serve" {
			t.Errorf("%s: args %v, want keel serve", d.Name, args)
			continue
		}
		for i, a := range args {
			a = strings.ReplaceAll(a, "$(POD_IP)", "10.1.2.3")
			if i > 0 && args[i-1] == "--config" {
				if !mountedAt(c, a, cm.Name, d) {
					t.Errorf("%s: --config %s is not where the ConfigMap is mounted", d.Name, a)
				}
				a = cfgFile
			}
			args[i] = a
		}
		nfs, err := serveNFs(args[1:])
		if err != nil {
			t.Errorf("%s: keel %s: %v", d.Name, strings.Join(c.Args, " "), err)
			continue
		}
		want := []string{d.Spec.Template.Labels["app.kubernetes.io/component"]}
		if want[0] == "all" {
			want = allNFs()
		}
		if !slices.Equal(nfs, want) {
			t.Errorf("%s: runs %v, want %v", d.Name, nfs, want)
		}
	}
}

// mountedAt reports whether path is the keel.yaml of ConfigMap cm as the
// container mounts it.
func mountedAt(c corev1.Container, path, cm string, d *appsv1.Deployment) bool {
	for _, m := range c.VolumeMounts {
		if filepath.Join(m.MountPath, "keel.yaml") != path {
			continue
		}
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.Name == m.Name && v.ConfigMap != nil && v.ConfigMap.Name == cm {
				return true
			}
		}
	}
	return false
}

// The chart refuses to render what would not run, naming the value.
func TestChartRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string
		vals map[string]any
		want string
	}{
		{"no admin token", "", nil, "adminToken.existingSecret"},
		{"split without shared keys", "values-split.yaml", map[string]any{"adminToken": map[string]any{"existingSecret": "a"}}, "homeNetworkKeys.existingSecret"},
		{"no persistence and no keys", "", map[string]any{"adminToken": map[string]any{"existingSecret": "a"}, "persistence": map[string]any{"enabled": false}}, "homeNetworkKeys.existingSecret"},
		{"store.url and no keys", "values-postgres.yaml", map[string]any{"adminToken": map[string]any{"existingSecret": "a"}}, "homeNetworkKeys.existingSecret"},
		{"split without N4 addresses", "values-split.yaml", merge(secrets, map[string]any{"n4": map[string]any{"upfAddress": ""}}), "n4.upfAddress"},
		{"a listener in config", "", merge(secrets, map[string]any{"config": map[string]any{"n2": map[string]any{"address": "1.2.3.4:38412"}}}), "config.n2: set by the chart"},
		{"a password in store.url", "", merge(secrets, map[string]any{"store": map[string]any{"url": "postgres://keel:hunter2@db/keel"}}), "store.url: holds a password"},
		{"two UDRs on SQLite", "values-split.yaml", merge(secrets, map[string]any{"nfs": map[string]any{"udr": map[string]any{"replicas": 2}}}), "nfs.udr.replicas: more than one UDR needs store.url"},
		{"unknown topology", "", merge(secrets, map[string]any{"topology": "mesh"}), `topology: want all-in-one or split, got "mesh"`},
		{"unknown NF", "values-split.yaml", merge(secrets, map[string]any{"nfs": map[string]any{"mme": map[string]any{}}}), "nfs.mme: not a network function"},
	} {
		_, err := render(t, userValues(t, tc.file, tc.vals))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: render = %v, want an error naming %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error quotes the password: %v", tc.name, err)
		}
	}
}

// Every values file of the chart is one the tests render.
func TestEveryValuesFileRendered(t *testing.T) {
	entries, err := os.ReadDir(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "values") && e.Name() != "values.yaml" && !slices.Contains(valuesFiles, e.Name()) {
			t.Errorf("%s is not in valuesFiles: the tests do not render it", e.Name())
		}
	}
}
