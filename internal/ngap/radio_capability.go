package ngap

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// MaxUERadioCapability bounds the UE Radio Capability (TS 38.413
// §9.3.1.74) Keel keeps for a UE: 32 KiB. NGAP gives the OCTET STRING no
// size; the bound comes from what it carries. A UECapabilityInformation
// that fits one PDCP SDU is at most 9,000 octets (TS 38.323 §4.3.1); with
// RRC segmentation (TS 38.331 §5.7.7, Rel-16) a UE with many band
// combinations may send more, and 32 KiB leaves it more than three times
// that room. It is half of MaxPDU, so the Initial Context Setup Request
// that carries the capability back to a gNB stays well inside the PDU
// bound, and it bounds the AMF's memory per UE: 100,000 UEs at the bound
// hold 3.2 GiB, typical capabilities (a few KiB) a tenth of it.
const MaxUERadioCapability = 32 << 10

// maxRATCapabilityContainers is maxRAT-CapabilityContainers (TS 38.331
// §6.4).
const maxRATCapabilityContainers = 8

// Errors of CheckUERadioCapability.
var (
	ErrCapabilityTooLarge  = errors.New("ngap: UE Radio Capability exceeds MaxUERadioCapability")
	ErrCapabilityMalformed = errors.New("ngap: UE Radio Capability malformed")
)

// CheckUERadioCapability checks that b is what TS 38.413 §9.3.1.74 says
// the UE Radio Capability IE holds, a UERadioAccessCapabilityInformation
// of TS 38.331 §6.5.2 in unaligned PER (X.691): the c1 /
// ueRadioAccessCapabilityInformation alternative whose
// ue-RadioAccessCapabilityInfo OCTET STRING holds a
// UE-CapabilityRAT-ContainerList of at most eight containers, each a
// RAT-Type and an OCTET STRING, every length inside the bytes given and
// nothing after the last. The containers themselves (UE-NR-Capability,
// ...) are the gNB's business and are not read. b of more than
// MaxUERadioCapability octets is refused unread.
func CheckUERadioCapability(b []byte) error {
	if len(b) > MaxUERadioCapability {
		return fmt.Errorf("%w: %d octets, bound %d", ErrCapabilityTooLarge, len(b), MaxUERadioCapability)
	}
	r := perReader{b: b}
	// criticalExtensions CHOICE {c1, criticalExtensionsFuture}: c1; c1
	// CHOICE of eight: ueRadioAccessCapabilityInformation (the others
	// are spares).
	if r.read(1) != 0 || r.read(3) != 0 {
		return malformed(r, "not a ueRadioAccessCapabilityInformation")
	}
	r.read(1) // nonCriticalExtension SEQUENCE {} OPTIONAL: empty either way
	info, ok := r.octets()
	if !ok || r.err {
		return malformed(r, "ue-RadioAccessCapabilityInfo overruns the IE")
	}
	if (r.n+7)/8 != len(b) {
		return malformed(r, "octets after ue-RadioAccessCapabilityInfo")
	}
	lr := perReader{b: info}
	count := int(lr.read(4)) // SEQUENCE (SIZE (0..maxRAT-CapabilityContainers))
	if count > maxRATCapabilityContainers {
		return malformed(lr, fmt.Sprintf("%d RAT capability containers, at most %d", count, maxRATCapabilityContainers))
	}
	for i := range count {
		// RAT-Type ::= ENUMERATED {nr, eutra-nr, eutra, utra-fdd-v1610, ...}
		if lr.read(1) == 1 {
			lr.read(7) // an extension value: normally small number
		} else {
			lr.read(2)
		}
		if _, ok := lr.octets(); !ok || lr.err {
			return malformed(lr, fmt.Sprintf("RAT capability container %d overruns its list", i))
		}
	}
	if lr.err || (lr.n+7)/8 != len(info) {
		return malformed(lr, "octets after the last RAT capability container")
	}
	return nil
}

func malformed(r perReader, why string) error {
	return fmt.Errorf("%w: %s (bit %d)", ErrCapabilityMalformed, why, r.n)
}

// perReader reads unaligned PER bit fields; reading past the end sets
// err and returns zeros.
type perReader struct {
	b   []byte
	n   int // bits read
	err bool
}

func (r *perReader) read(width int) uint64 {
	var v uint64
	for range width {
		if r.n >= 8*len(r.b) {
			r.err = true
			return 0
		}
		v = v<<1 | uint64(r.b[r.n/8]>>(7-r.n%8)&1)
		r.n++
	}
	return v
}

// octets reads an unconstrained OCTET STRING (X.691 §11.9.3.8: lengths
// below 128 in 8 bits, below 16K in 16, fragments of 16K to 64K each
// followed by the next length) and returns its bytes.
func (r *perReader) octets() ([]byte, bool) {
	var out []byte
	for {
		var n int
		switch {
		case r.read(1) == 0:
			n = int(r.read(7))
		case r.read(1) == 0:
			n = int(r.read(14))
		default:
			m := int(r.read(6))
			if m < 1 || m > 4 {
				return nil, false
			}
			n = m << 14
		}
		if r.err || r.n+8*n > 8*len(r.b) {
			return nil, false
		}
		for range n {
			out = append(out, byte(r.read(8)))
		}
		if n < 1<<14 {
			return out, true
		}
	}
}

// UERadioCapabilityInfoIndication builds the gNB's message of TS 38.413
// §9.2.11.1 (§8.14.1).
func UERadioCapabilityInfoIndication(amfUE, ranUE int64, capability []byte) *message.UERadioCapabilityInfoIndication {
	return &message.UERadioCapabilityInfoIndication{
		AMFUENGAPID:       &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID:       &ie.RANUENGAPID{Value: ranUE},
		UERadioCapability: &ie.UERadioCapability{Value: capability},
	}
}

// DecodeUERadioCapabilityInfoIndication returns a copy of the UE Radio
// Capability the message carries, checked with CheckUERadioCapability.
// The optional UE Radio Capability for Paging and E-UTRA format
// capability are not kept: Keel pages no UE yet and serves NR only.
func DecodeUERadioCapabilityInfoIndication(m *message.UERadioCapabilityInfoIndication) ([]byte, error) {
	if m == nil || m.UERadioCapability == nil {
		return nil, errors.New("ngap: UERadioCapabilityInfoIndication: missing UE Radio Capability")
	}
	c := m.UERadioCapability.Value
	if err := CheckUERadioCapability(c); err != nil {
		return nil, err
	}
	return append([]byte(nil), c...), nil
}
