package browsertest

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/oracle"
	"github.com/keelcore/keel/internal/panics"
	"github.com/keelcore/keel/internal/sctp/sctptest"
	"github.com/keelcore/keel/internal/sctp/userspace"
	"github.com/keelcore/keel/internal/sim/gnb"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write a screenshot of every console page to docs/console/<page>.png")

// screenshotDir is where -update-screenshots writes, from this package.
const screenshotDir = "../../../docs/console"

// stepTimeout bounds each browser step: a page that does not reach the
// state a step waits for fails the test instead of hanging it. A step
// takes well under a second here; the bound leaves room for a CI machine
// running other packages' tests at the same time.
const stepTimeout = 30 * time.Second

// The userspace SCTP of the simulated gNBs needs raw sockets: the tests
// run in a network namespace of their own, and the browser with them.
func TestMain(m *testing.M) {
	sctptest.MainInNetNS(m)
}

// startCore runs the core from its composition root with every listener
// on loopback and returns it with its admin token.
func startCore(t *testing.T) (*app.App, string) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.N2.SCTP = config.SCTPUserspace
	a, err := app.New(context.Background(), cfg, app.Options{OnPanic: func(p panics.Panic) {
		t.Errorf("panic recovered in %s: %v\n%s", p.Component, p.Value, p.Stack)
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("core stopped with %v", err)
		}
	})
	tok, err := os.ReadFile(filepath.Join(cfg.DataDir, app.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	return a, strings.TrimSpace(string(tok))
}

// connectGNB connects a simulated gNB of the test network (PLMN 001-01,
// TAC 1, slice SST 1) named name, with its N3 on 127.0.0.2 (the UPF has
// 127.0.0.1), and runs NG Setup; it is closed at cleanup. It returns the
// gNB and its ID in the API's text form.
func connectGNB(t *testing.T, core *app.App, id uint32, name string) (*gnb.GNB, string) {
	t.Helper()
	tr, err := userspace.New(userspace.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	plmn := ident.PLMN{MCC: "001", MNC: "01"}
	cfg := gnb.Config{
		ID:   ngap.RANNodeID{PLMN: plmn, Kind: ngap.KindGNB, ID: id, Bits: 22},
		Name: name,
		TAs:  []ngap.TA{{TAC: 1, PLMNs: []ident.PLMN{plmn}, Slices: []ident.SNSSAI{{SST: 1}}}},
		N3:   netip.MustParseAddr("127.0.0.2"),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	g, err := gnb.Connect(ctx, tr, core.N2Addr(), cfg, nil)
	if err != nil {
		t.Fatalf("gNB %s: %v", cfg.ID, err)
	}
	t.Cleanup(func() { g.Close() })
	return g, cfg.ID.String()
}

// browser is a headless chromium with one tab on the console at base.
// It records what must never happen on a page: a JavaScript dialog
// (alert, confirm, prompt: the console uses none, so one is injected
// script running), an uncaught exception, a Content-Security-Policy
// violation.
type browser struct {
	t    *testing.T
	ctx  context.Context // the tab's
	base string

	// dialogs joins the goroutines that dismiss dialogs.
	dialogs sync.WaitGroup
	mu      sync.Mutex // guards problems
	// problems are the recorded events, in order.
	problems []string
}

// chromium returns the path of chromium, or skips the test when it is
// missing (fails it in CI).
func chromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		oracle.Missing(t, "the browser tests need chromium (Debian package chromium): %v", err)
	}
	return path
}

// startBrowser starts the chromium at path with a tab on the console at
// base, closed and joined at cleanup.
func startBrowser(t *testing.T, path, base string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		// The namespace's root cannot make the namespaces of chromium's
		// sandbox.
		chromedp.NoSandbox,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 860),
		chromedp.Flag("force-device-scale-factor", "1"),
		chromedp.Flag("lang", "en-US"),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	b := &browser{t: t, ctx: ctx, base: base}
	t.Cleanup(func() {
		cancelTab()
		b.dialogs.Wait()
		cancelAlloc()
	})
	if err := chromedp.Listen(ctx, b.record); err != nil {
		t.Fatalf("chromium at %s: %v", path, err)
	}
	start, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(start, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("chromium at %s: %v", path, err)
	}
	return b
}

// record is the tab's event listener: it runs in chromedp's loop, so it
// only records, and dismisses a dialog from a goroutine of its own.
func (b *browser) record(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *page.EventJavascriptDialogOpening:
		problem = fmt.Sprintf("JavaScript %s dialog opened: %q", ev.Type, ev.Message)
		b.dialogs.Add(1)
		go func() {
			defer b.dialogs.Done()
			chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}()
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		problem = "uncaught exception: " + d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			problem += ": " + d.Exception.Description
		}
	case *cdplog.EventEntryAdded:
		if e := ev.Entry; e != nil && (e.Source == cdplog.EntrySourceSecurity || strings.Contains(e.Text, "Content Security Policy")) {
			problem = "security: " + e.Text
		}
	}
	if problem != "" {
		b.mu.Lock()
		b.problems = append(b.problems, problem)
		b.mu.Unlock()
	}
}

// checkClean fails the test with every problem recorded so far.
func (b *browser) checkClean() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.t.Errorf("in the browser: %s", p)
	}
	b.problems = nil
}

// do runs the steps of what, within stepTimeout, and fails the test with
// what the page shows when they fail.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v\n%s", what, err, b.state())
	}
}

// eval evaluates a JavaScript expression in the page, awaiting a promise.
func eval[T any](b *browser, what, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: %v\n%s", what, err, b.state())
	}
	return v
}

// poll waits until the JavaScript expression cond is true in the page,
// for stepTimeout at most: a condition on what the page shows, which it
// reaches by its own refresh.
func (b *browser) poll(what, cond string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout))); err != nil {
		b.t.Fatalf("%s: %v\n%s", what, err, b.state())
	}
}

// state describes the page for a failure: its location, the console's
// error area, and the start of its text.
func (b *browser) state() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\nerror area: " +
		((document.querySelector("[data-testid=error]") || {}).textContent || "(empty)") +
		"\npage: " + document.body.innerText.slice(0, 600)`))
	if err != nil {
		return fmt.Sprintf("(page state unknown: %v)", err)
	}
	return s
}

// open loads path of the console (a full page load).
func (b *browser) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
}

// waitPage waits until the page name has loaded its data: its
// main#page-<name> is shown.
func (b *browser) waitPage(name string) {
	b.t.Helper()
	b.do("page "+name, chromedp.WaitVisible(chromedp.CSS("main#page-"+name)))
}

// nav follows the console's navigation link to the page name (no page
// load: the console's router) and waits for it.
func (b *browser) nav(name, page string) {
	b.t.Helper()
	b.do("navigate to "+name, chromedp.Click(chromedp.CSS(`a[data-nav="`+name+`"]`)))
	b.waitPage(page)
}

// screenshot writes the viewport to docs/console/<name>.png with
// -update-screenshots, and does nothing otherwise.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	if !*updateScreenshots {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// checkNoInjection fails the test when the page holds an element made
// from data: an img (the console shows none) or a script other than its
// own module.
func (b *browser) checkNoInjection(where string) {
	b.t.Helper()
	found := eval[[]string](b, "look for injected elements", `[...document.querySelectorAll("img, script, iframe, object, embed")]
		.filter((e) => !(e.tagName === "SCRIPT" && e.getAttribute("src") === "/main.js" && e.type === "module"))
		.map((e) => e.outerHTML)`)
	for _, e := range found {
		b.t.Errorf("%s: the page holds an element made from data: %s", where, e)
	}
}
