package nudr

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// alwaysMoved is a UDR whose SQN another UDM always advances first: the
// GET answers the subscription, every PATCH 409 Conflict.
type alwaysMoved struct{ patches atomic.Int64 }

func (u *alwaysMoved) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPatch {
		u.patches.Add(1)
		return openapitest.Answering{Status: http.StatusConflict, ContentType: sbihttp.ContentProblem, Body: []byte(`{"status":409,"cause":"MODIFICATION_NOT_ALLOWED"}`)}.RoundTrip(req)
	}
	return openapitest.Answering{Status: http.StatusOK, ContentType: "application/json", Body: []byte(`{"authenticationMethod":"5G_AKA","encPermanentKey":"00112233445566778899aabbccddeeff","encOpcKey":"00112233445566778899aabbccddeeff","authenticationManagementField":"8000","algorithmId":"milenage","sequenceNumber":{"sqnScheme":"NON_TIME_BASED","sqn":"000000000021","indLength":5}}`)}.RoundTrip(req)
}

// TestNextSQNContentionBounded: an SQN advance that keeps losing the
// compare-and-set retries for its time limit, not a number of rounds, and gives
// up at its time limit with sbi.ErrUnavailable, or when its context
// ends first with the context's error; it never returns a value it did
// not advance to.
func TestNextSQNContentionBounded(t *testing.T) {
	udr := &alwaysMoved{}
	c := NewClient(sbihttp.NewClient(sbihttp.ClientConfig{
		Resolver:    sbihttp.StaticResolver{ServiceName: {"http://127.0.0.1:1"}},
		Transport:   udr,
		MaxAttempts: 1,
	}), ident.PLMN{MCC: "001", MNC: "01"})
	c.sqnLimit = time.Second
	start := time.Now()
	_, err := c.NextSQN(context.Background(), "imsi-001010000000001")
	if !errors.Is(err, sbi.ErrUnavailable) {
		t.Fatalf("NextSQN losing every round = %v, want %v", err, sbi.ErrUnavailable)
	}
	if d := time.Since(start); d < c.sqnLimit {
		t.Errorf("NextSQN gave up after %v, before its limit %v", d, c.sqnLimit)
	}
	if n := udr.patches.Load(); n <= 32 {
		t.Errorf("NextSQN gave up after %d rounds in %v, want it to keep trying", n, c.sqnLimit)
	}

	c.sqnLimit = sqnContentionLimit
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.NextSQN(ctx, "imsi-001010000000001"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("NextSQN whose context ends while losing = %v, want %v", err, context.DeadlineExceeded)
	}
}
