package hometest_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/ausf"
	"github.com/keelcore/keel/internal/crypto/kdf"
	"github.com/keelcore/keel/internal/crypto/milenage"
	"github.com/keelcore/keel/internal/hnkey"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/nausf"
	"github.com/keelcore/keel/internal/sbihttp/nudm"
	"github.com/keelcore/keel/internal/sbihttp/nudr"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
	"github.com/keelcore/keel/internal/sbihttp/pcaptest"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/sqlite"
	"github.com/keelcore/keel/internal/udm"
	"github.com/keelcore/keel/internal/udr"
)

const (
	mcc, mnc = "001", "01"
	ausfID   = "6f3e2c1a-0000-4000-8000-00000000a05f"
)

var (
	snName = kdf.ServingNetworkName(mcc, mnc)
	home   = ident.PLMN{MCC: mcc, MNC: mnc}
)

// ue is a USIM: K, OPc and the highest SQN it accepted.
type ue struct {
	supi, msin string
	k, opc     secret.Key128
	sqnMS      uint64
}

// answer checks a challenge as the USIM and the ME do (TS 33.501
// §6.1.3.2 step 7) and gives RES* and KSEAF, or the AUTS of a
// synchronisation failure (TS 33.102 §6.3.3).
func (u *ue) answer(t testing.TB, ch sbi.AuthChallenge) (resStar [16]byte, kseaf secret.Key256, auts *[14]byte) {
	t.Helper()
	v, err := milenage.Generate(u.k, u.opc, ch.RAND, [6]byte{}, [2]byte{})
	if err != nil {
		t.Fatal(err)
	}
	var sqn [6]byte
	for i := range sqn {
		sqn[i] = ch.AUTN[i] ^ v.AK[i]
	}
	amf := [2]byte(ch.AUTN[6:8])
	if v, err = milenage.Generate(u.k, u.opc, ch.RAND, sqn, amf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(v.MACA[:], ch.AUTN[8:16]) {
		t.Fatal("UE: MAC-A does not verify")
	}
	var s uint64
	for _, b := range sqn {
		s = s<<8 | uint64(b)
	}
	if s <= u.sqnMS {
		var ms [6]byte
		for i, x := 5, u.sqnMS; i >= 0; i, x = i-1, x>>8 {
			ms[i] = byte(x)
		}
		a, err := milenage.AUTS(u.k, u.opc, ch.RAND, ms)
		if err != nil {
			t.Fatal(err)
		}
		return resStar, kseaf, &a
	}
	u.sqnMS = s
	resStar = kdf.RESStar(v.CK, v.IK, snName, ch.RAND, v.RES[:])
	if kdf.HXRESStar(ch.RAND, resStar) != ch.HXRESStar {
		t.Fatal("SEAF: HRES* differs from HXRES*")
	}
	kausf := kdf.KAUSF(v.CK, v.IK, snName, [6]byte(ch.AUTN[0:6]))
	return resStar, kdf.KSEAF(kausf, snName), nil
}

// core is what the AMF, the SMF and the UDM see of the home network.
type core struct {
	ausf  sbi.NausfUEAuthentication
	sdm   sbi.NudmSDM
	uecm  sbi.NudmUECM
	udr   sbi.NudrDataRepository
	store store.Store
	keys  *hnkey.Keyring
	ues   []*ue
	// v validates every exchange; nil when the NFs are called directly.
	v *openapitest.Validator
	// udrNF is the UDR itself, told of data changes by the management API.
	udrNF *udr.UDR
	// subscribe subscribes n to the UDM's am-data changes, directly or
	// through an h2c callback server of its own.
	subscribe func(t *testing.T, n sbi.NudmSDMNotifier)
	// captures record the TCP streams of every server, for tshark.
	captures []*pcaptest.Listener
	// roots are the apiRoots of the UDR, the UDM and the AUSF over HTTP.
	roots struct{ udr, udm, ausf string }
}

// newCore builds the home NFs over a fresh store with two subscribers
// (one provisioned with OPc, one with OP). overHTTP puts each NF behind
// its own h2c server and gives its consumers HTTP clients.
func newCore(t testing.TB, overHTTP bool, opts ...openapitest.Options) *core {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "keel.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &core{store: st}
	for i, isOP := range []bool{false, true} {
		u := &ue{msin: "000000000" + string(rune('1'+i)), k: secret.RandomKey128(), opc: secret.RandomKey128()}
		u.supi = "imsi-" + mcc + mnc + u.msin
		auth := store.AuthData{K: u.k, OPc: u.opc, AMF: [2]byte{0x80, 0x00}}
		if isOP {
			op := secret.RandomKey128()
			auth.OPc, auth.OPIsOP = op, true
			u.opc = milenage.OPc(u.k, op)
		}
		sub := &store.Subscriber{SUPI: u.supi, Auth: auth, UEAMBR: store.AMBR{Uplink: 50e6, Downlink: 200e6},
			NSSAI: []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 0xa, HasSD: true}},
			DNNs: []store.DNNConfig{
				{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, FiveQI: 9, ARPPriority: 8, SessionAMBR: store.AMBR{Uplink: 100e6, Downlink: 300e6}, StaticIPv4: netip.MustParseAddr("10.45.0." + string(rune('7'+i)))},
				{DNN: "ims", SNSSAI: ident.SNSSAI{SST: 1}, FiveQI: 5, ARPPriority: 1, StaticIPv6: netip.MustParseAddr("2001:db8:0:" + string(rune('7'+i)) + "::")},
				{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 2, SD: 0xa, HasSD: true}, FiveQI: 9, ARPPriority: 8},
			}}
		if err := st.CreateSubscriber(ctx, sub); err != nil {
			t.Fatal(err)
		}
		c.ues = append(c.ues, u)
	}
	if c.keys, err = hnkey.LoadOrCreate(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	r, err := udr.New(st, udr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.udr, c.udrNF = r, r
	var udrClient *nudr.Client
	if overHTTP {
		if _, bench := t.(*testing.B); !bench {
			c.v = openapitest.New(t, opts...)
		}
		srv := c.server(t)
		nudr.Register(srv, r)
		nudr.ServeSubscriptions(srv, r, c.uriClient(), nil)
		udrClient = nudr.NewClient(c.client(t, srv, &c.roots.udr), home)
		c.udr = udrClient
	}
	u, err := udm.New(udm.Options{UDR: c.udr, Keys: c.keys, KeepSessionManagement: true})
	if err != nil {
		t.Fatal(err)
	}
	var ueau sbi.NudmUEAuthentication = u
	c.sdm, c.uecm = u, u
	c.subscribe = func(_ *testing.T, n sbi.NudmSDMNotifier) { u.SubscribeSDM(n) }
	if !overHTTP {
		r.Subscribe(u)
	}
	if overHTTP {
		srv := c.server(t)
		nudm.Register(srv, u, u, u)
		nudm.ServeSubscriptions(srv, u, c.uriClient(), nil)
		nudr.ServeNotifications(srv, u)
		cl := nudm.NewClient(c.client(t, srv, &c.roots.udm), ausfID)
		if err := udrClient.Subscribe(context.Background(), c.roots.udm+nudr.CallbackPath); err != nil {
			t.Fatal(err)
		}
		ueau, c.sdm, c.uecm = cl, cl, cl
		c.subscribe = func(t *testing.T, n sbi.NudmSDMNotifier) {
			amf := c.server(t)
			nudm.ServeNotifications(amf, n)
			var root string
			c.client(t, amf, &root)
			if err := cl.SubscribeSDM(context.Background(), root+nudm.CallbackPath); err != nil {
				t.Fatal(err)
			}
		}
	}
	a, err := ausf.New(ausf.Options{UDM: ueau, ServingNetworks: []string{snName}})
	if err != nil {
		t.Fatal(err)
	}
	c.ausf = a
	if overHTTP {
		srv := c.server(t)
		nausf.Register(srv, a)
		c.ausf = nausf.NewClient(c.client(t, srv, &c.roots.ausf))
	}
	return c
}

// server returns an h2c server, not yet started, whose every exchange
// the validator checks.
func (c *core) server(t testing.TB) *sbihttp.Server {
	if c.v == nil { // a benchmark measures the binding alone
		return sbihttp.NewServer(sbihttp.ServerConfig{})
	}
	return sbihttp.NewServer(sbihttp.ServerConfig{Middleware: []func(http.Handler) http.Handler{c.v.Middleware}})
}

// client starts srv on loopback, sets *root to its apiRoot and returns a
// validating client whose every service resolves to it.
func (c *core) client(t testing.TB, srv *sbihttp.Server, root *string) *sbihttp.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if c.v == nil { // a benchmark records nothing
		srv.Start(ln)
	} else {
		rec := pcaptest.Listen(ln)
		c.captures = append(c.captures, rec)
		srv.Start(rec)
	}
	*root = "http://" + ln.Addr().String()
	var rt http.RoundTripper = sbihttp.NewTransport(nil)
	if c.v != nil {
		rt = c.v.Transport(rt)
	}
	cl := sbihttp.NewClient(sbihttp.ClientConfig{Resolver: anyService(*root), Transport: rt})
	t.Cleanup(func() {
		cl.CloseIdle()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return cl
}

// uriClient is a validating client for requests to URIs a peer gave
// (notifications to a callbackReference).
func (c *core) uriClient() *sbihttp.Client {
	var rt http.RoundTripper = sbihttp.NewTransport(nil)
	if c.v != nil {
		rt = c.v.Transport(rt)
	}
	return sbihttp.NewClient(sbihttp.ClientConfig{Transport: rt})
}

// anyService resolves every service to one apiRoot.
type anyService string

func (a anyService) Resolve(context.Context, string) ([]string, error) {
	return []string{string(a)}, nil
}

// both runs f against the NFs called directly and over HTTP.
func both(t *testing.T, f func(t *testing.T, c *core)) {
	for _, mode := range []struct {
		name     string
		overHTTP bool
	}{{"direct", false}, {"http", true}} {
		t.Run(mode.name, func(t *testing.T) {
			c := newCore(t, mode.overHTTP)
			f(t, c)
			if c.v != nil && c.v.Count() == 0 {
				t.Error("no exchange reached the OpenAPI validator")
			}
		})
	}
}

func (c *core) storedSQN(t testing.TB, supi string) uint64 {
	t.Helper()
	s, err := c.store.GetSubscriber(context.Background(), supi)
	if err != nil {
		t.Fatal(err)
	}
	return s.Auth.SQN
}
