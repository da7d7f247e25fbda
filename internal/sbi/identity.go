package sbi

import (
	"fmt"
	"github.com/keelcore/keel/internal/ident"
	"strings"
)

// Resync carries a UE's synchronisation failure (TS 33.102 §6.3.3, §6.3.5;
// TS 29.503 ResynchronizationInfo): the RAND of the challenge it refused
// and its AUTS = (SQN_MS ⊕ AK*) || MAC-S.
type Resync struct {
	RAND [16]byte
	AUTS [14]byte
}

// ValidSUPI reports whether s is a SUPI of the IMSI type:
// "imsi-" followed by 6 to 15 digits (ident.SUPI).
func ValidSUPI(s string) bool { return ident.SUPI(s).Validate() == nil }

// ParseServingNetworkName checks a serving network name of a 3GPP PLMN,
// "5G:mnc<MNC>.mcc<MCC>.3gppnetwork.org" with a 3-digit MNC
// (TS 24.501 §9.12.1, TS 33.501 §6.1.1.4), and returns its MCC and its
// MNC as written there, with 3 digits (a 2-digit MNC is padded with a
// leading zero).
func ParseServingNetworkName(sn string) (mcc, mnc string, err error) {
	rest, ok := strings.CutPrefix(sn, "5G:mnc")
	if !ok {
		return "", "", fmt.Errorf("%w: serving network name %q does not start with 5G:mnc", ErrServingNetworkNotAuthorized, sn)
	}
	mnc, rest, ok = strings.Cut(rest, ".mcc")
	if !ok || len(mnc) != 3 || !allDigits(mnc) {
		return "", "", fmt.Errorf("%w: serving network name %q: want a 3-digit MNC", ErrServingNetworkNotAuthorized, sn)
	}
	mcc, rest, ok = strings.Cut(rest, ".")
	if !ok || len(mcc) != 3 || !allDigits(mcc) || rest != "3gppnetwork.org" {
		return "", "", fmt.Errorf("%w: serving network name %q: want .mcc<3 digits>.3gppnetwork.org", ErrServingNetworkNotAuthorized, sn)
	}
	return mcc, mnc, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
