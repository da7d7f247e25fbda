package nssf

import (
	"context"
	"fmt"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// UpdateNSSAIAvailability is Nnssf_NSSAIAvailability_Update by PUT
// (TS 29.531 §5.3.2.2; TS 23.502 §5.2.16.3.1): info replaces what the NF
// instance nfID reported before. The NSSF authorizes, in each TA, the
// reported S-NSSAIs its configuration has there (TS 23.501 §5.15.8) and
// answers them per TA; a TA the configuration does not have is
// authorized nothing and left out. The answer is empty when nothing is
// authorized anywhere (HTTP 204).
func (n *NSSF) UpdateNSSAIAvailability(ctx context.Context, nfID string, info sbi.NSSAIAvailabilityInfo) (sbi.AuthorizedNSSAIAvailabilityInfo, error) {
	tas, err := n.authorize(nfID, info)
	if err != nil {
		n.metrics.availability.WithLabelValues("update", sbi.Outcome(err)).Inc()
		return sbi.AuthorizedNSSAIAvailabilityInfo{}, err
	}
	n.mu.Lock()
	if n.mu.stopped {
		n.mu.Unlock()
		err := fmt.Errorf("nssf: stopped: %w", sbi.ErrUnavailable)
		n.metrics.availability.WithLabelValues("update", sbi.Outcome(err)).Inc()
		return sbi.AuthorizedNSSAIAvailabilityInfo{}, err
	}
	n.mu.byNF[nfID] = tas
	n.rebuild()
	n.mu.Unlock()
	n.metrics.availability.WithLabelValues("update", "ok").Inc()

	var out sbi.AuthorizedNSSAIAvailabilityInfo
	for _, d := range info.SupportedNSSAIAvailabilityData {
		list, ok := tas[d.TAI]
		if !ok || len(list) == 0 || answered(out, d.TAI) {
			continue
		}
		out.AuthorizedNSSAIAvailabilityData = append(out.AuthorizedNSSAIAvailabilityData,
			sbi.AuthorizedNSSAIAvailabilityData{TAI: d.TAI, SupportedSNSSAIList: list})
	}
	n.log.Info("NSSAI availability updated", "nf_id", nfID, "tas", len(info.SupportedNSSAIAvailabilityData),
		"tas_authorized", len(out.AuthorizedNSSAIAvailabilityData))
	return out, nil
}

// authorize checks an update (TS 29.531 NssaiAvailabilityInfo: at least
// one TA, each with at least one S-NSSAI; TS 29.571 NfInstanceId: a
// UUID) and returns, per TA, the S-NSSAIs reported there that the
// configuration has, canonical and each once.
func (n *NSSF) authorize(nfID string, info sbi.NSSAIAvailabilityInfo) (map[ident.TAI][]ident.SNSSAI, error) {
	if !validUUID(nfID) {
		return nil, fmt.Errorf("nssf: NSSAIAvailability: nfId %q is not a UUID: %w", nfID, sbi.ErrInvalidRequest)
	}
	if len(info.SupportedNSSAIAvailabilityData) == 0 {
		return nil, fmt.Errorf("nssf: NSSAIAvailability: no supportedNssaiAvailabilityData: %w", sbi.ErrInvalidRequest)
	}
	tas := map[ident.TAI][]ident.SNSSAI{}
	for _, d := range info.SupportedNSSAIAvailabilityData {
		if err := d.TAI.Validate(); err != nil {
			return nil, fmt.Errorf("nssf: NSSAIAvailability: %w: %w", sbi.ErrInvalidRequest, err)
		}
		if len(d.SupportedSNSSAIList) == 0 {
			return nil, fmt.Errorf("nssf: NSSAIAvailability: TA %s: empty supportedSnssaiList: %w", d.TAI, sbi.ErrInvalidRequest)
		}
		configured, ok := n.configured[d.TAI]
		list := tas[d.TAI]
		for _, s := range d.SupportedSNSSAIList {
			if err := s.Validate(); err != nil {
				return nil, fmt.Errorf("nssf: NSSAIAvailability: TA %s: %w: %w", d.TAI, sbi.ErrInvalidRequest, err)
			}
			if contains(configured, s) {
				list = add(list, s)
			}
		}
		if ok {
			tas[d.TAI] = list
		}
	}
	return tas, nil
}

// answered reports whether out has an entry for tai already.
func answered(out sbi.AuthorizedNSSAIAvailabilityInfo, tai ident.TAI) bool {
	for _, d := range out.AuthorizedNSSAIAvailabilityData {
		if d.TAI == tai {
			return true
		}
	}
	return false
}

// DeleteNSSAIAvailability is Nnssf_NSSAIAvailability_Delete (TS 29.531
// §5.3.2.6): the NSSF forgets what nfID reported; its TAs then support
// what the other AMFs there reported, or the configuration.
func (n *NSSF) DeleteNSSAIAvailability(ctx context.Context, nfID string) error {
	n.mu.Lock()
	var err error
	switch _, ok := n.mu.byNF[nfID]; {
	case n.mu.stopped:
		err = fmt.Errorf("nssf: stopped: %w", sbi.ErrUnavailable)
	case !ok:
		err = fmt.Errorf("nssf: NSSAIAvailability of %q: %w", nfID, sbi.ErrNSSAIAvailabilityNotFound)
	default:
		delete(n.mu.byNF, nfID)
		n.rebuild()
	}
	n.mu.Unlock()
	n.metrics.availability.WithLabelValues("delete", sbi.Outcome(err)).Inc()
	if err == nil {
		n.log.Info("NSSAI availability deleted", "nf_id", nfID)
	}
	return err
}

// validUUID reports whether s is a UUID in its text form (RFC 9562 §4:
// 8-4-4-4-12 hexadecimal digits), as TS 29.571 NfInstanceId is.
func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
