package selection

import (
	"context"

	"github.com/keelcore/keel/internal/sbi"
)

// PCF is the SMF's Npcf_SMPolicyControl: Create selects the PCF by the
// session's DNN and S-NSSAI (TS 23.501 §6.3.7.1), and the association's
// ID leads Update and Delete to it. The PCF's notifications name the
// association by its own ID: deliver them through PolicyNotifier.
func PCF(dir sbi.Directory, locality string) sbi.NpcfSMPolicyControl {
	return pcf{dir, locality}
}

type pcf struct {
	dir      sbi.Directory
	locality string
}

func (s pcf) Create(ctx context.Context, req sbi.SMPolicyRequest) (sbi.SMPolicy, error) {
	slice := req.SNSSAI
	peers, err := s.dir.PCFs(ctx, sbi.Query{SUPI: req.SUPI, SNSSAI: &slice, DNN: req.DNN, Locality: s.locality})
	if err != nil {
		return sbi.SMPolicy{}, err
	}
	return try(ctx, peers, func(p sbi.Peer[sbi.NpcfSMPolicyControl]) (sbi.SMPolicy, error) {
		pol, err := p.Service.Create(ctx, req)
		if err == nil {
			pol.ID = Ref(p.ID, pol.ID)
		}
		return pol, err
	})
}

func (s pcf) instance(ctx context.Context, id string) (sbi.Peer[sbi.NpcfSMPolicyControl], string, error) {
	return one(ctx, id, sbi.ErrPolicyNotFound, func(q sbi.Query) ([]sbi.Peer[sbi.NpcfSMPolicyControl], error) { return s.dir.PCFs(ctx, q) })
}

func (s pcf) Update(ctx context.Context, id string, upd sbi.SMPolicyUpdate) (sbi.SMPolicy, error) {
	p, inner, err := s.instance(ctx, id)
	if err != nil {
		return sbi.SMPolicy{}, err
	}
	pol, err := p.Service.Update(ctx, inner, upd)
	if err == nil {
		pol.ID = Ref(p.ID, pol.ID)
	}
	return pol, err
}

func (s pcf) Delete(ctx context.Context, id string) error {
	p, inner, err := s.instance(ctx, id)
	if err != nil {
		return err
	}
	return p.Service.Delete(ctx, inner)
}

// PolicyNotifier delivers the notifications of the PCF instance
// pcfInstance to n under the association IDs PCF answered the SMF.
func PolicyNotifier(pcfInstance string, n sbi.NpcfSMPolicyNotifier) sbi.NpcfSMPolicyNotifier {
	return policyNotifier{pcfInstance, n}
}

type policyNotifier struct {
	id string
	n  sbi.NpcfSMPolicyNotifier
}

func (p policyNotifier) SMPolicyUpdated(ctx context.Context, pol sbi.SMPolicy) error {
	pol.ID = Ref(p.id, pol.ID)
	return p.n.SMPolicyUpdated(ctx, pol)
}
