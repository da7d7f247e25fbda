package cli

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/config"
)

// keel serve's topology flags override their configuration keys, and
// what is wrong with them is named: the flag for its syntax, the key for
// what the configuration as a whole refuses.
func TestServeTopologyFlags(t *testing.T) {
	cfg := config.Default()
	err := serveFlags(&cfg, serveOverrides{NF: "amf, smf,upf", SBI: "10.0.0.1:7777", NRF: "http://10.0.0.9:7777", API: "127.0.0.1:9090"})
	if err != nil {
		t.Fatalf("serveFlags: %v", err)
	}
	if diff := cmp.Diff([]string{"amf", "smf", "upf"}, cfg.NFs); diff != "" {
		t.Errorf("nfs (-want +got):\n%s", diff)
	}
	if cfg.SBI.Address != netip.MustParseAddrPort("10.0.0.1:7777") || cfg.SBI.NRF != "http://10.0.0.9:7777" || cfg.HTTP.Address != netip.MustParseAddrPort("127.0.0.1:9090") {
		t.Errorf("sbi %+v, http %v: flags not applied", cfg.SBI, cfg.HTTP.Address)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate after the flags: %v", err)
	}
	radio := config.Default()
	if err := serveFlags(&radio, serveOverrides{N2: "0.0.0.0:38412", N3: "10.1.2.3:2152", N4: "10.1.2.3:8805"}); err != nil {
		t.Fatalf("serveFlags --n2 --n3 --n4: %v", err)
	}
	if radio.N2.Address != netip.MustParseAddrPort("0.0.0.0:38412") || radio.N3.Address != netip.MustParseAddrPort("10.1.2.3:2152") || radio.N4.Address != netip.MustParseAddrPort("10.1.2.3:8805") {
		t.Errorf("n2 %v, n3 %v, n4 %v: --n2, --n3, --n4 not applied", radio.N2.Address, radio.N3.Address, radio.N4.Address)
	}
	all := config.Default()
	all.NFs = []string{"udr"}
	if err := serveFlags(&all, serveOverrides{NF: "all"}); err != nil || !all.AllInOne() {
		t.Errorf("--nf all: nfs %v, err %v; want every NF", all.NFs, err)
	}

	for _, tc := range []struct {
		o    serveOverrides
		want string
	}{
		{serveOverrides{NF: "amf,mme"}, `--nf "amf,mme": "mme" is not a network function`},
		{serveOverrides{NF: "amf,amf"}, `--nf "amf,amf": amf is given twice`},
		{serveOverrides{NF: ""}, ""},
		{serveOverrides{SBI: "localhost:7777"}, `--sbi "localhost:7777": want an IP address and port`},
		{serveOverrides{API: "8080"}, `--api "8080": want an IP address and port`},
		{serveOverrides{N2: "gnb-facing:38412"}, `--n2 "gnb-facing:38412": want an IP address and port`},
		{serveOverrides{N3: "10.0.0.1"}, `--n3 "10.0.0.1": want an IP address and port`},
		{serveOverrides{N4: ":8805"}, `--n4 ":8805": want an IP address and port`},
	} {
		c := config.Default()
		err := serveFlags(&c, tc.o)
		if tc.want == "" {
			if err != nil {
				t.Errorf("serveFlags(%+v) = %v, want no error", tc.o, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serveFlags(%+v) = %v, want %q", tc.o, err, tc.want)
		}
	}
}

// A process that does not run the NRF and is not told where it is stops
// before it starts anything, naming the key and the flag.
func TestServeNeedsNRF(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--nf", "amf,smf", "--data", t.TempDir()},
		{"serve", "--nf", "udm", "--data", t.TempDir(), "--nrf", "nrf.example:7777"},
	} {
		var stdout, stderr bytes.Buffer
		env := Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
		if code := Main(context.Background(), env, args); code != ExitUsage {
			t.Errorf("keel %v: exit %d, want %d (stderr %q)", args, code, ExitUsage, stderr.String())
		}
		if !strings.Contains(stderr.String(), "sbi.nrf") {
			t.Errorf("keel %v: stderr %q, want it to name sbi.nrf", args, stderr.String())
		}
	}
	var stderr bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &stderr, Getenv: func(string) string { return "" }}
	Main(context.Background(), env, []string{"serve", "--nf", "amf", "--data", t.TempDir()})
	if !strings.Contains(stderr.String(), "--nrf") {
		t.Errorf("keel serve --nf amf: stderr %q, want it to name --nrf", stderr.String())
	}
}
