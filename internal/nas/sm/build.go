package sm

import (
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Accept is the content of a PDU SESSION ESTABLISHMENT ACCEPT (TS 24.501
// §8.3.2) for a PDU session with one QoS flow, the default one.
type Accept struct {
	PDUSessionID, PTI uint8
	PDUType, SSCMode  uint8
	// QFI and FiveQI describe the default QoS flow: a default QoS rule
	// (§9.11.4.13, rule ID 1, DQR, one match-all packet filter) and an
	// authorized QoS flow description (§9.11.4.12) with the 5QI.
	QFI, FiveQI uint8
	// Rules and Flows are the QoS rules and QoS flow descriptions of
	// the session's other QoS flows (GBR flows of PCC rules, TS 23.501
	// §5.7.1.1), sent after the default ones with operation "create".
	Rules []QoSRule
	Flows []QoSFlowDescription
	// AMBRUplink and AMBRDownlink are the session AMBR in bit/s
	// (§9.11.4.14), sent in the finest unit whose 16-bit value holds
	// them, rounded down.
	AMBRUplink, AMBRDownlink uint64
	IPv4                     netip.Addr // PDU address (§9.11.4.10)
	// IPv6IID is the interface identifier for IPv6 and IPv4v6 (the UE
	// forms its link-local address with it and learns the prefix by
	// router advertisement, TS 23.501 §5.8.2.2.2).
	IPv6IID [8]byte
	HasIPv6 bool
	SST     uint8
	SD      uint32
	HasSD   bool
	DNN     string // §9.11.2.1B: APN-style labels
	// DNS servers in the extended protocol configuration options
	// (§9.11.4.6), IPv4 ones as container 0x000D, IPv6 ones as 0x0003:
	// only those the UE asked for (pass them filtered).
	DNS []netip.Addr
	// PCSCF are the P-CSCF addresses in the extended PCO, IPv4 ones as
	// container 0x000C, IPv6 ones as 0x0001 (TS 24.008 §10.5.6.3, TS
	// 24.229 §9.2.1): only those the UE asked for.
	PCSCF []netip.Addr
	MTU   uint16 // ePCO container 0x0010 when nonzero
	// Cause is the optional 5GSM cause, e.g. #50 when the UE asked for
	// IPv4v6 and got IPv4 (§6.4.1.3); 0 leaves it out.
	Cause uint8
}

// Fixed values of the default QoS rule and flow Keel sends.
const (
	defaultRuleID          uint8 = 1
	ruleDQR                uint8 = 1 << 4 // §9.11.4.13, table 9.11.4.13.1
	defaultFilterID        uint8 = 1
	defaultRulePrecedence  uint8 = 0xff   // evaluated last: any other rule matches first
	flowParamsIncluded     uint8 = 1 << 6 // the E bit
	flowParam5QI           uint8 = 0x01
	maxDNNLength                 = 100 // §9.11.2.1B: DNN IE of 3 to 102 octets
	integrityMaxRateFullUL uint8 = 0xff
	integrityMaxRateFullDL uint8 = 0xff
)

// EstablishmentAccept appends a PDU SESSION ESTABLISHMENT ACCEPT (TS
// 24.501 §8.3.2) to b. It fails, appending nothing, when a value cannot
// be encoded: a PDU session type other than IPv4, IPv6 or IPv4v6, a PDU
// address that does not match it, an SSC mode other than 1 to 3, a QFI
// other than 1 to 63, an SD over 24 bits, a DNN that is not APN-style
// labels, or a DNS server or P-CSCF address that is not valid.
func EstablishmentAccept(b []byte, a Accept) ([]byte, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	// Selected PDU session type and selected SSC mode share an octet:
	// the first V ½ IE of table 8.3.2.1.1, the type, takes bits 1 to 4.
	b = append(b, EPD, a.PDUSessionID, a.PTI, MsgEstablishmentAccept, a.SSCMode<<4|a.PDUType)
	// Authorized QoS rules (§9.11.4.13), LV-E: the default rule, then
	// the others.
	at := len(b)
	b = append(b, 0, 0)
	// The default rule's filter lives on the stack: the accept is
	// encoded without allocating.
	comps := [1]FilterComponent{{Type: ComponentMatchAll}}
	filters := [1]PacketFilter{{ID: defaultFilterID, Direction: FilterBidirectional, Components: comps[:]}}
	def := QoSRule{ID: defaultRuleID, Op: RuleOpCreate, DQR: true, Filters: filters[:], Precedence: defaultRulePrecedence, QFI: a.QFI}
	b, _ = appendQoSRule(b, &def)
	b, err := AppendQoSRules(b, a.Rules)
	if err != nil {
		return nil, fmt.Errorf("sm: EstablishmentAccept: %w", err)
	}
	n := len(b) - at - 2
	b[at], b[at+1] = byte(n>>8), byte(n)
	// Session AMBR (§9.11.4.14), LV: downlink first.
	ud, vd := ambr(a.AMBRDownlink)
	uu, vu := ambr(a.AMBRUplink)
	b = append(b, 6, ud, byte(vd>>8), byte(vd), uu, byte(vu>>8), byte(vu))
	if a.Cause != 0 {
		b = append(b, ieiCause, a.Cause)
	}
	// PDU address (§9.11.4.10): type, then the IPv6 interface identifier
	// before the IPv4 address; SI6LLA (bit 4) is 0.
	switch a.PDUType {
	case PDUTypeIPv4:
		v4 := a.IPv4.As4()
		b = append(b, ieiPDUAddress, 5, PDUTypeIPv4)
		b = append(b, v4[:]...)
	case PDUTypeIPv6:
		b = append(b, ieiPDUAddress, 9, PDUTypeIPv6)
		b = append(b, a.IPv6IID[:]...)
	case PDUTypeIPv4v6:
		v4 := a.IPv4.As4()
		b = append(b, ieiPDUAddress, 13, PDUTypeIPv4v6)
		b = append(b, a.IPv6IID[:]...)
		b = append(b, v4[:]...)
	}
	// S-NSSAI (§9.11.2.8): SST, or SST and SD.
	if a.HasSD {
		b = append(b, ieiSNSSAI, 4, a.SST, byte(a.SD>>16), byte(a.SD>>8), byte(a.SD))
	} else {
		b = append(b, ieiSNSSAI, 1, a.SST)
	}
	// Authorized QoS flow descriptions (§9.11.4.12), TLV-E: the default
	// flow with one parameter, its 5QI, then the others.
	b = append(b, ieiQoSFlowDescriptions, 0, 0)
	at = len(b)
	b, _ = appendFlowDescription(b, &QoSFlowDescription{QFI: a.QFI, Op: FlowOpCreate, FiveQI: a.FiveQI})
	if b, err = AppendQoSFlowDescriptions(b, a.Flows); err != nil {
		return nil, fmt.Errorf("sm: EstablishmentAccept: %w", err)
	}
	n = len(b) - at
	b[at-2], b[at-1] = byte(n>>8), byte(n)
	if len(a.DNS) > 0 || len(a.PCSCF) > 0 || a.MTU != 0 {
		b = appendEPCO(b, a.DNS, a.PCSCF, a.MTU)
	}
	if a.DNN != "" {
		b = append(b, ieiDNN, byte(dnnLength(a.DNN)))
		b = appendDNN(b, a.DNN)
	}
	return b, nil
}

func (a *Accept) check() error {
	const name = "sm: EstablishmentAccept"
	switch a.PDUType {
	case PDUTypeIPv4, PDUTypeIPv6, PDUTypeIPv4v6:
	default:
		return fmt.Errorf("%s: PDU session type %d, want IPv4 (1), IPv6 (2) or IPv4v6 (3)", name, a.PDUType)
	}
	wantV4 := a.PDUType != PDUTypeIPv6
	wantV6 := a.PDUType != PDUTypeIPv4
	if wantV4 != (a.IPv4.Is4() || a.IPv4.Is4In6()) || wantV6 != a.HasIPv6 {
		return fmt.Errorf("%s: PDU address (IPv4 %v, IPv6 interface identifier %t) does not match PDU session type %d", name, a.IPv4, a.HasIPv6, a.PDUType)
	}
	if a.IPv4.Is4In6() {
		a.IPv4 = a.IPv4.Unmap()
	}
	if a.SSCMode < SSCMode1 || a.SSCMode > SSCMode3 {
		return fmt.Errorf("%s: SSC mode %d, want 1 to 3", name, a.SSCMode)
	}
	// TS 23.501 §5.7.1.1: a QFI is 6 bits; 0 is not used by a QoS rule.
	if a.QFI == 0 || a.QFI > 63 {
		return fmt.Errorf("%s: QFI %d, want 1 to 63", name, a.QFI)
	}
	if a.FiveQI == 0 {
		return fmt.Errorf("%s: 5QI 0 is reserved (TS 23.501 table 5.7.4-1)", name)
	}
	ruleIDs := map[uint8]bool{defaultRuleID: true}
	for _, r := range a.Rules {
		if ruleIDs[r.ID] || r.DQR {
			return fmt.Errorf("%s: QoS rule %d repeats an identifier or is a second default rule", name, r.ID)
		}
		ruleIDs[r.ID] = true
	}
	for _, f := range a.Flows {
		if f.QFI == a.QFI {
			return fmt.Errorf("%s: QoS flow description %d repeats the default flow's QFI", name, f.QFI)
		}
	}
	if a.HasSD && a.SD > 0xffffff {
		return fmt.Errorf("%s: SD %#x exceeds 24 bits", name, a.SD)
	}
	if a.DNN != "" {
		if err := checkDNN(a.DNN); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	for _, d := range a.DNS {
		if !d.IsValid() || d.Zone() != "" {
			return fmt.Errorf("%s: DNS server address %v", name, d)
		}
	}
	for _, d := range a.PCSCF {
		if !d.IsValid() || d.Zone() != "" {
			return fmt.Errorf("%s: P-CSCF address %v", name, d)
		}
	}
	return nil
}

// ambr encodes a bit rate as a Session-AMBR unit and 16-bit value (TS
// 24.501 §9.11.4.14, table 9.11.4.14.1): units 1 (1 kbps) to 25 (256
// Pbps) step by 4, with 1 Mbps = 1000 kbps after 256 kbps; the finest
// unit whose value fits 16 bits is chosen and the value rounded down.
func ambr(bps uint64) (unit uint8, value uint16) {
	mult := uint64(1000)
	for unit = 1; unit < 25; unit++ {
		if bps/mult <= 0xffff {
			break
		}
		if unit%5 == 0 {
			mult = mult / 256 * 1000 // 256 k → 1 M, 256 M → 1 G, ...
		} else {
			mult *= 4
		}
	}
	v := bps / mult
	if v > 0xffff {
		v = 0xffff
	}
	return unit, uint16(v)
}

// ambrRate is the inverse of ambr: the bit rate a unit and value stand for.
func ambrRate(unit uint8, value uint16) (uint64, bool) {
	if unit < 1 || unit > 25 {
		return 0, false
	}
	mult := uint64(1000)
	for u := uint8(1); u < unit; u++ {
		if u%5 == 0 {
			mult = mult / 256 * 1000
		} else {
			mult *= 4
		}
	}
	return uint64(value) * mult, true
}

// appendEPCO appends an Extended protocol configuration options IE (TS
// 24.501 §9.11.4.6) with the network-to-MS containers of TS 24.008
// §10.5.6.3: DNS server IPv4 (0x000D) and IPv6 (0x0003) addresses, P-CSCF
// IPv4 (0x000C) and IPv6 (0x0001) addresses, and the IPv4 link MTU
// (0x0010).
func appendEPCO(b []byte, dns, pcscf []netip.Addr, mtu uint16) []byte {
	b = append(b, ieiEPCO, 0, 0)
	at := len(b)
	b = append(b, 0x80) // extension bit, configuration protocol 0 (PPP)
	b = appendAddrContainers(b, dns, pcoDNSServerIPv4, pcoDNSServerIPv6)
	b = appendAddrContainers(b, pcscf, pcoPCSCFIPv4, pcoPCSCFIPv6)
	if mtu != 0 {
		b = append(b, byte(pcoIPv4LinkMTU>>8), byte(pcoIPv4LinkMTU), 2, byte(mtu>>8), byte(mtu))
	}
	n := len(b) - at
	b[at-2], b[at-1] = byte(n>>8), byte(n)
	return b
}

// appendAddrContainers appends one PCO container per address: id4 with
// the 4 octets of an IPv4 address, id6 with the 16 of an IPv6 one.
func appendAddrContainers(b []byte, addrs []netip.Addr, id4, id6 uint16) []byte {
	for _, d := range addrs {
		if d.Is4() || d.Is4In6() {
			v := d.Unmap().As4()
			b = append(b, byte(id4>>8), byte(id4), 4)
			b = append(b, v[:]...)
		} else {
			v := d.As16()
			b = append(b, byte(id6>>8), byte(id6), 16)
			b = append(b, v[:]...)
		}
	}
	return b
}

// checkDNN checks a DNN as TS 23.003 §9.1 labels: 1 to 63 letters,
// digits or hyphens each, at most maxDNNLength octets encoded.
func checkDNN(s string) error {
	if dnnLength(s) > maxDNNLength {
		return fmt.Errorf("DNN %q longer than %d octets encoded", s, maxDNNLength)
	}
	n := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if n == 0 || n > 63 {
				return fmt.Errorf("DNN %q has a label of %d characters", s, n)
			}
			n = 0
			continue
		}
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return fmt.Errorf("DNN %q: %q is not a letter, digit or hyphen", s, c)
		}
		n++
	}
	return nil
}

// dnnLength is the encoded length of a DNN: each label prefixed by its length.
func dnnLength(s string) int { return len(s) + 1 }

// appendDNN appends the labels of s, each with its length (TS 23.003 §9.1).
func appendDNN(b []byte, s string) []byte {
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			b = append(b, byte(i-start))
			b = append(b, s[start:i]...)
			start = i + 1
		}
	}
	return b
}

// parseDNN is the inverse of appendDNN.
func parseDNN(v []byte) (string, error) {
	if len(v) == 0 {
		return "", errors.New("sm: empty DNN")
	}
	out := make([]byte, 0, len(v))
	for len(v) > 0 {
		n := int(v[0])
		if n == 0 || len(v) < 1+n {
			return "", errors.New("sm: malformed DNN")
		}
		if len(out) > 0 {
			out = append(out, '.')
		}
		out = append(out, v[1:1+n]...)
		v = v[1+n:]
	}
	return string(out), nil
}

// EstablishmentReject appends a PDU SESSION ESTABLISHMENT REJECT (TS
// 24.501 §8.3.3) with a 5GSM cause.
func EstablishmentReject(b []byte, psi, pti, cause uint8) []byte {
	return append(b, EPD, psi, pti, MsgEstablishmentReject, cause)
}

// IeiBackOffTimer is the IEI of the Back-off timer value IE of a PDU
// SESSION ESTABLISHMENT REJECT (TS 24.501 §8.3.3.1: IEI 37, GPRS timer 3,
// TLV 3).
const IeiBackOffTimer uint8 = 0x37

// EstablishmentRejectBackOff appends a PDU SESSION ESTABLISHMENT REJECT
// (TS 24.501 §8.3.3) with a 5GSM cause and the Back-off timer value IE
// (§8.3.3.2, §9.11.2.5: GPRS timer 3 of TS 24.008 §10.5.7.4a) holding
// backOff, in the finest unit whose 5-bit value holds it, rounded down.
// The UE then starts T3396 for #26 and does not ask again for the same
// DNN and S-NSSAI before it expires (TS 24.501 §6.4.1.4.2).
func EstablishmentRejectBackOff(b []byte, psi, pti, cause uint8, backOff time.Duration) []byte {
	b = EstablishmentReject(b, psi, pti, cause)
	return append(b, IeiBackOffTimer, 1, GPRSTimer3(backOff))
}

// GPRSTimer3 encodes a duration as GPRS timer 3 (TS 24.008 §10.5.7.4a,
// TS 24.501 §9.11.2.5): bits 8–6 the unit (011 2 s, 100 30 s, 101 1 min,
// 000 10 min, 001 1 h, 010 10 h, 110 320 h), bits 5–1 the value, in the
// finest unit whose value holds d, rounded down. A duration past 31 × 320
// h is sent as that maximum. (Package nas has the same encoder for the
// 5GMM timers; the codecs do not import each other.)
func GPRSTimer3(d time.Duration) byte {
	units := []struct {
		code byte
		unit time.Duration
	}{{0b011, 2 * time.Second}, {0b100, 30 * time.Second}, {0b101, time.Minute}, {0b000, 10 * time.Minute}, {0b001, time.Hour}, {0b010, 10 * time.Hour}, {0b110, 320 * time.Hour}}
	if d < 0 {
		d = 0
	}
	for _, u := range units {
		if v := d / u.unit; v <= 31 {
			return u.code<<5 | byte(v)
		}
	}
	return 0b110<<5 | 31
}

// ReleaseCommand appends a PDU SESSION RELEASE COMMAND (TS 24.501
// §8.3.14). pti is the PTI of the UE's PDU SESSION RELEASE REQUEST, or
// NoPTI for a network-requested release (§6.3.3.2).
func ReleaseCommand(b []byte, psi, pti, cause uint8) []byte {
	return append(b, EPD, psi, pti, MsgReleaseCommand, cause)
}

// ReleaseReject appends a PDU SESSION RELEASE REJECT (TS 24.501 §8.3.13).
func ReleaseReject(b []byte, psi, pti, cause uint8) []byte {
	return append(b, EPD, psi, pti, MsgReleaseReject, cause)
}

// Status appends a 5GSM STATUS (TS 24.501 §8.3.16).
func Status(b []byte, psi, pti, cause uint8) []byte {
	return append(b, EPD, psi, pti, MsgStatus, cause)
}

// AppendEstablishmentRequest appends a PDU SESSION ESTABLISHMENT REQUEST
// (TS 24.501 §8.3.1) as a UE sends it: integrity protection maximum data
// rate "full data rate" both ways, the PDU session type and SSC mode when
// nonzero, and an extended PCO with the requested containers.
func AppendEstablishmentRequest(b []byte, r EstablishmentRequest) []byte {
	b = append(b, EPD, r.PDUSessionID, r.PTI, MsgEstablishmentRequest, integrityMaxRateFullUL, integrityMaxRateFullDL)
	if r.PDUType != 0 {
		b = append(b, ieiPDUSessionType|r.PDUType&0x07)
	}
	if r.SSCMode != 0 {
		b = append(b, ieiSSCMode|r.SSCMode&0x07)
	}
	if r.WantDNSv4 || r.WantDNSv6 || r.WantPCSCFv4 || r.WantPCSCFv6 || r.WantMTU {
		b = append(b, ieiEPCO, 0, 0)
		at := len(b)
		b = append(b, 0x80)
		for _, c := range []struct {
			want bool
			id   uint16
		}{{r.WantDNSv4, pcoDNSServerIPv4}, {r.WantDNSv6, pcoDNSServerIPv6}, {r.WantPCSCFv4, pcoPCSCFIPv4}, {r.WantPCSCFv6, pcoPCSCFIPv6}, {r.WantMTU, pcoIPv4LinkMTU}} {
			if c.want {
				b = append(b, byte(c.id>>8), byte(c.id), 0)
			}
		}
		n := len(b) - at
		b[at-2], b[at-1] = byte(n>>8), byte(n)
	}
	return b
}

// AppendReleaseRequest appends a PDU SESSION RELEASE REQUEST (TS 24.501
// §8.3.12) as a UE sends it; cause 0 leaves the 5GSM cause out.
func AppendReleaseRequest(b []byte, psi, pti, cause uint8) []byte {
	b = append(b, EPD, psi, pti, MsgReleaseRequest)
	if cause != 0 {
		b = append(b, ieiCause, cause)
	}
	return b
}

// AppendReleaseComplete appends a PDU SESSION RELEASE COMPLETE (TS 24.501
// §8.3.15) as a UE sends it; cause 0 leaves the 5GSM cause out.
func AppendReleaseComplete(b []byte, psi, pti, cause uint8) []byte {
	b = append(b, EPD, psi, pti, MsgReleaseComplete)
	if cause != 0 {
		b = append(b, ieiCause, cause)
	}
	return b
}
