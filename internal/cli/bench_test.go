package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/bench"
)

func TestBenchOptions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bench.Options
		json bool
	}{
		{
			args: nil,
			want: bench.Options{UEs: []int{1000, 10000, 100000}, GNBs: 10, Concurrency: 256, PDU: true, StepTimeout: 30 * time.Minute, Rounds: 1},
		},
		{
			args: []string{"--ues", "5000", "--gnbs", "4", "--concurrency", "64", "--rate", "1500", "--pdu=false", "--timeout", "2m", "--keep", "--json"},
			want: bench.Options{UEs: []int{5000}, GNBs: 4, Concurrency: 64, Rate: 1500, StepTimeout: 2 * time.Minute, Keep: true, Rounds: 1},
			json: true,
		},
		{
			// --ping implies --pdu, as in keel sim.
			args: []string{"--ues", " 10, 20 ,30", "--pdu=false", "--ping", "10.45.0.1"},
			want: bench.Options{UEs: []int{10, 20, 30}, GNBs: 10, Concurrency: 256, PDU: true, Ping: "10.45.0.1", StepTimeout: 30 * time.Minute, Rounds: 1},
		},
		{
			// --paging implies --pdu too.
			args: []string{"--ues", "1000", "--pdu=false", "--idle", "--paging"},
			want: bench.Options{UEs: []int{1000}, GNBs: 10, Concurrency: 256, PDU: true, Idle: true, Paging: true, StepTimeout: 30 * time.Minute, Rounds: 1},
		},
		{
			// An AMF set ladder on a PostgreSQL server.
			args: []string{"--amfs", "1, 2,3", "--ues", "10000", "--store-url", "postgres://keel:secret@db/postgres?sslmode=disable"},
			want: bench.Options{UEs: []int{10000}, GNBs: 10, Concurrency: 256, PDU: true, AMFs: []int{1, 2, 3},
				StoreURL: "postgres://keel:secret@db/postgres?sslmode=disable", StepTimeout: 30 * time.Minute, Rounds: 1},
		},
		{
			// --store-url alone puts the all-in-one core on PostgreSQL.
			args: []string{"--ues", "100", "--split", "--store-url", "postgresql://keel@10.0.0.1/postgres"},
			want: bench.Options{UEs: []int{100}, GNBs: 10, Concurrency: 256, PDU: true, Split: true,
				StoreURL: "postgresql://keel@10.0.0.1/postgres", StepTimeout: 30 * time.Minute, Rounds: 1},
		},
		{
			// Rounds of the split comparison.
			args: []string{"--ues", "10000", "--split", "--rounds", "3"},
			want: bench.Options{UEs: []int{10000}, GNBs: 10, Concurrency: 256, PDU: true, Split: true, Rounds: 3, StepTimeout: 30 * time.Minute},
		},
	} {
		env := Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Getenv: func(string) string { return "" }}
		got, gotJSON, err := benchOptions(env, tc.args)
		if err != nil {
			t.Errorf("benchOptions(%q) = %v", tc.args, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" || gotJSON != tc.json {
			t.Errorf("benchOptions(%q): json %v, want %v; options differ (-want +got):\n%s", tc.args, gotJSON, tc.json, diff)
		}
	}
}

func TestBenchFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--ues", ""}, "--ues"},
		{[]string{"--ues", "1000,,2000"}, "--ues"},
		{[]string{"--ues", "0"}, "--ues"},
		{[]string{"--ues", "-5"}, "--ues"},
		{[]string{"--ues", "1e3"}, "--ues"},
		{[]string{"--ues", "1000001"}, "--ues"},
		{[]string{"--gnbs", "0"}, "--gnbs"},
		{[]string{"--gnbs", "65536"}, "--gnbs"},
		{[]string{"--concurrency", "0"}, "--concurrency"},
		{[]string{"--rate", "-1"}, "--rate"},
		{[]string{"--timeout", "0s"}, "--timeout"},
		{[]string{"--ping", "fd00::1"}, "--ping"},
		{[]string{"--ping", "upf"}, "--ping"},
		{[]string{"--amfs", "0"}, "--amfs"},
		{[]string{"--amfs", "64"}, "--amfs"},
		{[]string{"--amfs", "1,,2"}, "--amfs"},
		{[]string{"--amfs", "two"}, "--amfs"},
		{[]string{"--amfs", "1,2", "--split"}, "--amfs with --split"},
		{[]string{"--split", "--rounds", "0"}, "--rounds 0: want 1 or more"},
		{[]string{"--rounds", "3"}, "--rounds 3 without --split"},
		{[]string{"--store-url", "mysql://keel:s3cret@db/keel"}, "--store-url"},
		{[]string{"--store-url", "postgres://keel:s3cret@/keel"}, "--store-url: no host"},
		{[]string{"--bogus"}, "bogus"},
		{[]string{"extra"}, "no arguments"},
	} {
		var stdout, stderr bytes.Buffer
		env := Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
		code := Main(context.Background(), env, append([]string{"bench"}, tc.args...))
		if code != ExitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("keel bench %q = exit %d, stderr %q; want exit %d naming %s", tc.args, code, stderr.String(), ExitUsage, tc.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("keel bench %q printed a report on a usage error: %q", tc.args, stdout.String())
		}
		if strings.Contains(stderr.String(), "s3cret") {
			t.Errorf("keel bench %q quotes the store URL's password: %q", tc.args, stderr.String())
		}
	}
}

func TestBenchHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	env := Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	if code := Main(context.Background(), env, []string{"bench", "-h"}); code != ExitOK {
		t.Errorf("keel bench -h = exit %d, want %d", code, ExitOK)
	}
	if !strings.Contains(stderr.String(), "CAP_NET_ADMIN") || !strings.Contains(stderr.String(), "-ues") || !strings.Contains(stderr.String(), "does not combine with --split") {
		t.Errorf("keel bench -h says %q, want the flags and the CAP_NET_ADMIN caveat", stderr.String())
	}
}

// TestBenchReadsSimSummary holds the bench's reading of `keel sim --json`
// to what the simulator writes: the two are decoded apart on purpose, so
// a renamed field must fail here.
func TestBenchReadsSimSummary(t *testing.T) {
	sum := SimSummary{
		GNBs: 4, NGSetupOK: 3, Failed: 3, GNBsFailed: 1,
		Failures:  map[string]int{"timeout": 1, "ue 5gsm-cause-26": 2},
		DurationS: 1.5, SCTP: "userspace",
		UEs: 100, Registered: 99, UEsFailed: 2, Sessions: 97, PingSent: 97, PingReplies: 97,
		RatePerS: 66, SessionsPerS: 64.7,
		LatencyMS: &Latency{P50: 1, P95: 2, P99: 3},
		Procedures: map[string]ProcedureStats{
			"registration": {P50: 1, P95: 2, P99: 3, Count: 99},
			"pdu_session":  {P50: 4, P95: 5, P99: 6, Count: 97},
		},
		AMFs: []SimAMF{{Addr: "127.0.0.1:40004", Name: "keel-amf-1", GNBsUp: 4, SetUps: 4, InitialUEMessages: 60},
			{Addr: "127.0.0.1:40007", Name: "keel-amf-2", GNBsUp: 3, SetUps: 4, InitialUEMessages: 41}},
	}
	b, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	got, err := bench.DecodeSimResult(b)
	if err != nil {
		t.Fatalf("bench.DecodeSimResult(keel sim --json) = %v", err)
	}
	want := bench.SimResult{
		GNBs: 4, NGSetupOK: 3, Failed: 3, GNBsFailed: 1,
		Failures:  map[string]int{"timeout": 1, "ue 5gsm-cause-26": 2},
		DurationS: 1.5, SCTP: "userspace",
		UEs: 100, Registered: 99, UEsFailed: 2, Sessions: 97, PingSent: 97, PingReplies: 97,
		RatePerS: 66, SessionsPerS: 64.7,
		LatencyMS: &bench.Percentiles{P50: 1, P95: 2, P99: 3},
		Procedures: map[string]bench.Percentiles{
			bench.ProcRegistration: {P50: 1, P95: 2, P99: 3, Count: 99},
			bench.ProcPDUSession:   {P50: 4, P95: 5, P99: 6, Count: 97},
		},
		AMFs: []bench.SimAMF{{Addr: "127.0.0.1:40004", Name: "keel-amf-1", InitialUEMessages: 60},
			{Addr: "127.0.0.1:40007", Name: "keel-amf-2", InitialUEMessages: 41}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the bench reads keel sim --json differently (-want +got):\n%s", diff)
	}
}
