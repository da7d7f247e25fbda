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

func (s pcf) Create(ctx context.Context, req sbi.SmPolicyContextData) (sbi.SmPolicyDecision, error) {
	slice := req.SliceInfo
	peers, err := s.dir.PCFs(ctx, sbi.Query{SUPI: req.Supi, SNSSAI: &slice, DNN: req.Dnn, Locality: s.locality})
	if err != nil {
		return sbi.SmPolicyDecision{}, err
	}
	return try(ctx, peers, func(p sbi.Peer[sbi.NpcfSMPolicyControl]) (sbi.SmPolicyDecision, error) {
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

func (s pcf) Update(ctx context.Context, id string, upd sbi.SmPolicyUpdateContextData) (sbi.SmPolicyDecision, error) {
	p, inner, err := s.instance(ctx, id)
	if err != nil {
		return sbi.SmPolicyDecision{}, err
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

func (p policyNotifier) SMPolicyUpdated(ctx context.Context, pol sbi.SmPolicyDecision) error {
	pol.ID = Ref(p.id, pol.ID)
	return p.n.SMPolicyUpdated(ctx, pol)
}
