package bench

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/secret"
)

// TestCoreConfig checks that the bench's core runs the defaults with only
// its data directory and two listeners moved.
func TestCoreConfig(t *testing.T) {
	httpAddr, n2Addr := netip.MustParseAddrPort("127.0.0.1:40001"), netip.MustParseAddrPort("127.0.0.1:40002")
	dataDir := "/tmp/keel bench: 1/data"
	b, err := coreConfig(coreKeys{DataDir: dataDir, HTTP: httpAddr, N2: n2Addr}, config.Default().DNNs[0].IPv4Pool)
	if err != nil {
		t.Fatalf("coreConfig = %v", err)
	}
	got, err := config.Parse(b)
	if err != nil {
		t.Fatalf("config.Parse(coreConfig) = %v\n%s", err, b)
	}
	want := config.Default()
	want.DataDir, want.HTTP.Address, want.N2.Address = dataDir, httpAddr, n2Addr
	if diff := cmp.Diff(want, got, cmpopts.EquateComparable(netip.Addr{}, netip.AddrPort{}, netip.Prefix{})); diff != "" {
		t.Errorf("the core's configuration differs from the defaults (-want +got):\n%s", diff)
	}
}

func TestFreeLoopbackPorts(t *testing.T) {
	got, err := freeLoopbackPorts(2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] == got[1] || !got[0].Addr().IsLoopback() || got[0].Port() == 0 {
		t.Errorf("freeLoopbackPorts(2) = %v, want two distinct loopback ports", got)
	}
}

func TestSimArgs(t *testing.T) {
	c := &core{api: "http://127.0.0.1:40001", n2: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:40002")}, tokenFile: "/tmp/b/data/admin-token"}
	var k, opc secret.Key128
	k[0], opc[15] = 0xaa, 0xbb
	o := Options{Exe: "keel", GNBs: 4, Concurrency: 64, Rate: 1500.5, PDU: true, Ping: "10.45.0.1"}
	cmd := execSim(context.Background(), o, c, 1000, k, opc)
	got := cmd.Args[1:]
	want := []string{"sim",
		"--amf", "127.0.0.1:40002", "--api", "http://127.0.0.1:40001", "--token-file", "/tmp/b/data/admin-token",
		"--plmn", "00101", "--imsi", "1",
		"--ues", "1000",
		"--gnbs", "4", "--concurrency", "64", "--progress=false", "--json",
		"--rate", "1500.5", "--pdu", "--ping", "10.45.0.1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("simArgs differ (-want +got):\n%s", diff)
	}
	// The keys are in the child's environment, never on its command line.
	for _, kv := range []string{"KEEL_K=aa000000000000000000000000000000", "KEEL_OPC=000000000000000000000000000000bb"} {
		if !slices.Contains(cmd.Env, kv) {
			t.Errorf("sim environment lacks %s", kv)
		}
	}
	for _, a := range cmd.Args {
		if strings.Contains(a, k.Hex()) || strings.Contains(a, opc.Hex()) {
			t.Errorf("a key is on the sim's command line: %q", a)
		}
	}
	got = simArgs(Options{GNBs: 4, Concurrency: 64}, c, 1000)
	if diff := cmp.Diff(want[:len(want)-5], got); diff != "" {
		t.Errorf("simArgs without --rate, --pdu and --ping differ (-want +got):\n%s", diff)
	}
	got = simArgs(Options{GNBs: 4, Concurrency: 64, PDU: true, Idle: true, Paging: true}, c, 1000)
	if diff := cmp.Diff(append(want[:len(want)-5:len(want)-5], "--pdu", "--idle", "--paging"), got); diff != "" {
		t.Errorf("simArgs with --idle and --paging differ (-want +got):\n%s", diff)
	}
}

func TestSUPI(t *testing.T) {
	// keel sim --plmn 00101 --imsi 1 numbers its UEs from MSIN 1 in 10
	// digits.
	if got, want := supi(0), "imsi-001010000000001"; got != want {
		t.Errorf("supi(0) = %q, want %q", got, want)
	}
	if got, want := supi(99999), "imsi-001010000100000"; got != want {
		t.Errorf("supi(99999) = %q, want %q", got, want)
	}
}

func TestUEPool(t *testing.T) {
	for n, want := range map[int]string{
		1:         "10.45.0.0/16",
		65533:     "10.45.0.0/16",
		65534:     "10.44.0.0/15",
		100000:    "10.44.0.0/15",
		1_000_000: "10.32.0.0/12",
	} {
		if got := uePool(n); got.String() != want {
			t.Errorf("uePool(%d) = %s, want %s", n, got, want)
		}
	}
}

// TestCoreConfigWidePool checks that a step with more UEs than the
// default pool holds changes that pool alone.
func TestCoreConfigWidePool(t *testing.T) {
	httpAddr, n2Addr := netip.MustParseAddrPort("127.0.0.1:40001"), netip.MustParseAddrPort("127.0.0.1:40002")
	pool := netip.MustParsePrefix("10.44.0.0/15")
	b, err := coreConfig(coreKeys{DataDir: "/tmp/b/data", HTTP: httpAddr, N2: n2Addr}, pool)
	if err != nil {
		t.Fatalf("coreConfig = %v", err)
	}
	got, err := config.Parse(b)
	if err != nil {
		t.Fatalf("config.Parse(coreConfig) = %v\n%s", err, b)
	}
	want := config.Default()
	want.DataDir, want.HTTP.Address, want.N2.Address = "/tmp/b/data", httpAddr, n2Addr
	want.DNNs[0].IPv4Pool = pool
	if diff := cmp.Diff(want, got, cmpopts.EquateComparable(netip.Addr{}, netip.AddrPort{}, netip.Prefix{})); diff != "" {
		t.Errorf("the core's configuration differs (-want +got):\n%s", diff)
	}
}
