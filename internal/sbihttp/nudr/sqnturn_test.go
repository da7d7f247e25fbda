package nudr

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// casUDR is a UDR of one subscriber whose PATCH applies the test of the
// SQN as a compare-and-set, counting the conflicts.
type casUDR struct {
	mu        sync.Mutex
	sqn       uint64
	conflicts int
}

func (u *casUDR) RoundTrip(req *http.Request) (*http.Response, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if req.Method == http.MethodPatch {
		body, _ := io.ReadAll(req.Body)
		var ops []patchItem
		if err := json.Unmarshal(body, &ops); err != nil || len(ops) != 2 {
			return openapitest.Answering{Status: http.StatusBadRequest, ContentType: sbihttp.ContentProblem, Body: []byte(`{"status":400,"cause":"INVALID_MSG_FORMAT"}`)}.RoundTrip(req)
		}
		if ops[0].Value != formatSQN(u.sqn) {
			u.conflicts++
			return openapitest.Answering{Status: http.StatusConflict, ContentType: sbihttp.ContentProblem, Body: []byte(`{"status":409,"cause":"MODIFICATION_NOT_ALLOWED"}`)}.RoundTrip(req)
		}
		u.sqn++
		return openapitest.Answering{Status: http.StatusNoContent}.RoundTrip(req)
	}
	return openapitest.Answering{Status: http.StatusOK, ContentType: "application/json", Body: []byte(`{"authenticationMethod":"5G_AKA","encPermanentKey":"00112233445566778899aabbccddeeff","encOpcKey":"00112233445566778899aabbccddeeff","authenticationManagementField":"8000","algorithmId":"milenage","sequenceNumber":{"sqnScheme":"NON_TIME_BASED","sqn":"` + formatSQN(u.sqn) + `","indLength":5}}`)}.RoundTrip(req)
}

// TestNextSQNTakesTurns: one client's concurrent advances of one SUPI's
// SQN take turns, so none loses a compare-and-set to another, and every
// value is given once.
func TestNextSQNTakesTurns(t *testing.T) {
	udr := &casUDR{}
	c := NewClient(sbihttp.NewClient(sbihttp.ClientConfig{
		Resolver:    sbihttp.StaticResolver{ServiceName: {"http://127.0.0.1:1"}},
		Transport:   udr,
		MaxAttempts: 1,
	}), ident.PLMN{MCC: "001", MNC: "01"})
	const workers, each = 8, 20
	var mu sync.Mutex
	seen := map[uint64]bool{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				a, err := c.NextSQN(t.Context(), "imsi-001010000000001")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[a.SequenceNumber.SQN] {
					t.Errorf("SQN %#x given twice", a.SequenceNumber.SQN)
				}
				seen[a.SequenceNumber.SQN] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != workers*each || udr.conflicts != 0 {
		t.Errorf("%d distinct SQNs, %d conflicts; want %d and none", len(seen), udr.conflicts, workers*each)
	}
	if n := len(c.sqnTurns.m); n != 0 {
		t.Errorf("%d turns left after the advances, want 0", n)
	}
}

// TestSQNTurnContext: a caller waiting for its turn leaves when its
// context ends, and the turn holder's end lets the next one in.
func TestSQNTurnContext(t *testing.T) {
	var turns sqnTurns
	done, err := turns.take(t.Context(), "a")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := turns.take(ctx, "a"); !errors.Is(err, context.Canceled) {
		t.Errorf("take while held, context ended = %v, want %v", err, context.Canceled)
	}
	other, err := turns.take(ctx, "b")
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if other != nil {
		other()
	}
	done()
	again, err := turns.take(t.Context(), "a")
	if err != nil {
		t.Fatalf("take after the holder ended: %v", err)
	}
	again()
	if n := len(turns.m); n != 0 {
		t.Errorf("%d turns left, want 0", n)
	}
}
