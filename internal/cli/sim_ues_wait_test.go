package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/api/client"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
)

// TestWaitDeactivated: the paging pass waits until every session of the
// run is DEACTIVATED. A session still ACTIVATING (its setup not finished
// at the SMF) will become ACTIVATED before its release deactivates it:
// downlink sent then goes to the released tunnel.
func TestWaitDeactivated(t *testing.T) {
	var polls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state := "DEACTIVATED"
		switch n := polls.Add(1); {
		case n <= 2:
			state = "ACTIVATING"
		case n <= 4:
			state = "ACTIVATED"
		}
		json.NewEncoder(w).Encode(map[string]any{"sessions": []map[string]any{
			{"supi": "imsi-001010000000001", "pdu_session_id": 1, "up_cnx_state": "DEACTIVATED"},
			{"supi": "imsi-001010000000002", "pdu_session_id": 1, "up_cnx_state": state},
			// Not one of the run's UEs: never waited for.
			{"supi": "imsi-001010000000009", "pdu_session_id": 1, "up_cnx_state": "ACTIVATED"},
		}})
	}))
	defer srv.Close()
	r := &ueRun{count: 2, firstIMSI: 1, plmn: ident.PLMN{MCC: "001", MNC: "01"}, timeout: 10 * time.Second,
		api: client.New(srv.URL, secret.NewToken())}
	r.waitDeactivated(context.Background())
	if n := polls.Load(); n != 5 {
		t.Errorf("waitDeactivated returned after %d polls, want 5: the first showing every session of the run DEACTIVATED", n)
	}
}
