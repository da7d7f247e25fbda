package nas

import (
	"fmt"
	"time"

	"github.com/keelcore/keel/internal/ident"
)

// IEIs of the optional REGISTRATION ACCEPT and REJECT IEs beyond the
// first ones (TS 24.501 §8.2.7, §8.2.9).
const (
	ieiRejectedNSSAI          uint8 = 0x11
	ieiConfiguredNSSAI        uint8 = 0x31
	ieiNetworkFeatureSupport  uint8 = 0x21
	ieiServiceAreaList        uint8 = 0x27
	ieiT3502                  uint8 = 0x16
	ieiEmergencyNumberList    uint8 = 0x34
	ieiRejectedNSSAIInReject  uint8 = 0x69
	maxPartialServiceAreaTACs       = 16
	maxEmergencyNumberDigits        = 20 // TS 24.008 §10.5.3.13: up to 10 BCD octets
)

// Rejected S-NSSAI causes, TS 24.501 table 9.11.3.46.1.
const (
	RejectedNotAvailableInPLMN             uint8 = 0
	RejectedNotAvailableInRegistrationArea uint8 = 1
)

// RejectedSNSSAI is one entry of a rejected NSSAI (§9.11.3.46): the
// S-NSSAI and why it is not allowed.
type RejectedSNSSAI struct {
	SNSSAI ident.SNSSAI
	Cause  uint8 // RejectedNotAvailableInPLMN, RejectedNotAvailableInRegistrationArea
}

// NetworkFeatures is the content of the 5GS network feature support IE
// (§9.11.3.5) Keel sets; every other bit is 0 (not supported).
type NetworkFeatures struct {
	// IMSVoPS: IMS voice over PS sessions supported over 3GPP access.
	IMSVoPS bool
	// EMC: emergency services supported in NR connected to 5GCN.
	EMC bool
}

// Emergency service categories, TS 24.008 table 10.5.135d (bits of the
// emergency service category value).
const (
	EmergencyPolice         uint8 = 1 << 0
	EmergencyAmbulance      uint8 = 1 << 1
	EmergencyFireBrigade    uint8 = 1 << 2
	EmergencyMarineGuard    uint8 = 1 << 3
	EmergencyMountainRescue uint8 = 1 << 4
)

// EmergencyNumber is one entry of an emergency number list (§9.11.3.23,
// TS 24.008 §10.5.3.13).
type EmergencyNumber struct {
	// Categories is the OR of Emergency* bits; 0 leaves the category
	// to the UE.
	Categories uint8
	// Digits are the number's decimal digits, 1 to 20.
	Digits string
}

// appendRejectedNSSAI encodes a rejected NSSAI (§9.11.3.46): per entry
// an octet holding the length of the S-NSSAI contents (high nibble) and
// the cause (low nibble), then SST and SD.
func appendRejectedNSSAI(b []byte, iei uint8, rejected []RejectedSNSSAI) []byte {
	b = append(b, iei, 0)
	lenAt := len(b) - 1
	for _, r := range rejected {
		s := r.SNSSAI
		if s.HasSD {
			b = append(b, 4<<4|r.Cause&0x0f, s.SST, byte(s.SD>>16), byte(s.SD>>8), byte(s.SD))
		} else {
			b = append(b, 1<<4|r.Cause&0x0f, s.SST)
		}
	}
	b[lenAt] = byte(len(b) - lenAt - 1)
	return b
}

// appendNetworkFeatures encodes the 5GS network feature support IE
// (§9.11.3.5) with two octets of contents: octet 3 bit 1 IMS-VoPS-3GPP,
// bits 3-4 EMC ("01": supported in NR connected to 5GCN only); octet 4
// all 0.
func appendNetworkFeatures(b []byte, f NetworkFeatures) []byte {
	var o3 byte
	if f.IMSVoPS {
		o3 |= 0x01
	}
	if f.EMC {
		o3 |= 0x01 << 2
	}
	return append(b, ieiNetworkFeatureSupport, 2, o3, 0)
}

// appendServiceAreaList encodes a service area list (§9.11.3.49) of one
// partial list of type 00 (TACs of one PLMN, not consecutive) with
// "allowed area" (bit 8 = 0). At most 16 TAIs fit.
func appendServiceAreaList(b []byte, tais []ident.TAI) ([]byte, error) {
	if len(tais) > maxPartialServiceAreaTACs {
		return nil, fmt.Errorf("nas: service area list of %d TAIs, at most %d", len(tais), maxPartialServiceAreaTACs)
	}
	p, err := tais[0].PLMN.Octets()
	if err != nil {
		return nil, err
	}
	b = append(b, ieiServiceAreaList, byte(1+3+3*len(tais)), byte(len(tais)-1))
	b = append(b, p[:]...)
	for _, ta := range tais {
		b = append(b, byte(ta.TAC>>16), byte(ta.TAC>>8), byte(ta.TAC))
	}
	return b, nil
}

// appendEmergencyNumbers encodes an emergency number list (§9.11.3.23,
// TS 24.008 §10.5.3.13): per entry its length, the service category
// value and the digits in BCD, filled with 0xf.
func appendEmergencyNumbers(b []byte, list []EmergencyNumber) ([]byte, error) {
	b = append(b, ieiEmergencyNumberList, 0)
	lenAt := len(b) - 1
	for _, n := range list {
		if !EmergencyDigits(n.Digits) {
			return nil, fmt.Errorf("nas: emergency number %q: want 1 to %d decimal digits", n.Digits, maxEmergencyNumberDigits)
		}
		b = append(b, byte(1+(len(n.Digits)+1)/2), n.Categories&0x1f)
		for i := 0; i < len(n.Digits); i += 2 {
			hi := byte(0xf)
			if i+1 < len(n.Digits) {
				hi = n.Digits[i+1] - '0'
			}
			b = append(b, hi<<4|(n.Digits[i]-'0'))
		}
	}
	if n := len(b) - lenAt - 1; n < 3 || n > 48 {
		return nil, fmt.Errorf("nas: emergency number list of %d octets, want 3 to 48", n)
	}
	b[lenAt] = byte(len(b) - lenAt - 1)
	return b, nil
}

// EmergencyDigits reports whether s can be an emergency number: 1 to 20
// decimal digits (TS 24.008 §10.5.3.13).
func EmergencyDigits(s string) bool {
	if len(s) == 0 || len(s) > maxEmergencyNumberDigits {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// appendT3502 encodes T3502 as GPRS timer 2 (§9.11.2.4, TS 24.008
// §10.5.7.4).
func appendT3502(b []byte, d time.Duration) []byte {
	return append(b, ieiT3502, 1, GPRSTimer2(d))
}

// RegistrationRejectNSSAI is a REGISTRATION REJECT (TS 24.501 §8.2.9)
// with the rejected NSSAI (IEI 0x69, §8.2.9.5): with cause #62 the
// S-NSSAIs the UE requested and may not use (§5.5.1.2.5).
func RegistrationRejectNSSAI(b []byte, cause uint8, rejected []RejectedSNSSAI) []byte {
	b = RegistrationReject(b, cause)
	if len(rejected) == 0 {
		return b
	}
	return appendRejectedNSSAI(b, ieiRejectedNSSAIInReject, rejected)
}
