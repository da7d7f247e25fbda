package udm

import (
	"context"
	"errors"
	"fmt"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store"
)

// RegisterAMF records the AMF serving a UE over 3GPP access
// (Nudm_UECM_Registration, TS 29.503 §5.3.2.2.2), replacing an earlier
// one. The registration is a record (uecm_record.go), so that any UDM
// instance sharing the records reads and purges it: one write for a UE
// not registered yet, a second when the first finds a registration to
// replace.
func (u *UDM) RegisterAMF(ctx context.Context, supi string, reg sbi.AMFRegistration) error {
	if !sbi.ValidSUPI(supi) {
		return fmt.Errorf("udm: RegisterAMF: %w: SUPI %q", sbi.ErrInvalidRequest, supi)
	}
	b, err := encodeAMFRegistration(reg)
	if err != nil {
		return fmt.Errorf("udm: RegisterAMF %s: %w: %w", supi, sbi.ErrSystemFailure, err)
	}
	_, err = u.records.PutRecord(ctx, store.Record{Kind: AMFRegistrationKind, Key: supi, Value: b, Expect: store.MustCreate})
	switch {
	case err == nil:
		u.metrics.amfRegistrations.WithLabelValues("created").Inc()
	case errors.Is(err, store.ErrConflict):
		if _, err := u.records.PutRecord(ctx, store.Record{Kind: AMFRegistrationKind, Key: supi, Value: b}); err != nil {
			return fmt.Errorf("udm: RegisterAMF %s: %w", supi, storeError(err))
		}
		u.metrics.amfRegistrations.WithLabelValues("replaced").Inc()
	default:
		return fmt.Errorf("udm: RegisterAMF %s: %w", supi, storeError(err))
	}
	return nil
}

// DeregisterAMF forgets the AMF registration of a UE (TS 29.503
// §5.3.2.4.2) when guami is the registered AMF's or zero: the purge of
// an AMF the UE has left keeps its successor's registration. The record
// is deleted at the revision whose GUAMI was compared, so a registration
// another UDM instance writes meanwhile is not purged with it.
func (u *UDM) DeregisterAMF(ctx context.Context, supi string, guami ident.GUAMI) error {
	for range maxCASRounds {
		reg, rev, ok, err := u.getAMFRegistration(ctx, supi)
		if err != nil {
			return fmt.Errorf("udm: DeregisterAMF: %w", err)
		}
		if !ok || guami != (ident.GUAMI{}) && reg.GUAMI != guami {
			return nil
		}
		err = u.records.DeleteRecord(ctx, AMFRegistrationKind, supi, rev)
		switch {
		case err == nil:
			u.metrics.amfRegistrations.WithLabelValues("purged").Inc()
			return nil
		case errors.Is(err, store.ErrNotFound):
			return nil
		case !errors.Is(err, store.ErrConflict):
			return fmt.Errorf("udm: DeregisterAMF %s: %w", supi, storeError(err))
		}
	}
	return fmt.Errorf("udm: DeregisterAMF %s: %w: the registration kept changing", supi, sbi.ErrUnavailable)
}

// maxCASRounds bounds the compare-and-set rounds of one request: a
// registration rewritten that often during one purge is contended beyond
// reason, and the AMF may retry.
const maxCASRounds = 8

// AMF returns the AMF registration of a UE (TS 29.503 §5.3.2.5). A
// registration the records cannot give is reported as none, and logged.
func (u *UDM) AMF(ctx context.Context, supi string) (sbi.AMFRegistration, bool) {
	reg, _, ok, err := u.getAMFRegistration(ctx, supi)
	if err != nil {
		u.log.Warn("AMF registration unreadable", "supi", supi, "error", err)
		return sbi.AMFRegistration{}, false
	}
	return reg, ok
}
