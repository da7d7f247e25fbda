package ident

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Protection schemes of a SUCI (TS 33.501 Annex C.1).
const (
	SchemeNull     uint8 = 0
	SchemeProfileA uint8 = 1
	SchemeProfileB uint8 = 2
)

// SUCI is a Subscription Concealed Identifier of SUPI type IMSI
// (TS 23.003 §2.2B).
type SUCI struct {
	// MCC and MNC are the home network identifier: 3 and 2 or 3 digits.
	MCC, MNC string
	// RoutingIndicator is 1 to 4 digits ("0" when the SIM has none).
	RoutingIndicator string
	// Scheme is the protection scheme identifier, 0 to 15: 0 null,
	// 1 profile A, 2 profile B (TS 33.501 Annex C.1).
	Scheme uint8
	// KeyID is the home network public key identifier, 0 for the null
	// scheme.
	KeyID uint8
	// SchemeOutput is the concealed MSIN as the UE sends it; for the null
	// scheme the MSIN itself in BCD, two digits per octet, low nibble
	// first, filler 0xF (TS 24.501 figure 9.11.3.4.3a).
	SchemeOutput []byte
}

const suciPrefix = "suci-0-"

// HomePLMN returns the home network identifier as a PLMN.
func (s SUCI) HomePLMN() PLMN { return PLMN{MCC: s.MCC, MNC: s.MNC} }

// String gives the SUCI in the form of TS 29.571 §5.3.2 SupiOrSuci (TS
// 23.003 §2.2B): "suci-0-<mcc>-<mnc>-<routing indicator>-<scheme>-<key
// id>-<scheme output>", the scheme in hex, the key ID in decimal, the
// scheme output as the MSIN digits for the null scheme and in hex
// otherwise. A null-scheme output that is not BCD is written in hex.
func (s SUCI) String() string {
	out := hex.EncodeToString(s.SchemeOutput)
	if s.Scheme == SchemeNull {
		if msin, ok := bcdDigits(s.SchemeOutput); ok {
			out = msin
		}
	}
	return fmt.Sprintf("%s%s-%s-%s-%x-%d-%s", suciPrefix, s.MCC, s.MNC, s.RoutingIndicator, s.Scheme, s.KeyID, out)
}

// Validate checks the home network identifier, the routing indicator, the
// scheme range, the key ID, and the scheme output.
func (s SUCI) Validate() error {
	if err := s.HomePLMN().Validate(); err != nil {
		return within(err, "SUCI", "")
	}
	if len(s.RoutingIndicator) < 1 || len(s.RoutingIndicator) > 4 || !isDigits(s.RoutingIndicator) {
		return invalid("SUCI", "routing indicator", s.RoutingIndicator, "want 1 to 4 digits")
	}
	if s.Scheme > 15 {
		return invalid("SUCI", "protection scheme", strconv.Itoa(int(s.Scheme)), "want 0 to 15")
	}
	// TS 29.571 SupiOrSuci: key ID 0 with the null scheme, 1 to 255
	// with any other.
	if s.Scheme == SchemeNull && s.KeyID != 0 {
		return invalid("SUCI", "key id", strconv.Itoa(int(s.KeyID)), "want 0 with the null scheme")
	}
	if s.Scheme != SchemeNull && s.KeyID == 0 {
		return invalid("SUCI", "key id", "0", "want 1 to 255 with a protection scheme")
	}
	if len(s.SchemeOutput) == 0 {
		return invalid("SUCI", "scheme output", "", "must not be empty")
	}
	if _, ok := bcdDigits(s.SchemeOutput); s.Scheme == SchemeNull && !ok {
		return invalid("SUCI", "scheme output", hex.EncodeToString(s.SchemeOutput), "want the MSIN in BCD with the null scheme")
	}
	return nil
}

// ParseSUCI reads the form of String. The null scheme's output is the
// MSIN in digits; any other scheme's is hex.
func ParseSUCI(v string) (SUCI, error) {
	rest, ok := strings.CutPrefix(v, suciPrefix)
	parts := strings.Split(rest, "-")
	if !ok || len(parts) != 6 {
		return SUCI{}, invalid("SUCI", "", v, `want "suci-0-<mcc>-<mnc>-<routing indicator>-<scheme>-<key id>-<scheme output>"`)
	}
	s := SUCI{MCC: parts[0], MNC: parts[1], RoutingIndicator: parts[2]}
	scheme, err := strconv.ParseUint(parts[3], 16, 4)
	if err != nil || len(parts[3]) != 1 {
		return SUCI{}, invalid("SUCI", "protection scheme", parts[3], "want one hex digit")
	}
	s.Scheme = uint8(scheme)
	key, err := strconv.ParseUint(parts[4], 10, 8)
	if err != nil || len(parts[4]) > 3 || !isDigits(parts[4]) || (len(parts[4]) > 1 && parts[4][0] == '0') {
		return SUCI{}, invalid("SUCI", "key id", parts[4], "want 0 to 255")
	}
	s.KeyID = uint8(key)
	if s.Scheme == SchemeNull {
		if !isDigits(parts[5]) {
			return SUCI{}, invalid("SUCI", "scheme output", parts[5], "want the MSIN digits with the null scheme")
		}
		s.SchemeOutput = bcd(parts[5])
	} else {
		if len(parts[5])%2 != 0 || !isHex(parts[5]) {
			return SUCI{}, invalid("SUCI", "scheme output", clip([]byte(parts[5])), "want hex octets")
		}
		s.SchemeOutput, _ = hex.DecodeString(parts[5])
	}
	if err := s.Validate(); err != nil {
		return SUCI{}, err
	}
	return s, nil
}

// bcd packs digits two to an octet, low nibble first, 0xF filling an odd
// count.
func bcd(digits string) []byte {
	b := make([]byte, 0, (len(digits)+1)/2)
	for i := 0; i < len(digits); i += 2 {
		hi := byte(0x0f)
		if i+1 < len(digits) {
			hi = digits[i+1] - '0'
		}
		b = append(b, hi<<4|(digits[i]-'0'))
	}
	return b
}

// bcdDigits is the inverse of bcd; a filler may only end the last octet.
func bcdDigits(b []byte) (string, bool) {
	out := make([]byte, 0, 2*len(b))
	for i, o := range b {
		lo, hi := o&0x0f, o>>4
		if lo > 9 {
			return "", false
		}
		out = append(out, '0'+lo)
		switch {
		case hi <= 9:
			out = append(out, '0'+hi)
		case hi != 0x0f || i != len(b)-1:
			return "", false
		}
	}
	return string(out), len(out) > 0
}

// MarshalJSON gives the SUCI as a JSON string in the form of String.
func (s SUCI) MarshalJSON() ([]byte, error) { return marshalString(s, s.String()) }

// UnmarshalJSON reads a JSON string in the form of String.
func (s *SUCI) UnmarshalJSON(b []byte) error {
	return unmarshalString(b, "SUCI", ParseSUCI, s)
}
