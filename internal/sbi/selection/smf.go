package selection

import (
	"context"

	"github.com/keelcore/keel/internal/sbi"
)

// SMF is the AMF's Nsmf_PDUSession: CreateSMContext selects the SMF by
// the request's S-NSSAI and DNN (TS 23.501 §6.3.2, TS 23.502 §4.3.2.2.1
// step 2), and the SM context reference leads the other requests to it.
func SMF(dir sbi.Directory, locality string) sbi.NsmfPDUSession {
	return smf{dir, locality}
}

type smf struct {
	dir      sbi.Directory
	locality string
}

func (s smf) CreateSMContext(ctx context.Context, req sbi.SmContextCreateData) (sbi.SmContextCreatedData, error) {
	slice := req.SNssai
	peers, err := s.dir.SMFs(ctx, sbi.Query{SNSSAI: &slice, DNN: req.Dnn, Locality: s.locality})
	if err != nil {
		return sbi.SmContextCreatedData{}, err
	}
	return try(ctx, peers, func(p sbi.Peer[sbi.NsmfPDUSession]) (sbi.SmContextCreatedData, error) {
		res, err := p.Service.CreateSMContext(ctx, req)
		if err == nil {
			res.SmContextRef = Ref(p.ID, res.SmContextRef)
		}
		return res, err
	})
}

func (s smf) UpdateSMContext(ctx context.Context, ref string, upd sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	p, inner, err := one(ctx, ref, sbi.ErrSMContextNotFound, func(q sbi.Query) ([]sbi.Peer[sbi.NsmfPDUSession], error) { return s.dir.SMFs(ctx, q) })
	if err != nil {
		return sbi.SmContextUpdatedData{}, err
	}
	return p.Service.UpdateSMContext(ctx, inner, upd)
}

func (s smf) ReleaseSMContext(ctx context.Context, ref string) error {
	p, inner, err := one(ctx, ref, sbi.ErrSMContextNotFound, func(q sbi.Query) ([]sbi.Peer[sbi.NsmfPDUSession], error) { return s.dir.SMFs(ctx, q) })
	if err != nil {
		return err
	}
	return p.Service.ReleaseSMContext(ctx, inner)
}
