package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/api/client"
	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/logtest"
	"github.com/keelcore/keel/internal/sctp/sctptest"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/storetest"
)

// readyz returns /readyz's status code and reason.
func readyz(t *testing.T, core *app.App) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + core.HTTPAddr().String() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body["reason"]
}

// The store's disk fills up while the core serves. Registrations need an
// SQN advance, a write: each UE is refused with #22 and a back-off
// (T3346) instead of #111; /readyz turns 503 naming the store and the
// metrics say so; the log has one failure line, not one per UE. When the
// disk has room again the health probe notices without any traffic:
// /readyz is 200 again and UEs register.
func TestStoreDiskFull(t *testing.T) {
	sctptest.RequireNetNS(t)
	var logs logtest.Buffer
	var faulty *storetest.Faulty
	core, token := startCoreOpts(t, nil, app.Options{
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		WrapStore: func(s store.Store) store.Store {
			faulty = storetest.NewFaulty(s)
			return faulty
		},
		StoreProbeInterval: 50 * time.Millisecond,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := client.New("http://"+core.HTTPAddr().String(), secret.Token(token))
	const n = 8
	var ues []*ue.UE
	for i := range n {
		supi := fmt.Sprintf("imsi-00101%010d", i+1)
		k, opc := secret.RandomKey128(), secret.RandomKey128()
		kh, opch := k.Hex(), opc.Hex()
		if _, err := c.CreateSubscriber(ctx, api.SubscriberRequest{SUPI: &supi, K: &kh, OPc: &opch}); err != nil {
			t.Fatal(err)
		}
		u, err := ue.New(ue.Config{SUPI: supi, MCC: "001", MNC: "01", K: k, OPc: opc, Scheme: ue.SchemeNull, SNSSAIs: []ident.SNSSAI{{SST: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		ues = append(ues, u)
	}
	if code, reason := readyz(t, core); code != http.StatusOK {
		t.Fatalf("/readyz before the failure = %d %q, want 200", code, reason)
	}
	g := connectGNB(t, n2Transport(t), core, simGNB(1))

	faulty.FailWrites(storetest.ErrDiskFull)
	// The probe finds the failure on its own; once one probe has failed
	// none that began before the disk filled can still succeed.
	for deadline := time.Now().Add(20 * time.Second); scrapeMetrics(t, core).sum("keel_store_errors_total", "op", "probe") < 1; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the store health probe did not notice the full disk")
		}
	}
	for _, u := range ues[:n-1] {
		pdu, err := u.RegistrationRequest()
		if err != nil {
			t.Fatal(err)
		}
		conn, err := g.Attach(ctx, pdu, nil)
		if err != nil {
			t.Fatal(err)
		}
		var reject []byte
		for d := range conn.Downlink() {
			if len(d.NAS) >= 3 && d.NAS[2] == 0x44 {
				reject = d.NAS
			}
			if d.Released {
				break
			}
		}
		conn.Close()
		// REGISTRATION REJECT, cause #22, T3346 (IEI 0x5f, length 1): the
		// default two minutes in GPRS timer 2 units of 1 min (0x22).
		if len(reject) != 7 || reject[3] != 22 || reject[4] != 0x5f || reject[6] != 0x22 {
			t.Errorf("registration of %s on a full disk: Registration Reject % x, want cause #22 with T3346 = 2 min", u.SUPI(), reject)
		}
	}
	code, reason := readyz(t, core)
	if code != http.StatusServiceUnavailable || !strings.HasPrefix(reason, "store: ") || !strings.Contains(reason, "disk is full") {
		t.Errorf("/readyz on a full disk = %d %q, want 503 naming the store and the full disk", code, reason)
	}
	m := scrapeMetrics(t, core)
	if v := m.sum("keel_store_healthy"); v != 0 {
		t.Errorf("keel_store_healthy = %v on a full disk, want 0", v)
	}
	if v := m.sum("keel_store_errors_total", "op", "advance_sqn"); v < n-1 {
		t.Errorf("keel_store_errors_total{op=advance_sqn} = %v, want at least %d", v, n-1)
	}
	if got := strings.Count(logs.String(), `"msg":"store failure`); got != 1 {
		t.Errorf("%d failed registrations wrote %d store failure lines, want 1:\n%s", n-1, got, logs.String())
	}
	if got := strings.Count(logs.String(), `"msg":"registration refused for now`); got != 1 {
		t.Errorf("%d failed registrations wrote %d AMF lines about them, want 1", n-1, got)
	}

	faulty.FailWrites(nil)
	deadline := time.Now().Add(20 * time.Second)
	for code, _ := readyz(t, core); code != http.StatusOK; code, _ = readyz(t, core) {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz = %d 20 s after the disk had room again, want 200", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if v := scrapeMetrics(t, core).sum("keel_store_healthy"); v != 1 {
		t.Errorf("keel_store_healthy = %v after recovery, want 1", v)
	}
	if out := logs.String(); !strings.Contains(out, `"msg":"store serves again"`) || !strings.Contains(out, `"failures":`) {
		t.Errorf("log after recovery lacks the recovery line counting the failures:\n%s", out)
	}
	if _, _, err := scenario.Register(ctx, g, ues[n-1]); err != nil {
		t.Errorf("registration after recovery: %v", err)
	}
}
