package ue

import (
	"errors"
	"fmt"
	"github.com/keelcore/keel/internal/ident"
	"math"
	"math/bits"
	"net/netip"
	"strings"
)

// 5GSM message types (TS 24.501 §9.7, table 9.7.2).
const (
	smEstablishmentRequest = 0xC1
	smEstablishmentAccept  = 0xC2
	smEstablishmentReject  = 0xC3
	smModificationCommand  = 0xCB
	smReleaseRequest       = 0xD1
	smReleaseReject        = 0xD2
	smReleaseCommand       = 0xD3
	smReleaseComplete      = 0xD4
	smStatus               = 0xD6
)

// IEIs of the 5GSM and NAS transport messages the UE builds or reads
// (TS 24.501 §8.2.10, §8.2.11, §8.3).
const (
	ieiPDUSessionID   = 0x12 // UL/DL NAS TRANSPORT, TV 2
	ieiRequestType    = 0x80 // UL NAS TRANSPORT, TV 1 (high nibble)
	ieiSNSSAI         = 0x22
	ieiDNN            = 0x25
	ieiPDUSessionType = 0x90 // TV 1
	ieiSSCMode        = 0xA0 // TV 1
	ieiPDUAddress     = 0x29
	ieiSMCause        = 0x59 // TV 2
	ieiRQTimer        = 0x56 // TV 2
	ieiBackOffTimer   = 0x37 // TLV 3, GPRS timer 3 (PDU Session Establishment Reject)
	ieiQoSFlowDescs   = 0x79 // TLV-E
	ieiEPCO           = 0x7B // TLV-E
)

const (
	payloadN1SM        = 0x01 // payload container type, §9.11.3.40
	requestInitial     = 0x01 // request type, §9.11.3.47
	sscMode1           = 0x01
	causeRegularDeact  = 36 // 5GSM cause #36 regular deactivation, §9.11.4.2
	fullDataRate       = 0xFF
	epcoConfigProtocol = 0x80 // ext bit, configuration protocol 000 (TS 24.008 §10.5.6.3)
)

// Extended protocol configuration options container identifiers
// (TS 24.008 §10.5.6.3, table 10.5.154): the same code is the request
// (UE to network) and the answer (network to UE).
const (
	pcoDNSIPv6 = 0x0003
	pcoDNSIPv4 = 0x000D
	pcoIPv4MTU = 0x0010
)

// smHeader is the header of a 5GSM message (TS 24.501 §9.1.1): EPD,
// PDU session ID, PTI, message type.
func smHeader(psi, pti, typ uint8) []byte {
	return []byte{epd5GSM, psi, pti, typ}
}

// establishmentRequest encodes a PDU SESSION ESTABLISHMENT REQUEST
// (TS 24.501 §8.3.1): integrity protection maximum data rate "full data
// rate" both ways (mandatory, §9.11.4.7), the PDU session type, SSC mode 1
// and ePCO asking for DNS servers and the IPv4 link MTU.
func establishmentRequest(psi, pti, pduType uint8) []byte {
	b := smHeader(psi, pti, smEstablishmentRequest)
	b = append(b, fullDataRate, fullDataRate)
	b = append(b, ieiPDUSessionType|pduType&0x07, ieiSSCMode|sscMode1)
	epco := []byte{epcoConfigProtocol}
	for _, id := range []uint16{pcoDNSIPv4, pcoDNSIPv6, pcoIPv4MTU} {
		epco = append(epco, byte(id>>8), byte(id), 0)
	}
	return appendTLVE(b, ieiEPCO, epco)
}

// ulNASTransport encodes an UL NAS TRANSPORT (TS 24.501 §8.2.10) with
// N1 SM information. reqType 0, a zero s and an empty dnn leave the
// request type, S-NSSAI and DNN out.
func ulNASTransport(psi uint8, sm []byte, reqType uint8, s ident.SNSSAI, dnn []byte) []byte {
	b := gmmHeader(msgULNASTransport)
	b = append(b, payloadN1SM)
	b = appendLVE(b, sm)
	b = append(b, ieiPDUSessionID, psi)
	if reqType != 0 {
		b = append(b, ieiRequestType|reqType&0x07)
	}
	if s != (ident.SNSSAI{}) {
		b = appendTLV(b, ieiSNSSAI, appendNSSAI(nil, []ident.SNSSAI{s})[1:])
	}
	if len(dnn) > 0 {
		b = appendTLV(b, ieiDNN, dnn)
	}
	return b
}

// encodeDNN encodes a DNN as an APN (TS 23.003 §9.1): each label after
// its length.
func encodeDNN(dnn string) ([]byte, error) {
	if dnn == "" {
		return nil, nil
	}
	var b []byte
	for _, l := range strings.Split(dnn, ".") {
		if l == "" || len(l) > 63 {
			return nil, fmt.Errorf("ue: DNN %q: empty label or label over 63 octets", dnn)
		}
		b = append(append(b, byte(len(l))), l...)
	}
	if len(b) > 100 {
		return nil, fmt.Errorf("ue: DNN %q: over 100 octets encoded (TS 24.501 §9.11.2.1B)", dnn)
	}
	return b, nil
}

// decodeDNN reads a DNN value (TS 24.501 §9.11.2.1B).
func decodeDNN(b []byte) (string, error) {
	var labels []string
	for len(b) > 0 {
		n := int(b[0])
		if n == 0 || n > len(b)-1 {
			return "", errors.New("ue: DNN: bad label length")
		}
		labels = append(labels, string(b[1:1+n]))
		b = b[1+n:]
	}
	if len(labels) == 0 {
		return "", errors.New("ue: DNN: empty")
	}
	return strings.Join(labels, "."), nil
}

// smMessage is a downlink 5GSM message: its header and the octets after it.
type smMessage struct {
	psi, pti, typ uint8
	body          []byte
}

func parseSM(b []byte) (smMessage, error) {
	if len(b) < 4 {
		return smMessage{}, fmt.Errorf("ue: 5GSM message of %d octets is too short", len(b))
	}
	if b[0] != epd5GSM {
		return smMessage{}, fmt.Errorf("ue: N1 SM information with protocol discriminator %#02x, want 5GSM (0x2e)", b[0])
	}
	return smMessage{psi: b[1], pti: b[2], typ: b[3], body: b[4:]}, nil
}

// smTVLength gives the total length of the type 3 (TV) IEs that may
// follow in the downlink 5GSM messages the UE reads; other IEIs below
// 0x80 are TLV, or TLV-E in the range 0x70 to 0x7F (TS 24.007 §11.2.4).
var smTVLength = map[uint8]int{ieiSMCause: 2, ieiRQTimer: 2}

// walkIEs calls fn for each optional IE of a downlink 5GSM message.
func walkIEs(b []byte, fn func(iei uint8, v []byte) error) error {
	return walkIEsWith(b, smTVLength, fn)
}

// walkIEsWith calls fn for each optional IE of b with its IEI (the high
// nibble only, for the one-octet IEs from 0x80 up) and its value (the
// low nibble for those); tvLength gives the total length of the type 3
// (TV) IEs of the message. Unknown IEs are skipped (TS 24.501 §7.6.1).
func walkIEsWith(b []byte, tvLength map[uint8]int, fn func(iei uint8, v []byte) error) error {
	for len(b) > 0 {
		iei := b[0]
		var v []byte
		switch n, tv := tvLength[iei]; {
		case iei >= 0x80:
			iei, v, b = iei&0xF0, []byte{iei & 0x0F}, b[1:]
		case tv:
			if len(b) < n {
				return fmt.Errorf("ue: IE %#02x truncated", iei)
			}
			v, b = b[1:n], b[n:]
		case iei&0xF0 == 0x70:
			if len(b) < 3 || len(b) < 3+be16(b[1:]) {
				return fmt.Errorf("ue: IE %#02x truncated", iei)
			}
			n := 3 + be16(b[1:])
			v, b = b[3:n], b[n:]
		default:
			if len(b) < 2 || len(b) < 2+int(b[1]) {
				return fmt.Errorf("ue: IE %#02x truncated", iei)
			}
			n := 2 + int(b[1])
			v, b = b[2:n], b[n:]
		}
		if err := fn(iei, v); err != nil {
			return err
		}
	}
	return nil
}

// parseAccept decodes a PDU SESSION ESTABLISHMENT ACCEPT (TS 24.501
// §8.3.2) into a PDUSession: every mandatory IE and the optional ones
// the UE uses. A malformed mandatory IE is an error; a malformed
// optional one is ignored (§7.7.2).
func parseAccept(m smMessage) (PDUSession, error) {
	b := m.body
	s := PDUSession{ID: m.psi}
	if len(b) < 1 {
		return s, errors.New("ue: PDU Session Establishment Accept: truncated")
	}
	s.Type, s.SSCMode = b[0]&0x07, b[0]>>4&0x07
	b = b[1:]
	if len(b) < 2 || len(b) < 2+be16(b) {
		return s, errors.New("ue: PDU Session Establishment Accept: authorized QoS rules truncated")
	}
	n := 2 + be16(b)
	rules, err := parseQoSRules(b[2:n])
	if err != nil {
		return s, fmt.Errorf("ue: PDU Session Establishment Accept: %w", err)
	}
	s.QoSRules = rules
	b = b[n:]
	if len(b) < 7 || b[0] != 6 {
		return s, errors.New("ue: PDU Session Establishment Accept: session AMBR is not 6 octets")
	}
	s.AMBRDownlink = bitRate(b[1], uint16(be16(b[2:])))
	s.AMBRUplink = bitRate(b[4], uint16(be16(b[5:])))
	b = b[7:]
	for _, r := range s.QoSRules {
		if r.Default {
			s.QFI = r.QFI
		}
	}
	err = walkIEs(b, func(iei uint8, v []byte) error {
		switch iei {
		case ieiPDUAddress:
			parsePDUAddress(&s, v)
		case ieiSNSSAI:
			if x, err := parseNSSAI(append([]byte{byte(len(v))}, v...)); err == nil && len(x) == 1 {
				s.SNSSAI = x[0]
			}
		case ieiQoSFlowDescs:
			if f, err := parseQoSFlows(v); err == nil {
				s.QoSFlows = f
			}
		case ieiEPCO:
			parseEPCO(&s, v)
		case ieiDNN:
			if d, err := decodeDNN(v); err == nil {
				s.DNN = d
			}
		}
		return nil
	})
	if err != nil {
		return s, fmt.Errorf("ue: PDU Session Establishment Accept: %w", err)
	}
	for _, f := range s.QoSFlows {
		if f.QFI == s.QFI {
			s.FiveQI = f.FiveQI
		}
	}
	return s, nil
}

// QoS rule operation codes (TS 24.501 §9.11.4.13).
const (
	ruleCreate           = 1
	ruleDelete           = 2
	ruleAddFilters       = 3
	ruleReplaceFilters   = 4
	ruleDeleteFilters    = 5
	ruleModifyNoFilters  = 6
	flowCreate           = 1 // QoS flow description operation code, §9.11.4.12
	flowParam5QI         = 0x01
	flowParamGFBRUplink  = 0x02
	flowParamGFBRDownlnk = 0x03
	flowParamMFBRUplink  = 0x04
	flowParamMFBRDownlnk = 0x05
	flowParamEBI         = 0x07
)

// parseQoSRules reads the value of a QoS rules IE (TS 24.501 §9.11.4.13).
// An accept may only create rules, each with its packet filters,
// precedence and QFI.
func parseQoSRules(b []byte) ([]QoSRule, error) {
	var out []QoSRule
	for len(b) > 0 {
		if len(b) < 3 || len(b) < 3+be16(b[1:]) {
			return nil, errors.New("QoS rule truncated")
		}
		n := 3 + be16(b[1:])
		r, v := QoSRule{ID: b[0]}, b[3:n]
		b = b[n:]
		if len(v) < 1 {
			return nil, fmt.Errorf("QoS rule %d is empty", r.ID)
		}
		op, filters := v[0]>>5, int(v[0]&0x0F)
		r.Default = v[0]&0x10 != 0
		if op != ruleCreate {
			return nil, fmt.Errorf("QoS rule %d: operation code %d, an accept only creates rules", r.ID, op)
		}
		v = v[1:]
		for range filters {
			if len(v) < 2 || len(v) < 2+int(v[1]) {
				return nil, fmt.Errorf("QoS rule %d: packet filter truncated", r.ID)
			}
			r.Filters = append(r.Filters, PacketFilter{
				ID: v[0] & 0x0F, Direction: v[0] >> 4 & 0x03,
				Contents: append([]byte(nil), v[2:2+int(v[1])]...),
			})
			v = v[2+int(v[1]):]
		}
		if len(v) != 2 {
			return nil, fmt.Errorf("QoS rule %d: precedence and QFI take %d octets, want 2", r.ID, len(v))
		}
		r.Precedence, r.Segregation, r.QFI = v[0], v[1]&0x40 != 0, v[1]&0x3F
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, errors.New("no QoS rule")
	}
	return out, nil
}

// parseQoSFlows reads the value of a QoS flow descriptions IE (TS 24.501
// §9.11.4.12); descriptions that do not create a flow are skipped.
func parseQoSFlows(b []byte) ([]QoSFlow, error) {
	var out []QoSFlow
	for len(b) > 0 {
		if len(b) < 3 {
			return nil, errors.New("QoS flow description truncated")
		}
		f, op, params := QoSFlow{QFI: b[0] & 0x3F}, b[1]>>5, int(b[2]&0x3F)
		b = b[3:]
		for range params {
			if len(b) < 2 || len(b) < 2+int(b[1]) {
				return nil, errors.New("QoS flow parameter truncated")
			}
			id, v := b[0], b[2:2+int(b[1])]
			b = b[2+int(b[1]):]
			switch {
			case id == flowParam5QI && len(v) == 1:
				f.FiveQI = v[0]
			case id >= flowParamGFBRUplink && id <= flowParamMFBRDownlnk && len(v) == 3:
				r := bitRate(v[0], uint16(be16(v[1:])))
				switch id {
				case flowParamGFBRUplink:
					f.GFBRUplink = r
				case flowParamGFBRDownlnk:
					f.GFBRDownlink = r
				case flowParamMFBRUplink:
					f.MFBRUplink = r
				default:
					f.MFBRDownlink = r
				}
			case id == flowParamEBI && len(v) == 1:
				f.EBI = v[0] >> 4
			}
		}
		if op == flowCreate {
			out = append(out, f)
		}
	}
	return out, nil
}

// bitRate converts a bit rate with its unit (TS 24.501 §9.11.4.14: unit
// 1 is 1 kbit/s, each further unit multiplies by 4 within a decade of
// 1000 — 1, 4, 16, 64, 256 kbit/s, then 1 Mbit/s ... 256 Pbit/s, unit 25)
// to bit/s, saturating. Unit 0 and units above 25 give 0.
func bitRate(unit uint8, v uint16) uint64 {
	if unit == 0 || unit > 25 {
		return 0
	}
	k := int(unit - 1)
	mult := uint64(1) << (2 * (k % 5))
	for range k/5 + 1 {
		mult *= 1000
	}
	hi, lo := bits.Mul64(mult, uint64(v))
	if hi != 0 {
		return math.MaxUint64
	}
	return lo
}

// parsePDUAddress reads a PDU address IE value (TS 24.501 §9.11.4.10):
// the IPv4 address, the IPv6 interface identifier, or both (IID first);
// an IPv6 link-local address may follow (SI6LLA).
func parsePDUAddress(s *PDUSession, v []byte) {
	if len(v) < 1 {
		return
	}
	a := v[1:]
	if v[0]&0x08 != 0 && len(a) >= 16 { // SI6LLA
		a = a[:len(a)-16]
	}
	switch v[0] & 0x07 {
	case PDUTypeIPv4:
		if len(a) == 4 {
			s.IPv4 = netip.AddrFrom4([4]byte(a))
		}
	case PDUTypeIPv6:
		if len(a) == 8 {
			s.IPv6IID = [8]byte(a)
		}
	case PDUTypeIPv4v6:
		if len(a) == 12 {
			s.IPv6IID, s.IPv4 = [8]byte(a[:8]), netip.AddrFrom4([4]byte(a[8:]))
		}
	}
}

// parseEPCO reads DNS servers and the IPv4 link MTU from the extended
// protocol configuration options (TS 24.008 §10.5.6.3A): a configuration
// protocol octet, then containers of a 2-octet identifier, a 1-octet
// length and the contents. Other containers are skipped.
func parseEPCO(s *PDUSession, v []byte) {
	if len(v) < 1 || v[0]&0x80 == 0 {
		return
	}
	var v4, v6 []netip.Addr
	for c := v[1:]; len(c) >= 3; {
		id, n := uint16(be16(c)), int(c[2])
		if len(c) < 3+n {
			return
		}
		x := c[3 : 3+n]
		c = c[3+n:]
		switch {
		case id == pcoDNSIPv4 && n == 4:
			v4 = append(v4, netip.AddrFrom4([4]byte(x)))
		case id == pcoDNSIPv6 && n == 16:
			v6 = append(v6, netip.AddrFrom16([16]byte(x)))
		case id == pcoIPv4MTU && n == 2:
			s.MTU = uint16(be16(x))
		}
	}
	s.DNS = append(v4, v6...)
}

// be16 reads a two-octet big-endian length or value; b has at least two
// octets.
func be16(b []byte) int { return int(b[0])<<8 | int(b[1]) }
