package sbi

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// SUCI is a Subscription Concealed Identifier of the IMSI type
// (TS 23.003 §2.2B), as the AMF decodes it from the 5GS mobile identity IE
// (TS 24.501 §9.11.3.4).
type SUCI struct {
	// MCC and MNC are the home network identifier: 3 and 2 or 3 digits.
	MCC, MNC string
	// RoutingIndicator is 1 to 4 digits ("0" when the SIM has none).
	RoutingIndicator string
	// Scheme is the protection scheme identifier: 0 null, 1 profile A,
	// 2 profile B (TS 33.501 Annex C.1).
	Scheme uint8
	// KeyID is the home network public key identifier, 0 for the null scheme.
	KeyID uint8
	// SchemeOutput is the concealed MSIN; for the null scheme the MSIN
	// itself in BCD, two digits per octet, low nibble first, filler 0xF
	// (TS 24.501 Figure 9.11.3.4.3a).
	SchemeOutput []byte
}

// String gives the SUCI in the form of TS 23.003 §28.7.3
// ("suci-0-<mcc>-<mnc>-<routing indicator>-<scheme>-<key id>-<scheme output>"),
// the scheme output in hexadecimal.
func (s SUCI) String() string {
	return fmt.Sprintf("suci-0-%s-%s-%s-%d-%d-%s", s.MCC, s.MNC, s.RoutingIndicator, s.Scheme, s.KeyID, hex.EncodeToString(s.SchemeOutput))
}

// Resync carries a UE's synchronisation failure (TS 33.102 §6.3.3, §6.3.5;
// TS 29.503 ResynchronizationInfo): the RAND of the challenge it refused
// and its AUTS = (SQN_MS ⊕ AK*) || MAC-S.
type Resync struct {
	RAND [16]byte
	AUTS [14]byte
}

// ValidSUPI reports whether s is a SUPI of the IMSI type:
// "imsi-" followed by 6 to 15 digits (TS 23.003 §2.2A, TS 29.571 Supi).
func ValidSUPI(s string) bool {
	digits, ok := strings.CutPrefix(s, "imsi-")
	return ok && len(digits) >= 6 && len(digits) <= 15 && allDigits(digits)
}

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
