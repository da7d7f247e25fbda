package browsertest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sctp/sctptest"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
)

// injection is markup an attacker would have a page run: a gNB names
// itself with it in its NG Setup Request, and it goes into the create
// form, an imported row and a search. The console must show it as text.
const injection = `<img src=x onerror=alert(1)><script>alert(2)</script>`

// TestConsole signs in with the admin token, creates a subscriber, imports
// a CSV with a bad row and sees that row's error, watches a simulated UE
// register and appear in the UE list without a reload, deregisters it from
// its page and sees it go, and signs out, after which the session cookie
// is refused, as is a forged one. On the way it visits every page (a
// screenshot of each with -update-screenshots), and checks that script in
// a gNB's name, the create form, an import row and a search is shown as
// text (no element made of it, no dialog), that a state-changing request
// with the cookie but without the CSRF token is refused, and that an API
// error is shown rather than a blank page.
func TestConsole(t *testing.T) {
	sctptest.RequireNetNS(t)
	browserPath := chromium(t)
	core, token := startCore(t)
	base := "http://" + core.HTTPAddr().String()
	g, gnbID := connectGNB(t, core, 0x10, injection)
	b := startBrowser(t, browserPath, base)

	// Sign-in: the console sends an unknown visitor there, says what is
	// wrong with a wrong token, and lets the admin token in.
	b.open("/")
	b.waitPage("signin")
	if loc := eval[string](b, "location", "location.pathname + location.search"); loc != "/signin?next=%2F" {
		t.Errorf("an unsigned visitor of / is at %s, want /signin?next=%%2F", loc)
	}
	b.screenshot("signin")
	b.do("wrong token",
		chromedp.SendKeys(chromedp.CSS("[data-testid=signin-token]"), "not-the-admin-token"),
		chromedp.Click(chromedp.CSS("[data-testid=signin-submit]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=error]")))
	if msg := text(b, "[data-testid=error]"); !strings.Contains(msg, "wrong admin token") {
		t.Errorf("error shown for a wrong token = %q, want it to say the token is wrong", msg)
	}
	b.do("sign in",
		chromedp.Clear(chromedp.CSS("[data-testid=signin-token]")),
		chromedp.SendKeys(chromedp.CSS("[data-testid=signin-token]"), token),
		chromedp.Click(chromedp.CSS("[data-testid=signin-submit]")))
	b.waitPage("overview")

	cookie := sessionCookie(t, b)
	// The cookie alone changes nothing: a POST from the page without the
	// CSRF token is refused (a forged cross-site form has no token).
	if status := eval[int](b, "POST without CSRF token", `fetch("/api/v1/subscribers", {method: "POST", credentials: "same-origin",
		headers: {"Content-Type": "application/json"},
		body: JSON.stringify({supi: "imsi-001019999999999", k: "465b5ce8b199b49faa5f0a2ee238a6bc", opc: "cd63cb71954a9f4e48a5994e37a02baf"})}).then((r) => r.status)`); status != http.StatusForbidden {
		t.Errorf("POST /api/v1/subscribers with the session cookie and no X-CSRF-Token = %d, want 403", status)
	}

	// Subscribers: create one with the keys its UE will use.
	supi := "imsi-001010000000001"
	k, opc := secret.RandomKey128(), secret.RandomKey128()
	b.nav("subscribers", "subscribers")
	b.do("create a subscriber",
		chromedp.Click(chromedp.CSS("[data-testid=sub-new]")),
		chromedp.SendKeys(chromedp.CSS("[data-testid=sub-supi]"), supi),
		chromedp.SendKeys(chromedp.CSS("[data-testid=sub-k]"), k.Hex()),
		chromedp.SendKeys(chromedp.CSS("[data-testid=sub-opc]"), opc.Hex()),
		chromedp.Click(chromedp.CSS("[data-testid=sub-create-submit]")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=sub-table] tr[data-supi="`+supi+`"]`)))
	if n := text(b, "[data-testid=notice]"); !strings.Contains(n, "Created "+supi) {
		t.Errorf("notice after the create = %q, want it to name %s", n, supi)
	}
	// Markup for a SUPI: the API's refusal is shown, as text.
	b.do("create with markup for a SUPI",
		chromedp.Click(chromedp.CSS("[data-testid=sub-new]")),
		chromedp.SendKeys(chromedp.CSS("[data-testid=sub-supi]"), injection),
		chromedp.Click(chromedp.CSS("[data-testid=sub-create-submit]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=error]")))
	if msg := text(b, "[data-testid=error]"); !strings.Contains(msg, "supi") {
		t.Errorf("error shown for a SUPI of markup = %q, want the API's refusal naming supi", msg)
	}
	b.checkNoInjection("create form")

	// Import: a CSV with a bad row is refused as a whole, and the report
	// names the row (line 3: the header is line 1) and what is wrong with
	// it, its bad value shown as text.
	dir := t.TempDir()
	row := func(i int, sst string) string {
		return fmt.Sprintf("imsi-001010000000%03d,%s,%s,%s\n", 100+i, secret.RandomKey128().Hex(), secret.RandomKey128().Hex(), sst)
	}
	bad := filepath.Join(dir, "subscribers.csv")
	writeFile(t, bad, "supi,k,opc,sst\n"+row(1, "1")+row(2, injection)+row(3, "1"))
	b.do("import a CSV with a bad row",
		chromedp.Click(chromedp.CSS("[data-testid=sub-import-open]")),
		chromedp.SetUploadFiles(chromedp.CSS("[data-testid=import-file]"), []string{bad}),
		chromedp.Click(chromedp.CSS("[data-testid=import-submit]")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=import-report] [data-testid=import-row]`)))
	rows := eval[[]string](b, "import report", `[...document.querySelectorAll("[data-testid=import-report] [data-testid=import-row]")].map((r) => r.dataset.row + "|" + r.textContent)`)
	if len(rows) != 1 || !strings.HasPrefix(rows[0], "3|") || !strings.Contains(rows[0], "sst") || !strings.Contains(rows[0], injection) {
		t.Errorf("import report rows = %q, want one, row 3, naming sst and showing its value %s as text", rows, injection)
	}
	b.checkNoInjection("import report")
	if n := eval[int](b, "subscribers listed", `document.querySelectorAll("[data-testid=sub-table] tr[data-supi]").length`); n != 1 {
		t.Errorf("%d subscribers listed after a refused import, want the 1 created", n)
	}
	good := filepath.Join(dir, "more.csv")
	writeFile(t, good, "supi,k,opc,sst\n"+row(1, "1")+row(2, "1")+row(3, "1"))
	b.do("import a good CSV",
		chromedp.SetUploadFiles(chromedp.CSS("[data-testid=import-file]"), []string{good}),
		chromedp.Click(chromedp.CSS("[data-testid=import-submit]")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=sub-table] tr[data-supi="imsi-001010000000103"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`[data-testid=import-report]`)))
	b.screenshot("subscribers")

	// A search for script finds nothing and shows it as text.
	b.do("search for script",
		chromedp.SendKeys(chromedp.CSS("[data-testid=sub-search]"), injection+"\r"),
		chromedp.WaitNotPresent(chromedp.CSS(`[data-testid=sub-table] tr[data-supi]`)))
	if s := text(b, "#page-subscribers"); !strings.Contains(s, injection) {
		t.Errorf("the subscribers page after a search for %s shows %q, want the search as text", injection, s)
	}
	b.checkNoInjection("subscriber search")

	b.open("/subscribers/" + supi)
	b.waitPage("subscriber")
	b.screenshot("subscriber")

	// An API error is shown, not a blank page.
	b.open("/subscribers/imsi-001019999999998")
	b.do("unknown subscriber", chromedp.WaitVisible(chromedp.CSS("[data-testid=error]")))
	if msg := text(b, "[data-testid=error]"); !strings.Contains(msg, "404") {
		t.Errorf("error shown for an unknown subscriber = %q, want the API's 404", msg)
	}

	// UEs: the list is live; a UE registering shows up without a reload
	// (a mark left on the window survives).
	b.open("/ues")
	b.waitPage("ues")
	eval[bool](b, "mark the window", `window.keelNoReload = true`)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := register(ctx, t, g, supi, k, opc)
	// A UE the network does not know: its refused registration is an
	// event, for the events page.
	stranger, err := ue.New(ue.Config{SUPI: "imsi-001010000009999", MCC: "001", MNC: "01", K: secret.RandomKey128(), OPc: secret.RandomKey128(),
		Scheme: ue.SchemeNull, SNSSAIs: []ident.SNSSAI{{SST: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := scenario.Register(ctx, g, stranger); err == nil {
		t.Fatal("a UE without a subscription registered")
	}
	served := make(chan error, 1)
	go func() { served <- serveUntilDeregistered(ctx, s) }()
	b.do("the UE appears", chromedp.WaitVisible(chromedp.CSS(`[data-testid=ue-table] tr[data-supi="`+supi+`"]`)))
	if !eval[bool](b, "the window's mark", `window.keelNoReload === true`) {
		t.Error("the UE list was reloaded to show the UE, want it shown by the page's own refresh")
	}
	b.screenshot("ues")

	b.nav("sessions", "sessions")
	b.do("the UE's session", chromedp.WaitVisible(chromedp.CSS(`[data-testid=session-table] tr[data-supi="`+supi+`"]`)))
	b.screenshot("sessions")

	// The overview counts the UE and its session, by its own refresh.
	b.nav("overview", "overview")
	b.poll("the overview counts the UE", `(document.querySelector("[data-testid=ov-registered] .stat-value") || {}).textContent === "1" &&
		(document.querySelector("[data-testid=ov-sessions] .stat-value") || {}).textContent === "1"`)
	// Its charts draw once it has refreshed itself a second time.
	b.poll("the overview refreshes its charts", `document.querySelectorAll("#page-overview svg polyline").length >= 2`)
	b.screenshot("overview")

	// gNBs: the name the gNB gave is shown as text.
	b.nav("gnbs", "gnbs")
	b.do("the gNB", chromedp.WaitVisible(chromedp.CSS(`[data-testid=gnb-table] tr[data-gnb="`+gnbID+`"]`)))
	if s := text(b, `[data-testid=gnb-table] tr[data-gnb="`+gnbID+`"]`); !strings.Contains(s, injection) {
		t.Errorf("gNB row = %q, want the gNB's name %s as text", s, injection)
	}
	b.checkNoInjection("gNB list")
	b.screenshot("gnbs")
	b.do("open the gNB", chromedp.Click(chromedp.CSS(`[data-testid=gnb-table] tr[data-gnb="`+gnbID+`"] a`)))
	b.waitPage("gnb")
	b.do("the gNB's UE", chromedp.WaitVisible(chromedp.CSS(`[data-testid=gnb-ues] tr[data-supi="`+supi+`"]`)))
	if s := text(b, "#page-gnb h2"); s != injection {
		t.Errorf("gNB page heading = %q, want the gNB's name %s as text", s, injection)
	}
	b.checkNoInjection("gNB page")
	b.screenshot("gnb")

	// Deregistration from the UE's page: the UE is told and accepts, and
	// the list no longer has it.
	b.do("open the UE", chromedp.Click(chromedp.CSS(`[data-testid=gnb-ues] tr[data-supi="`+supi+`"] a`)))
	b.waitPage("ue")
	b.screenshot("ue")
	b.do("deregister",
		chromedp.Click(chromedp.CSS("[data-testid=ue-deregister]")),
		chromedp.Click(chromedp.CSS("[data-testid=confirm] [data-testid=confirm-ok]")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=notice]")))
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("UE %s: %v", supi, err)
		}
	case <-ctx.Done():
		t.Fatalf("UE %s: no network-initiated deregistration after the console's Deregister", supi)
	}
	b.nav("ues", "ues")
	b.do("the UE goes", chromedp.WaitNotPresent(chromedp.CSS(`[data-testid=ue-table] tr[data-supi="`+supi+`"]`)))

	// SIM provisioning: the files shown are those built here from the
	// API's keys, in their order.
	b.nav("sim", "sim")
	if got, want := text(b, "[data-testid=sim-suci-calc-info]"), suciCalcInfo(t, base, token); got != want {
		t.Errorf("EF SUCI_Calc_Info shown = %s, want %s", got, want)
	}
	if got := text(b, "[data-testid=sim-routing-indicator]"); got != "F0FFFFFF" {
		t.Errorf("EF Routing_Indicator shown for routing indicator 0 = %s, want F0FFFFFF", got)
	}
	b.checkNoInjection("sim")
	b.screenshot("sim")
	b.nav("config", "config")
	b.checkNoInjection("config")
	b.screenshot("config")
	// Events: the stranger's refused registration.
	b.nav("events", "events")
	b.poll("the refused registration's event", `[...document.querySelectorAll("[data-testid=event-table] tbody tr")].some((r) => r.textContent.includes("registration"))`)
	b.checkNoInjection("events")
	b.screenshot("events")

	// Sign-out ends the session on the server: the cookie the browser
	// held is refused, and the console asks for sign-in again.
	b.do("sign out", chromedp.Click(chromedp.CSS("[data-testid=signout]")))
	b.waitPage("signin")
	req, _ := http.NewRequest("GET", base+"/api/v1/subscribers", nil)
	req.AddCookie(cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/subscribers with the cookie of the session signed out = %d, want 401", resp.StatusCode)
	}
	b.open("/subscribers")
	b.waitPage("signin")

	// A forged session cookie is refused too.
	forged := strings.Repeat("5a", 32)
	ctx2, cancel2 := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel2()
	if _, err := chromedp.Call(ctx2, network.SetCookie, network.SetCookieParams{Name: "keel_session", Value: forged, URL: base + "/", Path: "/"}); err != nil {
		t.Fatal(err)
	}
	if !eval[bool](b, "the forged cookie", `document.cookie.includes("keel_session=`+forged+`")`) {
		t.Fatal("the browser does not hold the forged cookie")
	}
	if status := eval[int](b, "GET with a forged cookie", `fetch("/api/v1/subscribers", {credentials: "same-origin"}).then((r) => r.status)`); status != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/subscribers with a forged session cookie = %d, want 401", status)
	}
	b.open("/ues")
	b.waitPage("signin")
	b.checkClean()
}

// text is the text content of the first element matching sel.
func text(b *browser, sel string) string {
	b.t.Helper()
	return eval[string](b, "text of "+sel, `(document.querySelector(`+jsString(sel)+`) || {}).textContent || ""`)
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// sessionCookie returns the console's session cookie the browser holds,
// having checked its attributes: HttpOnly (no script reads it) and
// SameSite=Strict (no other site's page sends it).
func sessionCookie(t *testing.T, b *browser) *http.Cookie {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	r, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Cookies {
		if c.Name != "keel_session" {
			continue
		}
		if !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict || c.Path != "/" {
			t.Errorf("session cookie: HttpOnly %v, SameSite %q, Path %q; want HttpOnly, Strict, /", c.HTTPOnly, c.SameSite, c.Path)
		}
		if eval[bool](b, "script reads cookies", `document.cookie.includes("keel_session")`) {
			t.Error("the page's script reads the session cookie")
		}
		return &http.Cookie{Name: c.Name, Value: c.Value}
	}
	t.Fatalf("no keel_session cookie after sign-in among %d cookies", len(r.Cookies))
	return nil
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// register registers the subscriber's UE through g, with a PDU session
// on the internet DNN through which it pings the UPF's N6 address, and
// leaves it connected.
func register(ctx context.Context, t *testing.T, g *gnb.GNB, supi string, k, opc secret.Key128) *scenario.Session {
	t.Helper()
	u, err := ue.New(ue.Config{SUPI: supi, MCC: "001", MNC: "01", K: k, OPc: opc, Scheme: ue.SchemeNull,
		SNSSAIs: []ident.SNSSAI{{SST: 1}}, FollowOnRequest: true})
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := scenario.Register(ctx, g, u)
	if err != nil {
		t.Fatalf("UE %s: registration: %v", supi, err)
	}
	if _, _, err := s.EstablishPDUSession(ctx, 1, "internet", ident.SNSSAI{SST: 1}); err != nil {
		t.Fatalf("UE %s: PDU session: %v", supi, err)
	}
	// Some user traffic, for the session's byte counts.
	if r, err := s.Ping(ctx, 1, netip.MustParseAddr("10.45.0.1"), 5); err != nil || r.Received != 5 {
		t.Fatalf("UE %s: ping through the UPF: %+v, %v", supi, r, err)
	}
	return s
}

// serveUntilDeregistered is the UE's side while the console acts: it
// hands the UE the downlink and sends its answers until the network
// deregistered it (TS 24.501 §5.5.2.3) and released its connection.
func serveUntilDeregistered(ctx context.Context, s *scenario.Session) error {
	deregistered := false
	for s.Conn != nil {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case d, ok := <-s.Conn.Downlink():
			if !ok || d.Released {
				s.Conn = nil
				continue
			}
			if len(d.NAS) == 0 {
				continue
			}
			res, err := s.UE.Handle(d.NAS)
			if err != nil {
				return err
			}
			for _, up := range res.Uplink {
				if err := s.Conn.Send(ctx, up); err != nil {
					return err
				}
			}
			if res.Event == ue.EventDeregistered {
				deregistered = true
			}
		}
	}
	if !deregistered {
		return errors.New("connection released without a Deregistration Request")
	}
	return nil
}

// suciCalcInfo builds EF SUCI_Calc_Info (TS 31.102 §4.4.11.8) in upper-case
// hex from the home network public keys the API lists, in its order: the
// Protection Scheme Identifier List data object ('A0': per key its
// protection scheme identifier, TS 33.501 Annex C.1, and its key index,
// its position from 1 in the next list), then the Home Network Public
// Key List data object ('A1': per key '80' its identifier, '81' the key,
// a profile B key compressed).
func suciCalcInfo(t *testing.T, base, token string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v1/home-network-keys", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Keys []struct {
			ID     uint8  `json:"id"`
			Scheme string `json:"scheme"`
			Public string `json:"public_key"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != http.StatusOK || len(list.Keys) == 0 {
		t.Fatalf("GET /api/v1/home-network-keys = %d, %+v, %v; want keys", resp.StatusCode, list, err)
	}
	tlv := func(tag byte, v []byte) []byte {
		if len(v) > 0x7f { // BER length in one octet only below 128
			t.Fatalf("TLV %02X of %d octets: longer than this test encodes", tag, len(v))
		}
		return append([]byte{tag, byte(len(v))}, v...)
	}
	var psi, keys []byte
	for i, k := range list.Keys {
		scheme := map[string]byte{"A": 1, "B": 2}[k.Scheme]
		if scheme == 0 {
			t.Fatalf("home network key %d: scheme %q", k.ID, k.Scheme)
		}
		pub, err := hex.DecodeString(k.Public)
		if err != nil {
			t.Fatalf("home network key %d: %v", k.ID, err)
		}
		psi = append(psi, scheme, byte(i+1))
		keys = append(keys, tlv(0x80, []byte{k.ID})...)
		keys = append(keys, tlv(0x81, pub)...)
	}
	return strings.ToUpper(hex.EncodeToString(append(tlv(0xa0, psi), tlv(0xa1, keys)...)))
}
