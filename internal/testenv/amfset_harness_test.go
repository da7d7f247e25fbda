package testenv

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/api/client"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sctp/sctptest"
	"github.com/keelcore/keel/internal/sctp/userspace"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/ue"
	"github.com/keelcore/keel/internal/store/postgres/pgtest"
)

// amfSet is an AMF set of two AMF processes (TS 23.501 §5.21): keel-amf-a
// and keel-amf-b, region 1, set 1, pointers 1 and 2, each the other's
// backup AMF name, sharing a PostgreSQL store (store.url) with the other
// network functions, each in a process of its own; and a gNB connected
// to both.
type amfSet struct {
	c     *splitCore
	url   string
	a, b  *nfProc
	g     *gnb.GNB
	admin *client.Client
}

// startAMFSet starts the set and its gNB, whose transport probes a
// silent peer every 200 ms and declares it down after 2 s: a killed AMF
// sends no ABORT.
func startAMFSet(ctx context.Context, t *testing.T) *amfSet {
	t.Helper()
	sctptest.RequireNetNS(t)
	url := pgtest.NewDatabase(t)
	c := newSplitCore(t)
	if err := os.WriteFile(filepath.Join(c.dir, "keel.yaml"), []byte("n2:\n  sctp: userspace\n"+
		"amf:\n  ciphering: [NEA0]\nstore:\n  url: "+url+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	amfCfg := func(name, backup string, pointer int, n2 string) string {
		p := filepath.Join(c.dir, name+".yaml")
		cfg := fmt.Sprintf("n2:\n  sctp: userspace\n  address: %s\n"+
			"amf:\n  ciphering: [NEA0]\n  name: %s\n  region_id: 1\n  set_id: 1\n  pointer: %d\n  backup_amf_name: %s\n"+
			"store:\n  url: %s\n", n2, name, pointer, backup, url)
		if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	n2a, n2b := config.Default().N2.Address.String(), "127.0.0.2:38412"
	for _, nf := range config.NFNames() {
		if nf == "amf" {
			continue
		}
		c.start(nf, nf)
	}
	for _, nfType := range []string{"UDR", "UDM", "AUSF", "PCF", "SMF"} {
		c.waitListed(nfType, 1)
	}
	s := &amfSet{c: c, url: url}
	s.a = c.start("amf", "amf", "--config", amfCfg("keel-amf-a", "keel-amf-b", 1, n2a))
	s.b = c.start("amf2", "amf", "--config", amfCfg("keel-amf-b", "keel-amf-a", 2, n2b))
	c.waitListed("AMF", 2)
	s.admin = client.New("http://"+c.procs["udr"].api.String(), secret.Token(c.token()))

	tr, err := userspace.New(userspace.Options{Logger: slog.New(slog.DiscardHandler),
		HeartbeatInterval: 200 * time.Millisecond, PeerTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	cfg := simGNB(1)
	cfg.N3 = netip.MustParseAddr("127.0.0.2")
	s.g, err = gnb.ConnectAMFs(ctx, tr, []netip.AddrPort{netip.MustParseAddrPort(n2a), netip.MustParseAddrPort(n2b)}, cfg, nil)
	if err != nil {
		t.Fatalf("gNB facing both AMFs: %v", err)
	}
	t.Cleanup(func() { s.g.Close() })
	return s
}

// subscribers provisions n subscribers, SUPIs from first on, and returns
// their UEs, each asking for follow-on (its connection kept after the
// registration).
func (s *amfSet) subscribers(ctx context.Context, t *testing.T, first, n int) []*ue.UE {
	t.Helper()
	ues := make([]*ue.UE, n)
	for i := range ues {
		supi := fmt.Sprintf("imsi-00101%010d", first+i)
		k, opc := secret.RandomKey128(), secret.RandomKey128()
		kh, opch := k.Hex(), opc.Hex()
		if _, err := s.admin.CreateSubscriber(ctx, api.SubscriberRequest{SUPI: &supi, K: &kh, OPc: &opch}); err != nil {
			t.Fatal(err)
		}
		u, err := ue.New(ue.Config{SUPI: supi, MCC: "001", MNC: "01", K: k, OPc: opc, Scheme: ue.SchemeNull,
			SNSSAIs: []ident.SNSSAI{{SST: 1}}, FollowOnRequest: true})
		if err != nil {
			t.Fatal(err)
		}
		ues[i] = u
	}
	return ues
}

// killB kills keel-amf-b (SIGKILL) and waits until the gNB has found its
// association gone.
func (s *amfSet) killB(t *testing.T) {
	t.Helper()
	s.b.kill()
	for deadline := time.Now().Add(30 * time.Second); s.g.AMFs()[1].Up; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the gNB still has keel-amf-b's association up 30 s after the kill")
		}
	}
}
