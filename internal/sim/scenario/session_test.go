package scenario

import (
	"context"
	"net/netip"
	"testing"

	"github.com/keelcore/keel/internal/ident"
)

// TestSessionProceduresNeedAConnection: the 5GSM procedures and Ping of
// a UE in 5GMM-IDLE fail with "idle" before touching the UE. (The
// procedures themselves run against the core in internal/testenv.)
func TestSessionProceduresNeedAConnection(t *testing.T) {
	s := &Session{}
	ctx := context.Background()
	if _, _, err := s.EstablishPDUSession(ctx, 1, "internet", ident.SNSSAI{SST: 1}); Cause(err) != "idle" {
		t.Errorf("EstablishPDUSession when idle: %v, want cause idle", err)
	}
	if _, err := s.Ping(ctx, 1, netip.MustParseAddr("10.45.0.1"), 1); Cause(err) != "idle" {
		t.Errorf("Ping when idle: %v, want cause idle", err)
	}
	if err := s.ReleasePDUSession(ctx, 1); Cause(err) != "idle" {
		t.Errorf("ReleasePDUSession when idle: %v, want cause idle", err)
	}
}
