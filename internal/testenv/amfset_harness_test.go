package testenv

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
// sends no ABORT. With slowB, keel-amf-b reaches the store through a
// link that delays every byte by slowB each way, as a database a network
// away would (slowLink).
func startAMFSet(ctx context.Context, t *testing.T, slowB time.Duration) *amfSet {
	t.Helper()
	sctptest.RequireNetNS(t)
	url := pgtest.NewDatabase(t)
	urlB := url
	if slowB > 0 {
		urlB = slowStore(t, url, slowB)
	}
	c := newSplitCore(t)
	if err := os.WriteFile(filepath.Join(c.dir, "keel.yaml"), []byte("n2:\n  sctp: userspace\n"+
		"amf:\n  ciphering: [NEA0]\nstore:\n  url: "+url+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	amfCfg := func(name, backup string, pointer int, n2, url string) string {
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
	s.a = c.start("amf", "amf", "--config", amfCfg("keel-amf-a", "keel-amf-b", 1, n2a, url))
	s.b = c.start("amf2", "amf", "--config", amfCfg("keel-amf-b", "keel-amf-a", 2, n2b, urlB))
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

// slowStore returns the URL of the PostgreSQL database at rawURL through
// a slowLink delaying each way by delay: a Unix socket directory of its
// own for a server reached by one (pgtest's), else a loopback port.
func slowStore(t *testing.T, rawURL string, delay time.Duration) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if dir := q.Get("host"); strings.HasPrefix(dir, "/") {
		port := q.Get("port")
		if port == "" {
			port = "5432"
		}
		proxy := t.TempDir()
		slowLink(t, "unix", filepath.Join(proxy, ".s.PGSQL."+port), filepath.Join(dir, ".s.PGSQL."+port), delay)
		q.Set("host", proxy)
		u.RawQuery = q.Encode()
		return u.String()
	}
	target := u.Host
	if _, _, err := net.SplitHostPort(target); err != nil {
		target = net.JoinHostPort(target, "5432")
	}
	ln := slowLink(t, "tcp", "127.0.0.1:0", target, delay)
	u.Host = ln.Addr().String()
	return u.String()
}

// slowLink listens at address and forwards each connection to target,
// every byte delay after it came, both ways, until the test ends. What a
// peer sent before it closed (or was killed) is still delivered.
func slowLink(t *testing.T, network, address, target string, delay time.Duration) net.Listener {
	t.Helper()
	ln, err := net.Listen(network, address)
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial(network, target)
			if err != nil {
				down.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, down, up)
			mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); delayed(up, down, delay) }()
			go func() { defer wg.Done(); delayed(down, up, delay) }()
		}
	}()
	return ln
}

// delayed copies src to dst, each read delay later, then closes dst's
// write side (or dst) once src ends.
func delayed(dst, src net.Conn, delay time.Duration) {
	type chunk struct {
		at time.Time
		b  []byte
	}
	ch := make(chan chunk, 256)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for c := range ch {
			time.Sleep(time.Until(c.at))
			dst.Write(c.b)
		}
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		} else {
			dst.Close()
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			ch <- chunk{time.Now().Add(delay), append([]byte(nil), buf[:n]...)}
		}
		if err != nil {
			close(ch)
			<-done
			return
		}
	}
}
