package cli

import (
	"bytes"
	"context"
	"flag"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/sqlite"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// apiServer starts a management API on a fresh store and returns an Env
// pointing the CLI at it.
func apiServer(t *testing.T) (Env, *bytes.Buffer, *bytes.Buffer, store.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "keel.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	env, stdout, stderr := apiEnv(t, api.Options{
		Store: st,
		Defaults: api.Defaults{
			AMF: [2]byte{0x80, 0}, UEAMBR: store.AMBR{Uplink: 1e9, Downlink: 1e9},
			SessionAMBR: store.AMBR{Uplink: 1e9, Downlink: 1e9}, FiveQI: 9, ARPPriority: 8,
			NSSAI: []ident.SNSSAI{{SST: 1}}, DNNs: []string{"internet"},
		},
	})
	return env, stdout, stderr, st
}

// apiEnv starts a management API with o, its token and logger filled in,
// and returns an Env pointing the CLI at it.
func apiEnv(t *testing.T, o api.Options) (Env, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	tok := secret.NewToken()
	o.Token, o.Logger = tok, slog.New(slog.DiscardHandler)
	s, err := api.New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	var stdout, stderr bytes.Buffer
	env := Env{
		Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string {
			switch k {
			case "KEEL_API":
				return srv.URL
			case "KEEL_TOKEN":
				return tok.Reveal()
			}
			return ""
		},
	}
	return env, &stdout, &stderr
}

func golden(t *testing.T, name string, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", path, diff)
	}
}

// TestSubscriberCommands runs a session of subscriber commands and checks
// the transcript of what they print against a golden file.
func TestSubscriberCommands(t *testing.T) {
	for _, mode := range []string{"table", "json"} {
		t.Run(mode, func(t *testing.T) {
			env, stdout, stderr, _ := apiServer(t)
			tmp := t.TempDir()
			csvPath := filepath.Join(tmp, "subs.csv")
			os.WriteFile(csvPath, []byte("supi,k,opc,sst,sd,dnn,5qi\n"+
				"imsi-001010000000010,465b5ce8b199b49faa5f0a2ee238a6bc,cd63cb71954a9f4e48a5994e37a02baf,1,000001,ims,5\n"+
				"imsi-001010000000011,465b5ce8b199b49faa5f0a2ee238a6bc,cd63cb71954a9f4e48a5994e37a02baf,1,,internet,\n"), 0o600)
			badCSV := filepath.Join(tmp, "bad.csv")
			os.WriteFile(badCSV, []byte("supi,k,opc\nimsi-001010000000020,00,cd63cb71954a9f4e48a5994e37a02baf\nimsi-1,465b5ce8b199b49faa5f0a2ee238a6bc,cd63cb71954a9f4e48a5994e37a02baf\n"), 0o600)
			script := [][]string{
				{"subscriber", "add", "--supi", "imsi-001010000000001", "--k", "465b5ce8b199b49faa5f0a2ee238a6bc", "--opc", "cd63cb71954a9f4e48a5994e37a02baf"},
				{"subscriber", "add", "--supi", "imsi-001010000000002", "--k", "465b5ce8b199b49faa5f0a2ee238a6bc", "--op", "cdc202d5123e20f62b6d676ac72cb318", "--nssai", "1,2:00000a", "--dnns", "internet,ims", "--5qi", "8", "--ue-ambr-uplink", "50 Mbps", "--ue-ambr-downlink", "200 Mbps"},
				{"subscriber", "add", "--supi", "imsi-001010000000001", "--k", "465b5ce8b199b49faa5f0a2ee238a6bc", "--opc", "cd63cb71954a9f4e48a5994e37a02baf"},
				{"subscriber", "add", "--supi", "imsi-001010000000003"},
				{"subscriber", "import", csvPath},
				{"subscriber", "import", badCSV},
				{"subscriber", "update", "imsi-001010000000001", "--dnns", "internet", "--session-ambr-uplink", "10 Mbps", "--session-ambr-downlink", "20 Mbps"},
				{"subscriber", "list"},
				{"subscriber", "list", "--limit", "2"},
				{"subscriber", "update", "imsi-001010000000002", "--default-nssai", "3"},
				{"subscriber", "update", "imsi-001010000000002", "--default-nssai", "2:00000A"},
				{"subscriber", "show", "imsi-001010000000002"},
				{"subscriber", "delete", "imsi-001010000000011"},
				{"subscriber", "show", "imsi-001010000000011"},
				{"subscriber", "frobnicate"},
			}
			golden(t, "subscriber_"+mode, strings.ReplaceAll(runScript(env, stdout, stderr, mode, script), tmp, "$TMP"))
		})
	}
}

// TestRandomKeys checks that --random-keys stores what it prints.
func TestRandomKeys(t *testing.T) {
	env, stdout, stderr, st := apiServer(t)
	code := Main(context.Background(), env, []string{"subscriber", "add", "--supi", "imsi-001010000000001", "--random-keys"})
	if code != 0 {
		t.Fatalf("add --random-keys = exit %d: %s", code, stderr)
	}
	var k, opc string
	for _, line := range strings.Split(stdout.String(), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "K" {
			k = f[1]
		}
		if len(f) == 2 && f[0] == "OPc" {
			opc = f[1]
		}
	}
	sub, err := st.GetSubscriber(context.Background(), "imsi-001010000000001")
	if err != nil {
		t.Fatal(err)
	}
	if k == "" || sub.Auth.K.Hex() != k || sub.Auth.OPc.Hex() != opc || sub.Auth.OPIsOP {
		t.Errorf("printed K %q OPc %q do not match the stored keys", k, opc)
	}
	stdout.Reset()
	Main(context.Background(), env, []string{"subscriber", "add", "--supi", "imsi-001010000000002", "--random-keys"})
	if strings.Contains(stdout.String(), k) {
		t.Error("two --random-keys subscribers got the same K")
	}
}

func TestUsageErrors(t *testing.T) {
	env, _, stderr, _ := apiServer(t)
	tests := []struct {
		args []string
		want int
	}{
		{[]string{}, ExitUsage},
		{[]string{"frobnicate"}, ExitUsage},
		{[]string{"subscriber", "add", "--supi"}, ExitUsage},
		{[]string{"subscriber", "add", "--supi", "imsi-001010000000001", "--random-keys", "--k", "00"}, ExitUsage},
		{[]string{"subscriber", "show"}, ExitUsage},
		{[]string{"subscriber", "import", "x.txt"}, ExitUsage},
		{[]string{"subscriber", "update", "imsi-001010000000001"}, ExitUsage},
		{[]string{"subscriber", "add", "--supi", "imsi-001010000000001", "--random-keys", "--default-nssai", "1"}, ExitUsage},
		{[]string{"config"}, ExitUsage},
		{[]string{"config", "check", "testdata/does-not-exist.yaml"}, ExitUsage},
		{[]string{"version"}, ExitOK},
		{[]string{"help"}, ExitOK},
	}
	for _, tt := range tests {
		stderr.Reset()
		if got := Main(context.Background(), env, tt.args); got != tt.want {
			t.Errorf("keel %s = exit %d, want %d (stderr %q)", strings.Join(tt.args, " "), got, tt.want, stderr)
		}
	}
}

// keel sim takes the UEs' keys from $KEEL_K and $KEEL_OPC when the flags
// are left out, so that they need not be on the command line.
func TestSimKeysFromEnvironment(t *testing.T) {
	env, _, stderr, _ := apiServer(t)
	getenv := env.Getenv
	env.Getenv = func(k string) string {
		switch k {
		case "KEEL_K":
			return "465b5ce8b199b49faa5f0a2ee238a6bc"
		case "KEEL_OPC":
			return "cd63cb71954a9f4e48a5994e37a02baf"
		}
		return getenv(k)
	}
	// With keys from the environment, --provision (which makes its own)
	// is a contradiction the command names.
	if got := Main(context.Background(), env, []string{"sim", "--ues", "1", "--provision"}); got != ExitUsage || !strings.Contains(stderr.String(), "KEEL_K") {
		t.Errorf("sim --provision with $KEEL_K set = exit %d (stderr %q), want a usage error naming KEEL_K", got, stderr)
	}
	stderr.Reset()
	env.Getenv = getenv
	if got := Main(context.Background(), env, []string{"sim", "--ues", "1", "--suci", "null"}); got != ExitUsage || !strings.Contains(stderr.String(), "KEEL_OPC") {
		t.Errorf("sim --ues without keys = exit %d (stderr %q), want a usage error naming the flags and KEEL_OPC", got, stderr)
	}
}

func shellQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = a
		if strings.ContainsAny(a, " \"'") {
			q[i] = strconv.Quote(a)
		}
	}
	return strings.Join(q, " ")
}

// --idle and --paging run on registered UEs, and not in a churn soak.
func TestSimIdleFlags(t *testing.T) {
	env, _, stderr, _ := apiServer(t)
	for _, args := range [][]string{
		{"sim", "--idle"},
		{"sim", "--paging"},
		{"sim", "--ues", "1", "--idle", "--churn"},
	} {
		stderr.Reset()
		if got := Main(context.Background(), env, args); got != ExitUsage || !strings.Contains(stderr.String(), "--idle and --paging") {
			t.Errorf("%s = exit %d (stderr %q), want a usage error", shellQuote(args), got, stderr)
		}
	}
}

// --pdu-type takes ipv4, ipv6 or ipv4v6, and --ping and --paging (IPv4)
// need IPv4.
func TestSimPDUTypeFlag(t *testing.T) {
	env, _, stderr, _ := apiServer(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"sim", "--ues", "1", "--k", strings.Repeat("0", 32), "--opc", strings.Repeat("0", 32), "--pdu", "--pdu-type", "ethernet"}, `--pdu-type "ethernet"`},
		{[]string{"sim", "--ues", "1", "--k", strings.Repeat("0", 32), "--opc", strings.Repeat("0", 32), "--pdu-type", "ipv6", "--ping", "10.45.0.1"}, "it needs --pdu-type ipv4 or ipv4v6"},
		{[]string{"sim", "--ues", "1", "--k", strings.Repeat("0", 32), "--opc", strings.Repeat("0", 32), "--pdu-type", "ipv6", "--paging"}, "--paging sends IPv4 downlink"},
	} {
		stderr.Reset()
		if got := Main(context.Background(), env, tt.args); got != ExitUsage || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%s = exit %d (stderr %q), want a usage error naming %s", shellQuote(tt.args), got, stderr, tt.want)
		}
	}
}

// --handover takes xn or n2 and needs
// two gNBs and UEs; it does not go with the idle-mode passes.
func TestSimHandoverFlag(t *testing.T) {
	env, _, stderr, _ := apiServer(t)
	keys := []string{"--k", strings.Repeat("0", 32), "--opc", strings.Repeat("0", 32)}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{append([]string{"sim", "--gnbs", "2", "--ues", "1", "--handover", "x2"}, keys...), `--handover "x2": want xn or n2`},
		{append([]string{"sim", "--ues", "1", "--handover", "n2"}, keys...), "--gnbs 2 or more"},
		{append([]string{"sim", "--gnbs", "2", "--ues", "1", "--handover", "n2", "--paging"}, keys...), "does not go with --idle"},
		{append([]string{"sim", "--ues", "1", "--handover", "xn"}, keys...), "--gnbs 2 or more"},
		{[]string{"sim", "--gnbs", "2", "--handover", "xn"}, "--gnbs 2 or more and --ues"},
		{append([]string{"sim", "--gnbs", "2", "--ues", "1", "--handover", "xn", "--idle"}, keys...), "does not go with --idle"},
	} {
		stderr.Reset()
		if got := Main(context.Background(), env, tt.args); got != ExitUsage || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%s = exit %d (stderr %q), want a usage error naming %s", shellQuote(tt.args), got, stderr, tt.want)
		}
	}
}
