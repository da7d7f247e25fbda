package smf_test

import (
	"context"
	"sync"
	"testing"

	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/sbi"
)

// creatingPCF records the smfId of each Npcf_SMPolicyControl_Create.
type creatingPCF struct {
	sbi.NpcfSMPolicyControl
	mu     sync.Mutex
	smfIDs []string
}

func (p *creatingPCF) Create(ctx context.Context, req sbi.SmPolicyContextData) (sbi.SmPolicyDecision, error) {
	p.mu.Lock()
	p.smfIDs = append(p.smfIDs, req.SmfID)
	p.mu.Unlock()
	return p.NpcfSMPolicyControl.Create(ctx, req)
}

// TestPolicyAssociationNamesTheSMF: the SMF gives the PCF its NF
// instance ID as the smfId of each SM policy association (TS 29.512
// §5.6.2.3), by which the PCF releases the associations of an SMF gone.
func TestPolicyAssociationNamesTheSMF(t *testing.T) {
	const id = "8d6b3e4c-2f0a-4b7e-9c1d-5a6f7e8d9c0b"
	rec := &creatingPCF{}
	w := newWorld(t, worldOptions{instanceID: id, pcfVia: func(p *pcf.PCF) sbi.NpcfSMPolicyControl {
		rec.NpcfSMPolicyControl = p
		return rec
	}})
	if c := w.establish(supi1, 1, "internet", slice1); c.Reject {
		t.Fatalf("establishment rejected: cause %d", c.Cause)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.smfIDs) != 1 || rec.smfIDs[0] != id {
		t.Errorf("smfId of the PCF's associations = %q, want [%s]", rec.smfIDs, id)
	}
}
