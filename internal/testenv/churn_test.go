package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/cli"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestChurn runs a few seconds of the churn soak (`keel sim --churn`): 20
// UEs cycle through registration, a PDU session, a ping and
// deregistration over two gNBs, each of which drops its association
// with an ABORT and reconnects with NG Setup every 2 s. No failure but
// those of cycles caught by a drop, every drop reconnected, no panic in
// the core, and the goroutines back near where they were before.
func TestChurn(t *testing.T) {
	sctptest.RequireNetNS(t)
	core, token := startCore(t)
	before := scrapeMetrics(t, core).sum("go_goroutines")

	var stdout, stderr bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string {
		switch k {
		case "KEEL_TOKEN":
			return token
		case "KEEL_API":
			return "http://" + core.HTTPAddr().String()
		}
		return ""
	}}
	code := cli.Main(context.Background(), env, []string{"sim", "--sctp", "userspace", "--json", "--churn",
		"--amf", core.N2Addr().String(), "--gnbs", "2", "--ues", "20", "--provision", "--pdu", "--ping", "10.45.0.1",
		"--duration", "8s", "--reconnect-every", "2s", "--timeout", "10s"})
	var sum cli.ChurnSummary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		t.Fatalf("keel sim --churn = exit %d, summary %q: %v\n%s", code, stdout.String(), err, stderr.String())
	}
	t.Logf("churn: %d cycles, %d reconnects, interrupted %v, unfinished %d, core %+v",
		sum.Cycles, sum.Reconnects, sum.Interrupted, sum.Unfinished, sum.Core)
	if code != 0 || sum.Unexpected() != 0 {
		t.Errorf("keel sim --churn = exit %d, unexpected failures %v\n%s", code, sum.Failures, stderr.String())
	}
	// Four drops per gNB are planned; a loaded machine may fit fewer.
	if sum.Cycles == 0 || sum.Reconnects < 2 || sum.Deregistrations != sum.Cycles || sum.PingReplies < sum.Cycles {
		t.Errorf("summary %+v: want completed cycles, each with its ping answered and its deregistration, and reconnections", sum.Summary)
	}
	if sum.Core == nil || sum.Core.End.Panics != 0 || len(sum.Core.Samples) == 0 || sum.Core.Max.Goroutines <= sum.Core.Start.Goroutines {
		t.Errorf("core figures %+v: want them, sampled during the run, with no panic", sum.Core)
	}
	if n := scrapeMetrics(t, core).sum("keel_panics_total"); n != 0 {
		t.Errorf("keel_panics_total = %v, want 0", n)
	}
	// The simulator runs in this process too: once it returned, the
	// goroutines of both come back near the count before the run.
	var after float64
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if after = scrapeMetrics(t, core).sum("go_goroutines"); after <= before+10 {
			return
		}
	}
	t.Errorf("go_goroutines = %v 15 s after the churn, %v before it", after, before)
}

// TestChurnReportsFailures runs the churn with UEs the core does not
// know: every registration fails on a gNB the run did not drop, so each
// failure counts as unexpected, by its 5GMM cause, and the run exits
// non-zero.
func TestChurnReportsFailures(t *testing.T) {
	sctptest.RequireNetNS(t)
	core, token := startCore(t)
	var stdout, stderr bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string {
		switch k {
		case "KEEL_TOKEN":
			return token
		case "KEEL_API":
			return "http://" + core.HTTPAddr().String()
		case "KEEL_K":
			return "465b5ce8b199b49faa5f0a2ee238a6bc"
		case "KEEL_OPC":
			return "cd63cb71954a9f4e48a5994e37a02baf"
		}
		return ""
	}}
	code := cli.Main(context.Background(), env, []string{"sim", "--sctp", "userspace", "--json", "--churn",
		"--amf", core.N2Addr().String(), "--gnbs", "2", "--ues", "4", "--suci", "null", "--imsi", "900",
		"--duration", "3s", "--reconnect-every", "0", "--timeout", "10s"})
	var sum cli.ChurnSummary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		t.Fatalf("keel sim --churn = exit %d, summary %q: %v\n%s", code, stdout.String(), err, stderr.String())
	}
	t.Logf("unknown UEs: failures %v", sum.Failures)
	if code == 0 || sum.Cycles != 0 || sum.Unexpected() == 0 || len(sum.Interrupted) != 0 || sum.Reconnects != 0 {
		t.Errorf("keel sim --churn with unknown UEs = exit %d, %+v; want non-zero, no cycle, only unexpected failures", code, sum.Summary)
	}
	for cause := range sum.Failures {
		if !strings.HasPrefix(cause, "5gmm-cause-") {
			t.Errorf("failure cause %q, want a 5GMM cause", cause)
		}
	}
}
