package selection

import (
	"context"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// UDM is the UDM's services as the AMF, the AUSF, the SMF and the PCF
// consume them: each request selects a UDM serving the subscriber's SUPI,
// or the routing indicator of the SUCI (TS 23.501 §6.3.8).
func UDM(dir sbi.Directory, locality string) sbi.UDM {
	return udm{dir, locality}
}

type udm struct {
	dir      sbi.Directory
	locality string
}

func (s udm) call(ctx context.Context, q sbi.Query, do func(sbi.UDM) error) error {
	peers, err := s.dir.UDMs(ctx, q)
	if err != nil {
		return err
	}
	_, err = try(ctx, peers, func(p sbi.Peer[sbi.UDM]) (struct{}, error) { return struct{}{}, do(p.Service) })
	return err
}

func (s udm) bySUPI(supi string) sbi.Query { return sbi.Query{SUPI: supi, Locality: s.locality} }

func (s udm) GenerateAuthData(ctx context.Context, req sbi.AuthRequest) (v sbi.AuthVector, err error) {
	err = s.call(ctx, homeQuery(req, s.locality), func(u sbi.UDM) error {
		v, err = u.GenerateAuthData(ctx, req)
		return err
	})
	return v, err
}

func (s udm) ConfirmAuth(ctx context.Context, supi string, event sbi.AuthEvent) error {
	return s.call(ctx, s.bySUPI(supi), func(u sbi.UDM) error { return u.ConfirmAuth(ctx, supi, event) })
}

func (s udm) AccessAndMobility(ctx context.Context, supi string) (am sbi.AMData, err error) {
	err = s.call(ctx, s.bySUPI(supi), func(u sbi.UDM) error {
		am, err = u.AccessAndMobility(ctx, supi)
		return err
	})
	return am, err
}

func (s udm) SessionManagement(ctx context.Context, supi string) (sm []sbi.SMData, err error) {
	err = s.call(ctx, s.bySUPI(supi), func(u sbi.UDM) error {
		sm, err = u.SessionManagement(ctx, supi)
		return err
	})
	return sm, err
}

func (s udm) RegisterAMF(ctx context.Context, supi string, reg sbi.AMFRegistration) error {
	return s.call(ctx, s.bySUPI(supi), func(u sbi.UDM) error { return u.RegisterAMF(ctx, supi, reg) })
}

func (s udm) DeregisterAMF(ctx context.Context, supi string, guami ident.GUAMI) error {
	return s.call(ctx, s.bySUPI(supi), func(u sbi.UDM) error { return u.DeregisterAMF(ctx, supi, guami) })
}

func (s udm) AMF(ctx context.Context, supi string) (reg sbi.AMFRegistration, ok bool) {
	s.call(ctx, s.bySUPI(supi), func(u sbi.UDM) error {
		reg, ok = u.AMF(ctx, supi)
		return nil
	})
	return reg, ok
}

// UDR is the UDM's Nudr_DataRepository: each request selects a UDR
// holding the subscriber's SUPI (TS 23.501 §6.3.9).
func UDR(dir sbi.Directory, locality string) sbi.NudrDataRepository {
	return udr{dir, locality}
}

type udr struct {
	dir      sbi.Directory
	locality string
}

func (s udr) call(ctx context.Context, supi string, do func(sbi.NudrDataRepository) error) error {
	peers, err := s.dir.UDRs(ctx, sbi.Query{SUPI: supi, Locality: s.locality})
	if err != nil {
		return err
	}
	_, err = try(ctx, peers, func(p sbi.Peer[sbi.NudrDataRepository]) (struct{}, error) { return struct{}{}, do(p.Service) })
	return err
}

func (s udr) AuthenticationSubscription(ctx context.Context, supi string) (a sbi.AuthenticationSubscription, err error) {
	err = s.call(ctx, supi, func(r sbi.NudrDataRepository) error {
		a, err = r.AuthenticationSubscription(ctx, supi)
		return err
	})
	return a, err
}

func (s udr) NextSQN(ctx context.Context, supi string) (a sbi.AuthenticationSubscription, err error) {
	err = s.call(ctx, supi, func(r sbi.NudrDataRepository) error {
		a, err = r.NextSQN(ctx, supi)
		return err
	})
	return a, err
}

func (s udr) ResyncSQN(ctx context.Context, supi string, sqnMS uint64) error {
	return s.call(ctx, supi, func(r sbi.NudrDataRepository) error { return r.ResyncSQN(ctx, supi, sqnMS) })
}

func (s udr) AccessAndMobilitySubscription(ctx context.Context, supi string) (am sbi.AMData, err error) {
	err = s.call(ctx, supi, func(r sbi.NudrDataRepository) error {
		am, err = r.AccessAndMobilitySubscription(ctx, supi)
		return err
	})
	return am, err
}

func (s udr) SessionManagementSubscription(ctx context.Context, supi string) (sm []sbi.SMData, err error) {
	err = s.call(ctx, supi, func(r sbi.NudrDataRepository) error {
		sm, err = r.SessionManagementSubscription(ctx, supi)
		return err
	})
	return sm, err
}

var _ sbi.NudrProvisionedData = udr{}

// AccessAndMobilityWithSessionManagement reads both data sets in one
// request from a UDR whose binding can (QueryProvisionedData, TS 29.505
// §5.2.26), in two from one that cannot.
func (s udr) AccessAndMobilityWithSessionManagement(ctx context.Context, supi string) (am sbi.AMData, sm []sbi.SMData, err error) {
	err = s.call(ctx, supi, func(r sbi.NudrDataRepository) error {
		if p, ok := r.(sbi.NudrProvisionedData); ok {
			am, sm, err = p.AccessAndMobilityWithSessionManagement(ctx, supi)
			return err
		}
		if am, err = r.AccessAndMobilitySubscription(ctx, supi); err != nil {
			return err
		}
		sm, err = r.SessionManagementSubscription(ctx, supi)
		return err
	})
	return am, sm, err
}
