package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/api"
)

type fakeSessions struct{}

func (fakeSessions) Sessions() []api.SessionInfo {
	return []api.SessionInfo{
		{SUPI: "imsi-001010000000002", PDUSessionID: 1, DNN: "internet", PDUType: "ipv4", IPv4: "10.45.0.3", State: "active"},
		{SUPI: "imsi-001010000000001", PDUSessionID: 2, DNN: "internet", PDUType: "ipv4", IPv4: "10.45.0.4", State: "inactive", UpCnxState: "DEACTIVATED"},
		{SUPI: "imsi-001010000000001", PDUSessionID: 1, DNN: "ims", PDUType: "ipv4v6", IPv4: "10.46.0.2", State: "active"},
	}
}

func TestSessionRoute(t *testing.T) {
	do := testServer(t, api.Options{Sessions: fakeSessions{}, Gatherer: prometheus.NewRegistry()})
	if code, _ := do("GET", "/api/v1/sessions", false); code != 401 {
		t.Errorf("GET /api/v1/sessions without token = %d, want 401", code)
	}
	code, body := do("GET", "/api/v1/sessions?supi=imsi-001010000000001", true)
	var list api.SessionList
	if err := json.Unmarshal([]byte(body), &list); err != nil || code != 200 {
		t.Fatalf("GET /api/v1/sessions = %d %s", code, body)
	}
	if len(list.Sessions) != 2 || list.Sessions[0].PDUSessionID != 1 || list.Sessions[1].PDUSessionID != 2 {
		t.Errorf("sessions = %+v, want imsi-…01's two in PDU session ID order", list.Sessions)
	}
	if !strings.Contains(body, `"up_cnx_state": "DEACTIVATED"`) || list.Sessions[1].UpCnxState != "DEACTIVATED" {
		t.Errorf("GET /api/v1/sessions = %s, want the idle session's up_cnx_state DEACTIVATED", body)
	}
}
