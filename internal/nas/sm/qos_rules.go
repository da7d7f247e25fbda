package sm

import (
	"errors"
	"fmt"
	"net/netip"
)

// IEIs of the QoS IEs in 5GSM messages other than the PDU SESSION
// ESTABLISHMENT ACCEPT, where the authorized QoS rules are the mandatory
// LV-E IE and carry no IEI (TS 24.501 §8.3.7, §8.3.9, tables 8.3.7.1.1,
// 8.3.9.1.1: "Authorized QoS rules"/"Requested QoS rules" 7A,
// "Authorized QoS flow descriptions"/"Requested QoS flow descriptions" 79).
const (
	IEIQoSRules            uint8 = 0x7a
	IEIQoSFlowDescriptions uint8 = ieiQoSFlowDescriptions
)

// Rule operation codes, TS 24.501 §9.11.4.13, table 9.11.4.13.1 (bits 8
// to 6 of the octet after the rule's length).
const (
	RuleOpCreate                uint8 = 1
	RuleOpDelete                uint8 = 2
	RuleOpAddFilters            uint8 = 3 // modify existing QoS rule and add packet filters
	RuleOpReplaceFilters        uint8 = 4 // modify existing QoS rule and replace all packet filters
	RuleOpDeleteFilters         uint8 = 5 // modify existing QoS rule and delete packet filters
	RuleOpModifyWithoutFilters  uint8 = 6 // modify existing QoS rule without modifying packet filters
	maxFilters                        = 15
	maxPacketFilterContentsSize       = 255
)

// Packet filter directions, TS 24.501 §9.11.4.13 (bits 6 and 5 of the
// packet filter's first octet).
const (
	FilterDownlink      uint8 = 1
	FilterUplink        uint8 = 2
	FilterBidirectional uint8 = 3
)

// Packet filter component types, TS 24.501 §9.11.4.13, table
// 9.11.4.13.1. "Remote" is the peer on the data network side, "local"
// the UE.
const (
	ComponentMatchAll            uint8 = 0x01
	ComponentIPv4Remote          uint8 = 0x10 // address and mask, 8 octets
	ComponentIPv4Local           uint8 = 0x11
	ComponentIPv6Remote          uint8 = 0x21 // address and prefix length, 17 octets
	ComponentIPv6Local           uint8 = 0x23
	ComponentProtocol            uint8 = 0x30 // protocol identifier/next header, 1 octet
	ComponentLocalPort           uint8 = 0x40 // 2 octets
	ComponentLocalPortRange      uint8 = 0x41 // low and high limit, 4 octets
	ComponentRemotePort          uint8 = 0x50
	ComponentRemotePortRange     uint8 = 0x51
	ComponentSPI                 uint8 = 0x60 // security parameter index, 4 octets
	ComponentTypeOfService       uint8 = 0x70 // type of service/traffic class and mask, 2 octets
	ComponentFlowLabel           uint8 = 0x80 // 20 bits in 3 octets
	ComponentDestinationMAC      uint8 = 0x81 // 6 octets
	ComponentSourceMAC           uint8 = 0x82
	ComponentCTagVID             uint8 = 0x83 // 12 bits in 2 octets
	ComponentSTagVID             uint8 = 0x84
	ComponentCTagPCPDEI          uint8 = 0x85 // PCP (3 bits) and DEI (1 bit) in 1 octet
	ComponentSTagPCPDEI          uint8 = 0x86
	ComponentEthertype           uint8 = 0x87 // 2 octets
	ComponentDestinationMACRange uint8 = 0x88 // low and high limit, 12 octets
	ComponentSourceMACRange      uint8 = 0x89
)

// QoSRule is one QoS rule of a QoS rules IE (TS 24.501 §9.11.4.13).
// Which fields are on the wire depends on Op: Filters for create, add
// and replace; DeleteFilterIDs for "delete packet filters"; nothing
// after the operation octet for "delete existing QoS rule" (its length
// is 1), Precedence, Segregation and QFI otherwise.
type QoSRule struct {
	ID  uint8 // QoS rule identifier, 1 to 255 (0 is "no QoS rule identifier assigned")
	Op  uint8 // RuleOp*
	DQR bool  // the default QoS rule
	// Filters are the packet filters for create, add and replace.
	Filters []PacketFilter
	// DeleteFilterIDs are the packet filter identifiers (0 to 15) that
	// "modify existing QoS rule and delete packet filters" removes.
	DeleteFilterIDs []uint8
	// Precedence orders the rules the UE evaluates, lowest first
	// (TS 23.501 §5.7.1.4).
	Precedence  uint8
	Segregation bool
	QFI         uint8 // 1 to 63
}

// PacketFilter is one packet filter of a QoS rule (TS 24.501
// §9.11.4.13): all its components must match.
type PacketFilter struct {
	ID         uint8 // 0 to 15, unique within the rule
	Direction  uint8 // FilterDownlink, FilterUplink or FilterBidirectional
	Components []FilterComponent
}

// FilterComponent is one packet filter component (TS 24.501
// §9.11.4.13, table 9.11.4.13.1); Type says which fields hold its value.
type FilterComponent struct {
	Type uint8
	// Prefix is the address and mask of the IPv4 types (a mask that
	// is not a prefix cannot be held and is refused by the decoder) or
	// the address and prefix length of the IPv6 types.
	Prefix netip.Prefix
	// Low is the port of the single port types, the low limit of the
	// range types, the VID of the VID types and the Ethertype; High is
	// the high limit of the port ranges.
	Low, High uint16
	// Value is the protocol identifier/next header, the SPI, the flow
	// label (20 bits), the type of service/traffic class, or the PCP
	// (bits 4 to 2) and DEI (bit 1).
	Value uint32
	Mask  uint8 // type of service/traffic class mask
	// MAC is the address of the MAC types and the low limit of the MAC
	// range types; MACHigh the high limit.
	MAC, MACHigh [6]byte
}

// componentLength is the length of a component's value after its type
// octet, or -1 for a type this codec does not know (TS 24.501
// §9.11.4.13: the UE then rejects the rule with #44/#45, the codec
// refuses it).
func componentLength(t uint8) int {
	switch t {
	case ComponentMatchAll:
		return 0
	case ComponentIPv4Remote, ComponentIPv4Local:
		return 8
	case ComponentIPv6Remote, ComponentIPv6Local:
		return 17
	case ComponentProtocol, ComponentCTagPCPDEI, ComponentSTagPCPDEI:
		return 1
	case ComponentLocalPort, ComponentRemotePort, ComponentTypeOfService, ComponentCTagVID, ComponentSTagVID, ComponentEthertype:
		return 2
	case ComponentFlowLabel:
		return 3
	case ComponentLocalPortRange, ComponentRemotePortRange, ComponentSPI:
		return 4
	case ComponentDestinationMAC, ComponentSourceMAC:
		return 6
	case ComponentDestinationMACRange, ComponentSourceMACRange:
		return 12
	}
	return -1
}

// AppendQoSRules appends the value of a QoS rules IE (TS 24.501
// §9.11.4.13): the rules, each with its identifier and length. It fails,
// appending nothing, on a value that cannot be encoded.
func AppendQoSRules(b []byte, rules []QoSRule) ([]byte, error) {
	at := len(b)
	for i := range rules {
		var err error
		if b, err = appendQoSRule(b, &rules[i]); err != nil {
			return b[:at], fmt.Errorf("sm: QoS rule %d: %w", rules[i].ID, err)
		}
	}
	return b, nil
}

// AppendQoSRulesIE appends a QoS rules IE with a 2-octet length: TLV-E
// with iei, or LV-E when iei is 0 (the authorized QoS rules of a PDU
// SESSION ESTABLISHMENT ACCEPT).
func AppendQoSRulesIE(b []byte, iei uint8, rules []QoSRule) ([]byte, error) {
	return appendLVE(b, iei, func(b []byte) ([]byte, error) { return AppendQoSRules(b, rules) })
}

// appendLVE appends iei (unless 0), a 2-octet length and what value
// appends after it; on error it appends nothing.
func appendLVE(b []byte, iei uint8, value func([]byte) ([]byte, error)) ([]byte, error) {
	at := len(b)
	if iei != 0 {
		b = append(b, iei)
	}
	b = append(b, 0, 0)
	start := len(b)
	b, err := value(b)
	if err != nil {
		return b[:at], err
	}
	n := len(b) - start
	if n > 0xffff {
		return b[:at], fmt.Errorf("sm: IE of %d octets exceeds 65535", n)
	}
	b[start-2], b[start-1] = byte(n>>8), byte(n)
	return b, nil
}

func appendQoSRule(b []byte, r *QoSRule) ([]byte, error) {
	if r.ID == 0 {
		return b, errors.New("QoS rule identifier 0")
	}
	if r.Op < RuleOpCreate || r.Op > RuleOpModifyWithoutFilters {
		return b, fmt.Errorf("rule operation code %d", r.Op)
	}
	n := 0
	switch r.Op {
	case RuleOpCreate, RuleOpAddFilters, RuleOpReplaceFilters:
		n = len(r.Filters)
		if n == 0 && r.Op == RuleOpAddFilters {
			return b, errors.New("add packet filters without a packet filter")
		}
	case RuleOpDeleteFilters:
		n = len(r.DeleteFilterIDs)
		if n == 0 {
			return b, errors.New("delete packet filters without a packet filter identifier")
		}
	}
	if n > maxFilters {
		return b, fmt.Errorf("%d packet filters, at most %d", n, maxFilters)
	}
	if r.Op != RuleOpDelete && (r.QFI == 0 || r.QFI > 63) {
		return b, fmt.Errorf("QFI %d, want 1 to 63", r.QFI)
	}
	b = append(b, r.ID, 0, 0)
	start := len(b)
	op := r.Op<<5 | byte(n)
	if r.DQR {
		op |= ruleDQR
	}
	b = append(b, op)
	switch r.Op {
	case RuleOpCreate, RuleOpAddFilters, RuleOpReplaceFilters:
		for i := range r.Filters {
			var err error
			if b, err = appendPacketFilter(b, &r.Filters[i]); err != nil {
				return b, err
			}
		}
	case RuleOpDeleteFilters:
		for _, id := range r.DeleteFilterIDs {
			if id > 15 {
				return b, fmt.Errorf("packet filter identifier %d, want 0 to 15", id)
			}
			b = append(b, id)
		}
	}
	// TS 24.501 §9.11.4.13: neither precedence nor QFI for "delete
	// existing QoS rule".
	if r.Op != RuleOpDelete {
		qfi := r.QFI & 0x3f
		if r.Segregation {
			qfi |= 0x40
		}
		b = append(b, r.Precedence, qfi)
	}
	l := len(b) - start
	if l > 0xffff {
		return b, fmt.Errorf("%d octets exceed 65535", l)
	}
	b[start-2], b[start-1] = byte(l>>8), byte(l)
	return b, nil
}

func appendPacketFilter(b []byte, f *PacketFilter) ([]byte, error) {
	if f.ID > 15 {
		return b, fmt.Errorf("packet filter identifier %d, want 0 to 15", f.ID)
	}
	if f.Direction < FilterDownlink || f.Direction > FilterBidirectional {
		return b, fmt.Errorf("packet filter %d: direction %d", f.ID, f.Direction)
	}
	if len(f.Components) == 0 {
		return b, fmt.Errorf("packet filter %d without a component", f.ID)
	}
	b = append(b, f.Direction<<4|f.ID, 0)
	start := len(b)
	for i := range f.Components {
		var err error
		if b, err = appendComponent(b, &f.Components[i]); err != nil {
			return b, fmt.Errorf("packet filter %d: %w", f.ID, err)
		}
	}
	l := len(b) - start
	if l > maxPacketFilterContentsSize {
		return b, fmt.Errorf("packet filter %d: %d octets of contents exceed 255", f.ID, l)
	}
	b[start-1] = byte(l)
	return b, nil
}

func appendComponent(b []byte, c *FilterComponent) ([]byte, error) {
	u16 := func(b []byte, v uint16) []byte { return append(b, byte(v>>8), byte(v)) }
	switch c.Type {
	case ComponentMatchAll:
		return append(b, c.Type), nil
	case ComponentIPv4Remote, ComponentIPv4Local:
		if !c.Prefix.IsValid() || !c.Prefix.Addr().Is4() {
			return b, fmt.Errorf("component %#02x: IPv4 prefix %v", c.Type, c.Prefix)
		}
		a := c.Prefix.Addr().As4()
		m := prefixMask4(c.Prefix.Bits())
		b = append(b, c.Type)
		b = append(b, a[:]...)
		return append(b, m[:]...), nil
	case ComponentIPv6Remote, ComponentIPv6Local:
		if !c.Prefix.IsValid() || !c.Prefix.Addr().Is6() || c.Prefix.Addr().Is4In6() || c.Prefix.Addr().Zone() != "" {
			return b, fmt.Errorf("component %#02x: IPv6 prefix %v", c.Type, c.Prefix)
		}
		a := c.Prefix.Addr().As16()
		b = append(b, c.Type)
		b = append(b, a[:]...)
		return append(b, byte(c.Prefix.Bits())), nil
	case ComponentProtocol:
		if c.Value > 0xff {
			return b, fmt.Errorf("protocol identifier %d", c.Value)
		}
		return append(b, c.Type, byte(c.Value)), nil
	case ComponentLocalPort, ComponentRemotePort, ComponentEthertype:
		return u16(append(b, c.Type), c.Low), nil
	case ComponentLocalPortRange, ComponentRemotePortRange:
		if c.Low > c.High {
			return b, fmt.Errorf("component %#02x: port range %d-%d", c.Type, c.Low, c.High)
		}
		return u16(u16(append(b, c.Type), c.Low), c.High), nil
	case ComponentSPI:
		return append(b, c.Type, byte(c.Value>>24), byte(c.Value>>16), byte(c.Value>>8), byte(c.Value)), nil
	case ComponentTypeOfService:
		if c.Value > 0xff {
			return b, fmt.Errorf("type of service %d", c.Value)
		}
		return append(b, c.Type, byte(c.Value), c.Mask), nil
	case ComponentFlowLabel:
		if c.Value > 0xfffff {
			return b, fmt.Errorf("flow label %#x exceeds 20 bits", c.Value)
		}
		return append(b, c.Type, byte(c.Value>>16), byte(c.Value>>8), byte(c.Value)), nil
	case ComponentDestinationMAC, ComponentSourceMAC:
		b = append(b, c.Type)
		return append(b, c.MAC[:]...), nil
	case ComponentCTagVID, ComponentSTagVID:
		if c.Low > 0xfff {
			return b, fmt.Errorf("VID %d exceeds 12 bits", c.Low)
		}
		return u16(append(b, c.Type), c.Low), nil
	case ComponentCTagPCPDEI, ComponentSTagPCPDEI:
		if c.Value > 0x0f {
			return b, fmt.Errorf("PCP/DEI %#x exceeds 4 bits", c.Value)
		}
		return append(b, c.Type, byte(c.Value)), nil
	case ComponentDestinationMACRange, ComponentSourceMACRange:
		b = append(b, c.Type)
		b = append(b, c.MAC[:]...)
		return append(b, c.MACHigh[:]...), nil
	}
	return b, fmt.Errorf("packet filter component type %#02x", c.Type)
}

func prefixMask4(bits int) [4]byte {
	m := ^uint32(0) << (32 - bits)
	if bits == 0 {
		m = 0
	}
	return [4]byte{byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)}
}

// mask4Bits is the prefix length of an IPv4 mask, or -1 when its ones
// are not contiguous from the left.
func mask4Bits(m []byte) int {
	v := uint32(m[0])<<24 | uint32(m[1])<<16 | uint32(m[2])<<8 | uint32(m[3])
	n := 0
	for n < 32 && v&(1<<(31-n)) != 0 {
		n++
	}
	if n < 32 && v<<n != 0 {
		return -1
	}
	return n
}

// ParseQoSRules reads the value of a QoS rules IE (TS 24.501
// §9.11.4.13). It refuses a truncated rule or packet filter, a rule
// length that does not match its contents, a reserved operation code,
// a number of packet filters the operation forbids, and a packet filter
// component of an unknown type or of a value this codec cannot hold
// (an IPv4 mask that is not a prefix); the UE answers those with #83,
// #84, #44 or #45 (TS 24.501 §6.4.1.3, §6.4.2.4).
func ParseQoSRules(v []byte) ([]QoSRule, error) {
	var rules []QoSRule
	for len(v) > 0 {
		if len(v) < 3 {
			return rules, errors.New("sm: QoS rules: truncated rule header")
		}
		id, n := v[0], int(v[1])<<8|int(v[2])
		if len(v) < 3+n {
			return rules, fmt.Errorf("sm: QoS rule %d: length %d exceeds the %d octets left", id, n, len(v)-3)
		}
		r, err := parseQoSRule(id, v[3:3+n])
		if err != nil {
			return rules, fmt.Errorf("sm: QoS rule %d: %w", id, err)
		}
		rules = append(rules, r)
		v = v[3+n:]
	}
	return rules, nil
}

func parseQoSRule(id uint8, v []byte) (QoSRule, error) {
	r := QoSRule{ID: id}
	if id == 0 {
		return r, errors.New("QoS rule identifier 0")
	}
	if len(v) < 1 {
		return r, errors.New("empty rule")
	}
	r.Op, r.DQR = v[0]>>5, v[0]&ruleDQR != 0
	n := int(v[0] & 0x0f)
	v = v[1:]
	switch r.Op {
	case RuleOpCreate, RuleOpAddFilters, RuleOpReplaceFilters:
		if n == 0 && r.Op == RuleOpAddFilters {
			return r, errors.New("add packet filters without a packet filter")
		}
		if n > 0 {
			r.Filters = make([]PacketFilter, 0, n)
		}
		for range n {
			if len(v) < 2 || len(v) < 2+int(v[1]) {
				return r, errors.New("truncated packet filter")
			}
			f, err := parsePacketFilter(v[0], v[2:2+int(v[1])])
			if err != nil {
				return r, err
			}
			r.Filters = append(r.Filters, f)
			v = v[2+int(v[1]):]
		}
	case RuleOpDeleteFilters:
		if n == 0 || len(v) < n {
			return r, fmt.Errorf("delete packet filters: %d identifiers in %d octets", n, len(v))
		}
		r.DeleteFilterIDs = make([]uint8, n)
		for i := range n {
			r.DeleteFilterIDs[i] = v[i] & 0x0f
		}
		v = v[n:]
	case RuleOpDelete, RuleOpModifyWithoutFilters:
		if n != 0 {
			return r, fmt.Errorf("operation %d with %d packet filters, want 0", r.Op, n)
		}
	default:
		return r, fmt.Errorf("reserved rule operation code %d", r.Op)
	}
	if r.Op == RuleOpDelete {
		// §9.11.4.13: no precedence or QFI; a sender that adds them
		// anyway is not refused.
		return r, nil
	}
	if len(v) != 2 {
		return r, fmt.Errorf("%d octets after the packet filters, want precedence and QFI", len(v))
	}
	r.Precedence, r.Segregation, r.QFI = v[0], v[1]&0x40 != 0, v[1]&0x3f
	if r.QFI == 0 {
		return r, errors.New("QFI 0")
	}
	return r, nil
}

func parsePacketFilter(head byte, v []byte) (PacketFilter, error) {
	f := PacketFilter{ID: head & 0x0f, Direction: head >> 4 & 0x03}
	if f.Direction == 0 {
		return f, fmt.Errorf("packet filter %d: reserved direction 0", f.ID)
	}
	if len(v) == 0 {
		return f, fmt.Errorf("packet filter %d without a component", f.ID)
	}
	for len(v) > 0 {
		t := v[0]
		l := componentLength(t)
		if l < 0 {
			return f, fmt.Errorf("packet filter %d: unknown component type %#02x", f.ID, t)
		}
		if len(v) < 1+l {
			return f, fmt.Errorf("packet filter %d: component %#02x truncated", f.ID, t)
		}
		c, err := parseComponent(t, v[1:1+l])
		if err != nil {
			return f, fmt.Errorf("packet filter %d: %w", f.ID, err)
		}
		f.Components = append(f.Components, c)
		v = v[1+l:]
	}
	return f, nil
}

func parseComponent(t uint8, v []byte) (FilterComponent, error) {
	c := FilterComponent{Type: t}
	u16 := func(p []byte) uint16 { return uint16(p[0])<<8 | uint16(p[1]) }
	switch t {
	case ComponentIPv4Remote, ComponentIPv4Local:
		bits := mask4Bits(v[4:8])
		if bits < 0 {
			return c, fmt.Errorf("component %#02x: IPv4 mask % x is not a prefix", t, v[4:8])
		}
		c.Prefix = netip.PrefixFrom(netip.AddrFrom4([4]byte(v[:4])), bits)
	case ComponentIPv6Remote, ComponentIPv6Local:
		if v[16] > 128 {
			return c, fmt.Errorf("component %#02x: IPv6 prefix length %d", t, v[16])
		}
		c.Prefix = netip.PrefixFrom(netip.AddrFrom16([16]byte(v[:16])), int(v[16]))
	case ComponentProtocol:
		c.Value = uint32(v[0])
	case ComponentLocalPort, ComponentRemotePort, ComponentEthertype:
		c.Low = u16(v)
	case ComponentLocalPortRange, ComponentRemotePortRange:
		c.Low, c.High = u16(v), u16(v[2:])
		if c.Low > c.High {
			return c, fmt.Errorf("component %#02x: port range %d-%d", t, c.Low, c.High)
		}
	case ComponentSPI:
		c.Value = uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3])
	case ComponentTypeOfService:
		c.Value, c.Mask = uint32(v[0]), v[1]
	case ComponentFlowLabel:
		c.Value = uint32(v[0]&0x0f)<<16 | uint32(v[1])<<8 | uint32(v[2])
	case ComponentDestinationMAC, ComponentSourceMAC:
		c.MAC = [6]byte(v)
	case ComponentCTagVID, ComponentSTagVID:
		c.Low = u16(v) & 0x0fff
	case ComponentCTagPCPDEI, ComponentSTagPCPDEI:
		c.Value = uint32(v[0] & 0x0f)
	case ComponentDestinationMACRange, ComponentSourceMACRange:
		c.MAC, c.MACHigh = [6]byte(v[:6]), [6]byte(v[6:12])
	}
	return c, nil
}

// DefaultQoSRule is the QoS rule Keel gives every PDU session: rule 1,
// the default (DQR), one bidirectional match-all packet filter, the
// lowest precedence so that any other rule is evaluated first (TS
// 23.501 §5.7.1.5: the default QoS rule of an IP PDU session need not
// match all packets, Keel's does).
func DefaultQoSRule(qfi uint8) QoSRule {
	return QoSRule{
		ID: defaultRuleID, Op: RuleOpCreate, DQR: true,
		Filters: []PacketFilter{{ID: defaultFilterID, Direction: FilterBidirectional,
			Components: []FilterComponent{{Type: ComponentMatchAll}}}},
		Precedence: defaultRulePrecedence,
		QFI:        qfi,
	}
}
