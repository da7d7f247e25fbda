package amf_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/crypto/suci"
	"github.com/keelcore/keel/internal/hnkey"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/logtest"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/sim/ue"
)

// recordingAUSF remembers the contexts the AUSF made and what the AMF
// was told when it ended one.
type recordingAUSF struct {
	sbi.NausfUEAuthentication
	mu      sync.Mutex
	ctxIDs  []string
	deleted []error
}

func (r *recordingAUSF) Authenticate(ctx context.Context, req sbi.AuthRequest) (sbi.AuthChallenge, error) {
	ch, err := r.NausfUEAuthentication.Authenticate(ctx, req)
	r.mu.Lock()
	r.ctxIDs = append(r.ctxIDs, ch.AuthCtxID)
	r.mu.Unlock()
	return ch, err
}

func (r *recordingAUSF) DeleteConfirmation(ctx context.Context, id string, cause uint8) error {
	err := r.NausfUEAuthentication.DeleteConfirmation(ctx, id, cause)
	r.mu.Lock()
	r.deleted = append(r.deleted, err)
	r.mu.Unlock()
	return err
}

// A UE registers with a profile A SUCI and a SIM holding the wrong K: it
// answers the challenge with MAC failure (TS 24.501 §5.4.1.3.7 c). The
// AMF knows only the SUCI — the SUPI is disclosed to the SEAF after a
// successful confirmation only (TS 33.501 §6.1.3.2 step 12) — so the
// AUSF, told that the challenge was refused, writes the line that names
// the SUPI, and forgets the context.
func TestAuthenticationFailureSUCINamesSUPIAtAUSF(t *testing.T) {
	hk, err := suci.GenerateKey(1, suci.ProfileA)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := hnkey.NewKeyring(hk)
	if err != nil {
		t.Fatal(err)
	}
	var amfBuf, ausfBuf logtest.Buffer
	rec := &recordingAUSF{}
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{
		log:     slog.New(slog.NewJSONHandler(&amfBuf, nil)),
		ausfLog: slog.New(slog.NewJSONHandler(&ausfBuf, nil)),
		keys:    keys,
		services: func(s gmm.Services) gmm.Services {
			rec.NausfUEAuthentication = s.AUSF
			s.AUSF = rec
			return s
		},
	})
	g := c.gnb(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u, err := ue.New(ue.Config{SUPI: supiOf(0), MCC: "001", MNC: "01", K: secret.RandomKey128(), OPc: c.keys[0][1],
		Scheme: ue.SchemeA, HNKeyID: hk.ID, HNPublic: hk.Public, SNSSAIs: []ident.SNSSAI{{SST: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	answerChallenge(ctx, t, g, u)
	// The AMF ends the AUSF's context off the UE's executor
	// (Nausf_UEAuthentication_Delete, a notification): wait for it.
	for {
		rec.mu.Lock()
		n := len(rec.deleted)
		rec.mu.Unlock()
		if n > 0 || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Millisecond)
	}

	var found bool
	for _, rec := range ausfBuf.Records(t) {
		if rec["msg"] != "authentication failed: the UE refused the challenge" {
			continue
		}
		if found {
			t.Errorf("second AUSF line about the failure: %v", rec)
		}
		found = true
		if rec["supi"] != supiOf(0) || rec["cause"] != float64(20) || rec["serving_network"] != "5G:mnc001.mcc001.3gppnetwork.org" {
			t.Errorf("AUSF line %v: want supi=%s, cause 20 (MAC failure), serving_network 5G:mnc001.mcc001.3gppnetwork.org", rec, supiOf(0))
		}
	}
	if !found {
		t.Fatalf("no AUSF line naming the SUPI in:\n%s", ausfBuf.String())
	}

	// The AMF's own line names the SUCI; the SUPI appears nowhere in
	// what the AMF wrote, nor in its UE contexts.
	found = false
	for _, rec := range amfBuf.Records(t) {
		if rec["msg"] == "authentication failure from UE" {
			found = true
			if s, _ := rec["suci"].(string); !strings.HasPrefix(s, "suci-0-001-01-") || rec["supi"] != nil {
				t.Errorf("AMF line %v: want suci=suci-0-001-01-... and no supi", rec)
			}
		}
	}
	if !found {
		t.Errorf("no \"authentication failure from UE\" line in:\n%s", amfBuf.String())
	}
	if strings.Contains(amfBuf.String(), supiOf(0)) {
		t.Errorf("the AMF's log holds the SUPI %s:\n%s", supiOf(0), amfBuf.String())
	}
	for _, ue := range c.amf.UEs() {
		if ue.SUPI == supiOf(0) {
			t.Errorf("the AMF holds a UE context for %s", ue.SUPI)
		}
	}

	rec.mu.Lock()
	ids, deleted := rec.ctxIDs, rec.deleted
	rec.mu.Unlock()
	if len(ids) != 1 || len(deleted) != 1 || deleted[0] != nil {
		t.Fatalf("contexts made %v, deletions %v: want one context, deleted without error", ids, deleted)
	}
	if _, err := rec.NausfUEAuthentication.Confirm(ctx, ids[0], [16]byte{}); !errors.Is(err, sbi.ErrAuthContextNotFound) {
		t.Errorf("Confirm of the refused context = %v, want ErrAuthContextNotFound", err)
	}
}
