package amf_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/lograte"
	"github.com/keelcore/keel/internal/logtest"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/sim/ue"
)

// One gNB sends 20,000 Initial UE Messages whose SUCIs name no
// subscriber. Each is rejected (#7), but the log stays bounded: the
// repetitive lines pass a few at a time and the rest are counted in a
// "suppressed N similar lines" summary.
func TestUnknownSUPIFloodLogBounded(t *testing.T) {
	const n = 20000
	var buf logtest.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	c := startCoreLog(t, 0, gmm.Timers{}, log)
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// A few distinct unknown subscribers, each many times.
	var pdus [][]byte
	for i := range 16 {
		u, err := ue.New(ue.Config{SUPI: fmt.Sprintf("imsi-00101999%07d", i), MCC: "001", MNC: "01",
			K: secret.RandomKey128(), OPc: secret.RandomKey128(), Scheme: ue.SchemeNull, SNSSAIs: []ident.SNSSAI{{SST: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		pdu, err := u.RegistrationRequest()
		if err != nil {
			t.Fatal(err)
		}
		pdus = append(pdus, pdu)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		rejected int
	)
	work := make(chan int)
	start := time.Now()
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				conn, err := g.Attach(ctx, pdus[i%len(pdus)], nil)
				if err != nil {
					t.Error(err)
					return
				}
				var reject bool
				for d := range conn.Downlink() {
					// REGISTRATION REJECT (0x44) with cause #7.
					if len(d.NAS) >= 4 && d.NAS[2] == 0x44 && d.NAS[3] == 7 {
						reject = true
					}
					if d.Released {
						break
					}
				}
				conn.Close()
				mu.Lock()
				if reject {
					rejected++
				}
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	if rejected != n {
		t.Errorf("%d of %d unknown subscribers rejected with #7", rejected, n)
	}
	stopCtx, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	c.amf.Stop(stopCtx) // flushes the summaries
	// The limiter passes a burst of each message per interval: a loaded
	// machine that takes several intervals over the flood may log that
	// many bursts, still a small fraction of the two lines per UE.
	windows := 1 + int(time.Since(start)/lograte.DefaultInterval)

	recs := buf.Records(t)
	// Two lines per UE before (refused by the home network; rejected):
	// now a burst of each message per interval, and the summaries.
	bound := min(400*windows, n/4)
	if len(recs) > bound {
		t.Errorf("%d Initial UE Messages for unknown SUPIs wrote %d log lines, want at most %d", n, len(recs), bound)
	}
	suppressed := 0
	for _, rec := range recs {
		if v, ok := rec["suppressed"].(float64); ok && rec["like"] == "registration rejected" {
			suppressed += int(v)
		}
	}
	if suppressed < n/2 {
		t.Errorf("summaries count %d suppressed \"registration rejected\" lines, want most of %d", suppressed, n)
	}
	t.Logf("%d UEs: %d log lines, %d \"registration rejected\" lines suppressed", n, len(recs), suppressed)
}

// A UE whose SIM holds the wrong K answers the challenge with MAC
// failure (TS 24.501 §5.4.1.3.7 c); the log line names its SUPI, so the
// operator knows whose SIM to check — and never a key.
func TestAuthenticationFailureNamesSUPI(t *testing.T) {
	var buf logtest.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	c := startCoreLog(t, 1, gmm.Timers{}, log)
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	wrongK := secret.RandomKey128()
	u, err := ue.New(ue.Config{SUPI: supiOf(0), MCC: "001", MNC: "01", K: wrongK, OPc: c.keys[0][1],
		Scheme: ue.SchemeNull, SNSSAIs: []ident.SNSSAI{{SST: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	answerChallenge(ctx, t, g, u)
	var found bool
	for _, rec := range buf.Records(t) {
		if rec["msg"] == "authentication failure from UE" {
			found = true
			if rec["supi"] != supiOf(0) || rec["cause"] != float64(20) {
				t.Errorf("log line %v: want supi=%s and cause 20 (MAC failure)", rec, supiOf(0))
			}
		}
	}
	if !found {
		t.Fatalf("no \"authentication failure from UE\" line in:\n%s", buf.String())
	}
	for name, k := range map[string]secret.Key128{"K of the subscription": c.keys[0][0], "K of the SIM": wrongK} {
		if strings.Contains(strings.ToLower(buf.String()), k.Hex()) {
			t.Errorf("%s appears in the log", name)
		}
	}
}

// A wrong RES* (TS 33.501 §6.1.3.2.2) is logged with the SUPI too.
func TestWrongRESNamesSUPI(t *testing.T) {
	var buf logtest.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	c := startCoreLog(t, 1, gmm.Timers{}, log)
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pdu, _ := c.ue(t, 0).RegistrationRequest()
	conn, err := g.Attach(ctx, pdu, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-conn.Downlink() // Authentication Request
	// AUTHENTICATION RESPONSE with a RES* of the right length and the
	// wrong value.
	if err := conn.Send(ctx, []byte{0x7e, 0x00, 0x57, 0x2d, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}); err != nil {
		t.Fatal(err)
	}
	untilReleased(conn)
	var found bool
	for _, rec := range buf.Records(t) {
		if rec["msg"] == "authentication rejected" && rec["reason"] == "RES* does not match" {
			found = true
			if rec["supi"] != supiOf(0) {
				t.Errorf("log line %v: want supi=%s", rec, supiOf(0))
			}
		}
	}
	if !found {
		t.Fatalf("no line about the wrong RES* in:\n%s", buf.String())
	}
}
