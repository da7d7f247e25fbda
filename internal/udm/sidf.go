package udm

import (
	"fmt"

	"github.com/keelcore/keel/internal/crypto/suci"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// supiOf resolves the subscriber of a request: its SUPI, or the SUPI its
// SUCI conceals.
func (u *UDM) supiOf(req sbi.AuthRequest) (string, error) {
	switch {
	case req.SUCI != nil && req.SUPI != "":
		return "", fmt.Errorf("udm: %w: both SUCI and SUPI given", sbi.ErrInvalidRequest)
	case req.SUCI != nil:
		return u.deconceal(*req.SUCI)
	case !sbi.ValidSUPI(req.SUPI):
		return "", fmt.Errorf("udm: %w: SUPI %q is not imsi- and 6 to 15 digits", sbi.ErrInvalidRequest, req.SUPI)
	}
	return req.SUPI, nil
}

// deconceal is the SIDF (TS 33.501 §6.12.2): it recovers the SUPI from a
// SUCI of the IMSI type.
func (u *UDM) deconceal(s ident.SUCI) (string, error) {
	if err := s.HomePLMN().Validate(); err != nil {
		return "", fmt.Errorf("udm: %w: SUCI home network identifier: %v", sbi.ErrInvalidRequest, err)
	}
	var bcd []byte
	switch scheme := suci.Scheme(s.Scheme); scheme {
	case suci.Null:
		bcd = s.SchemeOutput
	case suci.ProfileA, suci.ProfileB:
		if u.keys == nil {
			return "", fmt.Errorf("udm: %w: no home network keys for protection scheme %d", sbi.ErrSUCIDeconceal, s.Scheme)
		}
		key, ok := u.keys.Key(s.KeyID)
		if !ok {
			return "", fmt.Errorf("udm: %w: unknown home network public key identifier %d", sbi.ErrSUCIDeconceal, s.KeyID)
		}
		if key.Scheme != scheme {
			return "", fmt.Errorf("udm: %w: home network key %d is for protection scheme %d, the SUCI uses %d", sbi.ErrSUCIDeconceal, s.KeyID, key.Scheme, s.Scheme)
		}
		d := u.sidf[s.KeyID]
		if d == nil {
			return "", fmt.Errorf("udm: %w: home network key %d not loaded", sbi.ErrSUCIDeconceal, s.KeyID)
		}
		var err error
		if bcd, err = d.Deconceal(s.SchemeOutput); err != nil {
			return "", fmt.Errorf("udm: %w: key %d: %w", sbi.ErrSUCIDeconceal, s.KeyID, err)
		}
	default:
		// TS 33.501 Annex C.1: other schemes are operator-specific; Keel has none.
		return "", fmt.Errorf("udm: %w: protection scheme %d not supported", sbi.ErrSUCIDeconceal, s.Scheme)
	}
	msin, err := suci.MSIN(bcd)
	if err != nil {
		return "", fmt.Errorf("udm: %w: MSIN: %w", sbi.ErrSUCIDeconceal, err)
	}
	supi := "imsi-" + s.MCC + s.MNC + msin
	if !sbi.ValidSUPI(supi) {
		return "", fmt.Errorf("udm: %w: the SUCI conceals %d MSIN digits, too many or too few for an IMSI", sbi.ErrSUCIDeconceal, len(msin))
	}
	return supi, nil
}
