package nas

import (
	"fmt"
	"time"

	"github.com/keelcore/keel/internal/ident"
)

// Downlink 5GMM message types, TS 24.501 §9.7.
const (
	msgRegistrationAccept       uint8 = 0x42
	msgRegistrationReject       uint8 = 0x44
	msgDeregistrationAcceptUE   uint8 = 0x46
	msgDeregistrationRequestNW  uint8 = 0x47
	msgAuthenticationRequest    uint8 = 0x56
	msgAuthenticationReject     uint8 = 0x58
	msgIdentityRequest          uint8 = 0x5b
	msgSecurityModeCommand      uint8 = 0x5d
	msgStatus5GMM               uint8 = 0x64
	ngKSINoKey                  uint8 = 7
	registrationResult3GPP      uint8 = 0x01
	deregistrationAccess3GPP    uint8 = 0x01
	deregistrationReregister    uint8 = 0x08
	additionalSecurityRINMR     uint8 = 0x02
	imeisvRequested             uint8 = 0x01
	ieiAuthParamRAND            uint8 = 0x21
	ieiAuthParamAUTN            uint8 = 0x20
	ieiIMEISVRequest            uint8 = 0xe0
	ieiAdditional5GSecurityInfo uint8 = 0x36
	ieiGUTI                     uint8 = 0x77
	ieiTAIList                  uint8 = 0x54
	ieiAllowedNSSAI             uint8 = 0x15
	ieiT3512                    uint8 = 0x5e
	ieiCause5GMM                uint8 = 0x58
	ieiT3346                    uint8 = 0x5f
)

// plain5GMM starts a plain 5GMM message of type mt in b.
func plain5GMM(b []byte, mt uint8) []byte {
	return append(b, EPD5GMM, Plain, mt)
}

// AuthenticationRequest (TS 24.501 §8.2.1) for 5G-AKA: ngKSI, ABBA, RAND
// and AUTN.
func AuthenticationRequest(b []byte, ngKSI uint8, abba []byte, rand, autn [16]byte) []byte {
	b = plain5GMM(b, msgAuthenticationRequest)
	b = append(b, ngKSI&0x0f, byte(len(abba)))
	b = append(b, abba...)
	b = append(b, ieiAuthParamRAND)
	b = append(b, rand[:]...)
	b = append(b, ieiAuthParamAUTN, 16)
	return append(b, autn[:]...)
}

// AuthenticationReject (TS 24.501 §8.2.5).
func AuthenticationReject(b []byte) []byte {
	return plain5GMM(b, msgAuthenticationReject)
}

// SecurityMode is the content of a SECURITY MODE COMMAND (§8.2.25).
type SecurityMode struct {
	IntAlg, EncAlg uint8
	NgKSI          uint8
	// ReplayedCapabilities is the UE security capability IE value as
	// the UE sent it (TS 24.501 §5.4.2.2: replayed to detect bidding
	// down).
	ReplayedCapabilities []byte
	RequestIMEISV        bool
	// RetransmitInitial sets RINMR: the UE sends the whole initial NAS
	// message back in the SECURITY MODE COMPLETE (§5.4.2.2).
	RetransmitInitial bool
}

// SecurityModeCommand (TS 24.501 §8.2.25). Protect it with header type
// IntegrityNewContext.
func SecurityModeCommand(b []byte, s SecurityMode) []byte {
	b = plain5GMM(b, msgSecurityModeCommand)
	b = append(b, s.EncAlg<<4|s.IntAlg&0x0f, s.NgKSI&0x0f, byte(len(s.ReplayedCapabilities)))
	b = append(b, s.ReplayedCapabilities...)
	if s.RequestIMEISV {
		b = append(b, ieiIMEISVRequest|imeisvRequested)
	}
	if s.RetransmitInitial {
		b = append(b, ieiAdditional5GSecurityInfo, 1, additionalSecurityRINMR)
	}
	return b
}

// Accept is the content of a REGISTRATION ACCEPT (§8.2.7). Empty lists,
// a nil Features and zero durations leave their IEs out.
type Accept struct {
	GUTI         *ident.GUTI
	TAIs         []ident.TAI // of one PLMN, TAIs[0].PLMN
	AllowedNSSAI []ident.SNSSAI
	// RejectedNSSAI are the requested S-NSSAIs not allowed (§9.11.3.46).
	RejectedNSSAI []RejectedSNSSAI
	// ConfiguredNSSAI is the configured NSSAI for the serving PLMN
	// (§9.11.3.37, §5.5.1.2.4).
	ConfiguredNSSAI []ident.SNSSAI
	// Features is the 5GS network feature support (§9.11.3.5).
	Features *NetworkFeatures
	// ServiceArea lists the allowed tracking areas (§9.11.3.49), of one
	// PLMN, at most 16.
	ServiceArea []ident.TAI
	T3512       time.Duration
	// T3502 is the value the UE starts T3502 with (§9.11.2.4, §10.2).
	T3502 time.Duration
	// EmergencyNumbers is the emergency number list (§9.11.3.23).
	EmergencyNumbers []EmergencyNumber
	// SessionStatus, with HasSessionStatus, lists the PDU sessions active
	// in the network (§9.11.3.44; §5.5.1.3.4: sent when the UE sent its
	// own). Reactivation, with HasReactivation, sets the PSIs whose
	// user-plane resources could not be established (§9.11.3.42, sent
	// when the UE sent an Uplink data status); ReactivationErrors gives
	// each one's 5GMM cause (§9.11.3.43).
	SessionStatus      PSISet
	HasSessionStatus   bool
	Reactivation       PSISet
	HasReactivation    bool
	ReactivationErrors []SessionCause
}

// RegistrationAccept (TS 24.501 §8.2.7).
func RegistrationAccept(b []byte, a Accept) ([]byte, error) {
	b = plain5GMM(b, msgRegistrationAccept)
	b = append(b, 1, registrationResult3GPP)
	if a.GUTI != nil {
		b = append(b, ieiGUTI, 0, 11)
		var err error
		if b, err = AppendGUTI(b, *a.GUTI); err != nil {
			return nil, err
		}
	}
	if len(a.TAIs) > 0 {
		var err error
		if b, err = appendTAIList(b, a.TAIs); err != nil {
			return nil, err
		}
	}
	// The optional IEs go in the order of the §8.2.7 table, which
	// decoders such as Wireshark's follow.
	if len(a.AllowedNSSAI) > 0 {
		b = appendNSSAI(b, ieiAllowedNSSAI, a.AllowedNSSAI)
	}
	if len(a.RejectedNSSAI) > 0 {
		b = appendRejectedNSSAI(b, ieiRejectedNSSAI, a.RejectedNSSAI)
	}
	if len(a.ConfiguredNSSAI) > 0 {
		b = appendNSSAI(b, ieiConfiguredNSSAI, a.ConfiguredNSSAI)
	}
	if a.Features != nil {
		b = appendNetworkFeatures(b, *a.Features)
	}
	if a.HasSessionStatus {
		b = appendPSISet(b, ieiPDUSessionStatus, a.SessionStatus)
	}
	if a.HasReactivation {
		b = appendPSISet(b, ieiReactivationResult, a.Reactivation)
	}
	b = appendReactivationErrors(b, a.ReactivationErrors)
	if len(a.ServiceArea) > 0 {
		var err error
		if b, err = appendServiceAreaList(b, a.ServiceArea); err != nil {
			return nil, err
		}
	}
	if a.T3512 > 0 {
		b = append(b, ieiT3512, 1, GPRSTimer3(a.T3512))
	}
	if a.T3502 > 0 {
		b = appendT3502(b, a.T3502)
	}
	if len(a.EmergencyNumbers) > 0 {
		var err error
		if b, err = appendEmergencyNumbers(b, a.EmergencyNumbers); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// appendTAIList encodes a 5GS tracking area identity list of type 00
// (TACs of one PLMN, not consecutive), TS 24.501 §9.11.3.9. At most 16
// TAIs fit one partial list.
func appendTAIList(b []byte, tas []ident.TAI) ([]byte, error) {
	if len(tas) > 16 {
		tas = tas[:16]
	}
	p, err := tas[0].PLMN.Octets()
	if err != nil {
		return nil, err
	}
	b = append(b, ieiTAIList, byte(1+3+3*len(tas)), byte(len(tas)-1))
	b = append(b, p[:]...)
	for _, ta := range tas {
		b = append(b, byte(ta.TAC>>16), byte(ta.TAC>>8), byte(ta.TAC))
	}
	return b, nil
}

// appendNSSAI encodes an NSSAI (TS 24.501 §9.11.3.37) of S-NSSAI values
// (§9.11.2.8): SST, or SST and SD.
func appendNSSAI(b []byte, iei uint8, slices []ident.SNSSAI) []byte {
	b = append(b, iei, 0)
	lenAt := len(b) - 1
	for _, s := range slices {
		if s.HasSD {
			b = append(b, 4, s.SST, byte(s.SD>>16), byte(s.SD>>8), byte(s.SD))
		} else {
			b = append(b, 1, s.SST)
		}
	}
	b[lenAt] = byte(len(b) - lenAt - 1)
	return b
}

// GPRSTimer3 encodes a duration as GPRS timer 3 (TS 24.008 §10.5.7.4a):
// the finest unit whose 5-bit value holds it, rounded down.
func GPRSTimer3(d time.Duration) byte {
	units := []struct {
		code byte
		unit time.Duration
	}{{0b011, 2 * time.Second}, {0b100, 30 * time.Second}, {0b101, time.Minute}, {0b000, 10 * time.Minute}, {0b001, time.Hour}, {0b010, 10 * time.Hour}, {0b110, 320 * time.Hour}}
	for _, u := range units {
		if v := d / u.unit; v <= 31 {
			return u.code<<5 | byte(v)
		}
	}
	return 0b110<<5 | 31
}

// RegistrationReject (TS 24.501 §8.2.9) with a 5GMM cause.
func RegistrationReject(b []byte, cause uint8) []byte {
	b = plain5GMM(b, msgRegistrationReject)
	return append(b, cause)
}

// RegistrationRejectBackoff is a REGISTRATION REJECT with the T3346 value
// (IEI 0x5F, GPRS timer 2) a UE waits before trying again: TS 24.501
// §5.5.1.2.5 with cause #22 (congestion).
func RegistrationRejectBackoff(b []byte, cause uint8, t3346 time.Duration) []byte {
	b = RegistrationReject(b, cause)
	return append(b, ieiT3346, 1, GPRSTimer2(t3346))
}

// GPRSTimer2 encodes a duration as GPRS timer 2 (TS 24.008 §10.5.7.4):
// units of 2 s, 1 min or 6 min, the finest that holds it, rounded down.
func GPRSTimer2(d time.Duration) byte {
	for _, u := range []struct {
		code byte
		unit time.Duration
	}{{0b000, 2 * time.Second}, {0b001, time.Minute}, {0b010, 6 * time.Minute}} {
		if v := d / u.unit; v <= 31 {
			return u.code<<5 | byte(v)
		}
	}
	return 0b010<<5 | 31
}

// IdentityRequest (TS 24.501 §8.2.21) for an identity type.
func IdentityRequest(b []byte, identityType uint8) []byte {
	b = plain5GMM(b, msgIdentityRequest)
	return append(b, identityType&0x07)
}

// DeregistrationAcceptUEOriginating (TS 24.501 §8.2.13).
func DeregistrationAcceptUEOriginating(b []byte) []byte {
	return plain5GMM(b, msgDeregistrationAcceptUE)
}

// DeregistrationRequestUETerminated (TS 24.501 §8.2.14) over 3GPP
// access; cause 0 leaves the 5GMM cause out.
func DeregistrationRequestUETerminated(b []byte, reregister bool, cause uint8) []byte {
	b = plain5GMM(b, msgDeregistrationRequestNW)
	t := deregistrationAccess3GPP
	if reregister {
		t |= deregistrationReregister
	}
	b = append(b, t)
	if cause != 0 {
		b = append(b, ieiCause5GMM, cause)
	}
	return b
}

// Status5GMM (TS 24.501 §8.2.29).
func Status5GMM(b []byte, cause uint8) []byte {
	b = plain5GMM(b, msgStatus5GMM)
	return append(b, cause)
}

// NoKey is the ngKSI value "no key is available" (§9.11.3.32).
const NoKey = ngKSINoKey

// ParseNSSAI decodes the value of a requested NSSAI IE (§9.11.3.37).
func ParseNSSAI(v []byte) ([]ident.SNSSAI, error) {
	var out []ident.SNSSAI
	for len(v) > 0 {
		n := int(v[0])
		if n == 0 || len(v) < 1+n {
			return nil, fmt.Errorf("nas: malformed S-NSSAI in NSSAI")
		}
		s := ident.SNSSAI{SST: v[1]}
		// Lengths 2, 5 and 8 add mapped HPLMN values Keel ignores.
		if n >= 4 {
			s.SD = uint32(v[2])<<16 | uint32(v[3])<<8 | uint32(v[4])
			s.HasSD = true
		}
		out = append(out, s)
		v = v[1+n:]
	}
	return out, nil
}
