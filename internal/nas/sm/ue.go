package sm

import (
	"errors"
	"fmt"
	"net/netip"
)

// ParseEstablishmentAccept reads a PDU SESSION ESTABLISHMENT ACCEPT (TS
// 24.501 §8.3.2) as a UE does: the inverse of EstablishmentAccept, for
// the simulator and for tests. Of the QoS rules it keeps the QFI of the
// default one (DQR set) and of the QoS flow descriptions the 5QI of that
// flow. Errors are Ignore or *Error (#96 for a missing or malformed
// mandatory IE, #98 for another message type).
func ParseEstablishmentAccept(b []byte) (Accept, error) {
	h, err := header(b)
	if err != nil {
		return Accept{}, err
	}
	a := Accept{PDUSessionID: h.PDUSessionID, PTI: h.PTI}
	fail := func(cause uint8, format string, args ...any) (Accept, error) {
		return a, &Error{Cause: cause, Header: h, Err: fmt.Errorf(format, args...)}
	}
	if h.MessageType != MsgEstablishmentAccept {
		return fail(CauseMessageTypeNotCompatible, "want %s", MessageName(MsgEstablishmentAccept))
	}
	p := b[4:]
	if len(p) < 1 {
		return fail(CauseInvalidMandatoryInformation, "no selected PDU session type and SSC mode")
	}
	a.PDUType, a.SSCMode = p[0]&0x07, p[0]>>4&0x07
	p = p[1:]
	if len(p) < 2 || len(p) < 2+(int(p[0])<<8|int(p[1])) {
		return fail(CauseInvalidMandatoryInformation, "authorized QoS rules truncated")
	}
	n := int(p[0])<<8 | int(p[1])
	rules, err := ParseQoSRules(p[2 : 2+n])
	if err != nil {
		return fail(CauseInvalidMandatoryInformation, "authorized QoS rules: %v", err)
	}
	for _, r := range rules {
		switch {
		case r.DQR && a.QFI == 0 && r.Op == RuleOpCreate:
			a.QFI = r.QFI
		default:
			a.Rules = append(a.Rules, r)
		}
	}
	if a.QFI == 0 {
		return fail(CauseInvalidMandatoryInformation, "authorized QoS rules without a default QoS rule")
	}
	p = p[2+n:]
	if len(p) < 7 || p[0] != 6 {
		return fail(CauseInvalidMandatoryInformation, "session AMBR missing or not 6 octets")
	}
	var okDL, okUL bool
	a.AMBRDownlink, okDL = ambrRate(p[1], uint16(p[2])<<8|uint16(p[3]))
	a.AMBRUplink, okUL = ambrRate(p[4], uint16(p[5])<<8|uint16(p[6]))
	if !okDL || !okUL {
		return fail(CauseInvalidMandatoryInformation, "session AMBR unit %d/%d", p[1], p[4])
	}
	known := func(iei uint8) bool {
		switch iei {
		case ieiCause, ieiPDUAddress, ieiSNSSAI, ieiQoSFlowDescriptions, ieiEPCO, ieiDNN:
			return true
		}
		return false
	}
	var bad error
	err = walk(p[7:], known, func(e ie) {
		switch e.iei {
		case ieiCause:
			a.Cause = e.v[0]
		case ieiPDUAddress:
			bad = errors.Join(bad, a.setPDUAddress(e.v))
		case ieiSNSSAI:
			bad = errors.Join(bad, a.setSNSSAI(e.v))
		case ieiQoSFlowDescriptions:
			flows, err := ParseQoSFlowDescriptions(e.v)
			bad = errors.Join(bad, err)
			for _, f := range flows {
				if f.QFI == a.QFI && a.FiveQI == 0 {
					a.FiveQI = f.FiveQI
					continue
				}
				a.Flows = append(a.Flows, f)
			}
		case ieiEPCO:
			bad = errors.Join(bad, walkPCOValue(e.v, func(id uint16, v []byte) {
				switch {
				case id == pcoDNSServerIPv4 && len(v) == 4:
					a.DNS = append(a.DNS, netip.AddrFrom4([4]byte(v)))
				case id == pcoDNSServerIPv6 && len(v) == 16:
					a.DNS = append(a.DNS, netip.AddrFrom16([16]byte(v)))
				case id == pcoPCSCFIPv4 && len(v) == 4:
					a.PCSCF = append(a.PCSCF, netip.AddrFrom4([4]byte(v)))
				case id == pcoPCSCFIPv6 && len(v) == 16:
					a.PCSCF = append(a.PCSCF, netip.AddrFrom16([16]byte(v)))
				case id == pcoIPv4LinkMTU && len(v) == 2:
					a.MTU = uint16(v[0])<<8 | uint16(v[1])
				}
			}))
		case ieiDNN:
			d, err := parseDNN(e.v)
			bad = errors.Join(bad, err)
			a.DNN = d
		}
	})
	if err = errors.Join(err, bad); err != nil {
		return fail(CauseSemanticallyIncorrect, "%v", err)
	}
	return a, nil
}

func (a *Accept) setPDUAddress(v []byte) error {
	if len(v) < 1 {
		return errors.New("empty PDU address")
	}
	t := v[0] & 0x07
	want := map[uint8]int{PDUTypeIPv4: 5, PDUTypeIPv6: 9, PDUTypeIPv4v6: 13}[t]
	if want == 0 || len(v) < want {
		return fmt.Errorf("PDU address of type %d and %d octets", t, len(v))
	}
	if t != PDUTypeIPv4 {
		a.IPv6IID, a.HasIPv6 = [8]byte(v[1:9]), true
	}
	switch t {
	case PDUTypeIPv4:
		a.IPv4 = netip.AddrFrom4([4]byte(v[1:5]))
	case PDUTypeIPv4v6:
		a.IPv4 = netip.AddrFrom4([4]byte(v[9:13]))
	}
	return nil
}

// setSNSSAI reads an S-NSSAI (TS 24.501 §9.11.2.8); the mapped HPLMN
// values of lengths 2, 5 and 8 are skipped.
func (a *Accept) setSNSSAI(v []byte) error {
	switch len(v) {
	case 1, 2:
		a.SST = v[0]
	case 4, 5, 8:
		a.SST, a.SD, a.HasSD = v[0], uint32(v[1])<<16|uint32(v[2])<<8|uint32(v[3]), true
	default:
		return fmt.Errorf("S-NSSAI of %d octets", len(v))
	}
	return nil
}

// walkPCOValue walks the containers of a PCO or ePCO value.
func walkPCOValue(v []byte, f func(id uint16, v []byte)) error {
	if len(v) < 1 || v[0]&0x80 == 0 {
		return errPCO
	}
	return walkPCO(v[1:], f)
}
