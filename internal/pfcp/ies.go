package pfcp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/wmnsk/go-pfcp/ie"
)

// IE values are encoded and read here rather than with go-pfcp's typed
// constructors and getters: those return nil on bad input (and a nil IE
// panics in a message constructor) and read without checking lengths.
// go-pfcp still frames IEs and messages. Each reader checks the value's
// fixed octets (TS 29.244 §8.2) and tolerates the extra octets later
// releases append ("present only if explicitly specified").

// newIE wraps ie.New, which never returns nil.
func newIE(t uint16, v []byte) *ie.IE { return ie.New(t, v) }

func u8IE(t uint16, v uint8) *ie.IE   { return newIE(t, []byte{v}) }
func u16IE(t uint16, v uint16) *ie.IE { return newIE(t, binary.BigEndian.AppendUint16(nil, v)) }
func u32IE(t uint16, v uint32) *ie.IE { return newIE(t, binary.BigEndian.AppendUint32(nil, v)) }

// group wraps ie.NewGroupedIE, which returns nil when a child does not
// marshal.
func group(t uint16, children ...*ie.IE) (*ie.IE, error) {
	for _, c := range children {
		if c == nil {
			return nil, fmt.Errorf("pfcp: %s: nil child IE", ieName(t))
		}
	}
	g := ie.NewGroupedIE(t, children...)
	if g == nil {
		return nil, fmt.Errorf("pfcp: %s: child IE does not marshal", ieName(t))
	}
	return g, nil
}

// children returns a grouped IE's IEs.
func children(i *ie.IE) ([]*ie.IE, error) {
	if i.ChildIEs != nil || len(i.Payload) == 0 {
		return i.ChildIEs, nil
	}
	c, err := ie.ParseMultiIEs(i.Payload)
	if err != nil {
		return nil, causeErr(CauseInvalidLength, i.Type, "%s: %v", ieName(i.Type), err)
	}
	return c, nil
}

func first(l []*ie.IE, t uint16) *ie.IE {
	for _, i := range l {
		if i != nil && i.Type == t {
			return i
		}
	}
	return nil
}

func all(l []*ie.IE, t uint16) []*ie.IE {
	var out []*ie.IE
	for _, i := range l {
		if i != nil && i.Type == t {
			out = append(out, i)
		}
	}
	return out
}

// errMissing is a missing mandatory IE (§7.6.6): cause 66, the IE's type
// as offending IE.
func errMissing(where string, t uint16) error {
	return causeErr(CauseMandatoryIEMissing, t, "%s: missing %s", where, ieName(t))
}

// errConditional is a missing conditional IE the condition requires
// (§7.6.6): cause 67.
func errConditional(where string, t uint16, why string) error {
	return causeErr(CauseConditionalIEMissing, t, "%s: missing %s (%s)", where, ieName(t), why)
}

// errIncorrect is an IE whose content is wrong (§7.6.8): cause 69.
func errIncorrect(t uint16, format string, args ...any) error {
	return causeErr(CauseMandatoryIEIncorrect, t, "%s: %s", ieName(t), fmt.Sprintf(format, args...))
}

// need checks that an IE's value has at least n octets: a shorter one has
// an invalid length (§7.6.7), reported as "Mandatory IE incorrect".
func need(i *ie.IE, n int) error {
	if len(i.Payload) < n {
		return errIncorrect(i.Type, "%d octets, want at least %d", len(i.Payload), n)
	}
	return nil
}

func readU8(i *ie.IE) (uint8, error) {
	if err := need(i, 1); err != nil {
		return 0, err
	}
	return i.Payload[0], nil
}

func readU16(i *ie.IE) (uint16, error) {
	if err := need(i, 2); err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint16(i.Payload), nil
}

func readU32(i *ie.IE) (uint32, error) {
	if err := need(i, 4); err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(i.Payload), nil
}

// Node ID (§8.2.38): type in the low 4 bits of octet 5 (0 IPv4, 1 IPv6,
// 2 FQDN), then the value.
func nodeIDIE(a netip.Addr) (*ie.IE, error) {
	switch {
	case a.Is4():
		v := a.As4()
		return newIE(ie.NodeID, append([]byte{0}, v[:]...)), nil
	case a.Is6() && !a.Is4In6():
		v := a.As16()
		return newIE(ie.NodeID, append([]byte{1}, v[:]...)), nil
	}
	return nil, fmt.Errorf("pfcp: Node ID: invalid address %v", a)
}

func readNodeID(i *ie.IE) (netip.Addr, error) {
	if err := need(i, 1); err != nil {
		return netip.Addr{}, err
	}
	switch i.Payload[0] & 0x0f {
	case 0:
		if err := need(i, 5); err != nil {
			return netip.Addr{}, err
		}
		return netip.AddrFrom4([4]byte(i.Payload[1:5])), nil
	case 1:
		if err := need(i, 17); err != nil {
			return netip.Addr{}, err
		}
		return netip.AddrFrom16([16]byte(i.Payload[1:17])).Unmap(), nil
	case 2:
		return netip.Addr{}, errIncorrect(i.Type, "FQDN Node IDs are not supported")
	}
	return netip.Addr{}, errIncorrect(i.Type, "unknown Node ID type %d", i.Payload[0]&0x0f)
}

// F-SEID (§8.2.37): flags (bit 2 V4, bit 1 V6), SEID, then the addresses.
func fseidIE(seid uint64, a netip.Addr) (*ie.IE, error) {
	var b []byte
	switch {
	case a.Is4():
		v := a.As4()
		b = append(binary.BigEndian.AppendUint64([]byte{0x02}, seid), v[:]...)
	case a.Is6() && !a.Is4In6():
		v := a.As16()
		b = append(binary.BigEndian.AppendUint64([]byte{0x01}, seid), v[:]...)
	default:
		return nil, fmt.Errorf("pfcp: F-SEID: invalid address %v", a)
	}
	return newIE(ie.FSEID, b), nil
}

func readFSEID(i *ie.IE) (uint64, netip.Addr, error) {
	if err := need(i, 9); err != nil {
		return 0, netip.Addr{}, err
	}
	flags, seid := i.Payload[0], binary.BigEndian.Uint64(i.Payload[1:9])
	rest := i.Payload[9:]
	var a netip.Addr
	if flags&0x02 != 0 {
		if len(rest) < 4 {
			return 0, netip.Addr{}, errIncorrect(i.Type, "V4 set but no IPv4 address")
		}
		a, rest = netip.AddrFrom4([4]byte(rest[:4])), rest[4:]
	}
	if flags&0x01 != 0 {
		if len(rest) < 16 {
			return 0, netip.Addr{}, errIncorrect(i.Type, "V6 set but no IPv6 address")
		}
		if !a.IsValid() {
			a = netip.AddrFrom16([16]byte(rest[:16]))
		}
	}
	if !a.IsValid() {
		return 0, netip.Addr{}, errIncorrect(i.Type, "neither V4 nor V6 set")
	}
	return seid, a, nil
}

// F-TEID (§8.2.3): flags (bit 1 V4, bit 2 V6, bit 3 CH, bit 4 CHID); with
// CH the TEID and addresses are absent and V4/V6 ask for an address
// family, and CHID adds the CHOOSE ID.
func fteidIE(f FTEID) (*ie.IE, error) {
	if f.Choose {
		if f.ChooseID != 0 {
			return newIE(ie.FTEID, []byte{0x0d, f.ChooseID}), nil // CHID, CH, V4
		}
		return newIE(ie.FTEID, []byte{0x05}), nil // CH, V4
	}
	if !f.IPv4.Is4() {
		return nil, fmt.Errorf("pfcp: F-TEID: invalid IPv4 address %v", f.IPv4)
	}
	v := f.IPv4.As4()
	return newIE(ie.FTEID, append(binary.BigEndian.AppendUint32([]byte{0x01}, f.TEID), v[:]...)), nil
}

func readFTEID(i *ie.IE) (FTEID, error) {
	if err := need(i, 1); err != nil {
		return FTEID{}, err
	}
	flags, rest := i.Payload[0], i.Payload[1:]
	if flags&0x04 != 0 {
		f := FTEID{Choose: true}
		if flags&0x08 != 0 {
			if len(rest) < 1 {
				return FTEID{}, errIncorrect(i.Type, "CHID set but no CHOOSE ID")
			}
			f.ChooseID = rest[0]
		}
		if flags&0x01 == 0 {
			return FTEID{}, errIncorrect(i.Type, "CHOOSE without V4: only IPv4 N3 is supported")
		}
		return f, nil
	}
	if len(rest) < 4 {
		return FTEID{}, errIncorrect(i.Type, "no TEID")
	}
	f := FTEID{TEID: binary.BigEndian.Uint32(rest)}
	rest = rest[4:]
	if flags&0x01 == 0 || len(rest) < 4 {
		return FTEID{}, errIncorrect(i.Type, "no IPv4 address: only IPv4 N3 is supported")
	}
	f.IPv4 = netip.AddrFrom4([4]byte(rest[:4]))
	return f, nil
}

// NTP era 0 starts 1900-01-01, 2208988800 s before the Unix epoch; a
// timestamp whose top bit is clear belongs to era 1, from 2036-02-07
// (RFC 5905 §6, and the convention of RFC 4330 §3).
const ntpUnix = 2208988800

func ntpSeconds(t time.Time) (uint32, error) {
	s := t.Unix() + ntpUnix
	switch {
	case s >= 1<<31 && s < 1<<32:
		return uint32(s), nil
	case s >= 1<<32 && s < 1<<32+1<<31:
		return uint32(s - 1<<32), nil
	}
	return 0, fmt.Errorf("pfcp: time %v out of the range of 32-bit NTP timestamps", t)
}

func fromNTP(v uint32) time.Time {
	s := int64(v)
	if v < 1<<31 {
		s += 1 << 32
	}
	return time.Unix(s-ntpUnix, 0).UTC()
}

// timeIE encodes a timestamp IE (Recovery Time Stamp §8.2.65, Start Time
// §8.2.79, End Time §8.2.80): 32-bit NTP seconds.
func timeIE(t uint16, v time.Time) (*ie.IE, error) {
	s, err := ntpSeconds(v)
	if err != nil {
		return nil, err
	}
	return u32IE(t, s), nil
}

func readTime(i *ie.IE) (time.Time, error) {
	v, err := readU32(i)
	if err != nil {
		return time.Time{}, err
	}
	return fromNTP(v), nil
}

// Network Instance (§8.2.4): an octet string, here a domain name encoded
// as DNS labels like an APN (TS 23.003 §9.1). A value that is not a valid
// label sequence is read as text, as some peers send it.
func networkInstanceIE(s string) (*ie.IE, error) {
	var b []byte
	for l := range strings.SplitSeq(s, ".") {
		if len(l) == 0 || len(l) > 63 {
			return nil, fmt.Errorf("pfcp: Network Instance %q: invalid label", s)
		}
		b = append(append(b, byte(len(l))), l...)
	}
	return newIE(ie.NetworkInstance, b), nil
}

func readNetworkInstance(i *ie.IE) string {
	p := i.Payload
	var labels []string
	for len(p) > 0 {
		n := int(p[0])
		if n == 0 || n > 63 || n+1 > len(p) {
			return string(i.Payload)
		}
		labels = append(labels, string(p[1:1+n]))
		p = p[1+n:]
	}
	return strings.Join(labels, ".")
}

// UE IP Address (§8.2.62): flags (bit 1 V6, bit 2 V4, bit 3 S/D, bit 7
// IP6PL), IPv4, IPv6, then the IPv6 prefix length when IP6PL is set (else
// /64).
func ueIPIE(v4 netip.Addr, v6 netip.Prefix, dest bool) (*ie.IE, error) {
	var flags byte
	if dest {
		flags |= 0x04
	}
	var b []byte
	if v4.IsValid() {
		if !v4.Is4() {
			return nil, fmt.Errorf("pfcp: UE IP Address: %v is not IPv4", v4)
		}
		flags |= 0x02
		a := v4.As4()
		b = append(b, a[:]...)
	}
	if v6.IsValid() {
		if !v6.Addr().Is6() || v6.Addr().Is4In6() {
			return nil, fmt.Errorf("pfcp: UE IP Address: %v is not an IPv6 prefix", v6)
		}
		flags |= 0x01
		a := v6.Masked().Addr().As16()
		b = append(b, a[:]...)
		if v6.Bits() != 64 {
			flags |= 0x40
			b = append(b, byte(v6.Bits()))
		}
	}
	if flags&0x03 == 0 {
		return nil, errors.New("pfcp: UE IP Address: no address")
	}
	return newIE(ie.UEIPAddress, append([]byte{flags}, b...)), nil
}

func readUEIP(i *ie.IE) (netip.Addr, netip.Prefix, error) {
	if err := need(i, 1); err != nil {
		return netip.Addr{}, netip.Prefix{}, err
	}
	flags, rest := i.Payload[0], i.Payload[1:]
	if flags&0x30 != 0 {
		return netip.Addr{}, netip.Prefix{}, errIncorrect(i.Type, "CHV4/CHV6: UE address allocation by the UPF is not supported")
	}
	var v4 netip.Addr
	var v6 netip.Prefix
	if flags&0x02 != 0 {
		if len(rest) < 4 {
			return netip.Addr{}, netip.Prefix{}, errIncorrect(i.Type, "V4 set but no IPv4 address")
		}
		v4, rest = netip.AddrFrom4([4]byte(rest[:4])), rest[4:]
	}
	if flags&0x01 != 0 {
		if len(rest) < 16 {
			return netip.Addr{}, netip.Prefix{}, errIncorrect(i.Type, "V6 set but no IPv6 address")
		}
		a := netip.AddrFrom16([16]byte(rest[:16]))
		rest = rest[16:]
		if flags&0x08 != 0 { // IPv6D: prefix delegation bits
			if len(rest) < 1 {
				return netip.Addr{}, netip.Prefix{}, errIncorrect(i.Type, "IPv6D set but no delegation bits")
			}
			rest = rest[1:]
		}
		bits := 64
		if flags&0x40 != 0 {
			if len(rest) < 1 || rest[0] > 128 {
				return netip.Addr{}, netip.Prefix{}, errIncorrect(i.Type, "IP6PL set but no valid prefix length")
			}
			bits = int(rest[0])
		}
		v6 = netip.PrefixFrom(a, bits).Masked()
	}
	if !v4.IsValid() && !v6.IsValid() {
		return netip.Addr{}, netip.Prefix{}, errIncorrect(i.Type, "neither V4 nor V6 set")
	}
	return v4, v6, nil
}

// Outer Header Removal (§8.2.64): description 0 GTP-U/UDP/IPv4, 1
// GTP-U/UDP/IPv6, 6 GTP-U/UDP/IP; Keel removes GTP-U only.
const ohrGTPUv4 = 0

func readOuterHeaderRemoval(i *ie.IE) error {
	d, err := readU8(i)
	if err != nil {
		return err
	}
	switch d {
	case 0, 1, 6:
		return nil
	}
	return errIncorrect(i.Type, "description %d: only GTP-U removal is supported", d)
}

// Apply Action (§8.2.26): bit 1 DROP, bit 2 FORW, bit 3 BUFF, bit 4 NOCP.
func applyActionIE(f FAR) *ie.IE {
	var v byte
	if f.Drop {
		v |= 0x01
	}
	if f.Forward {
		v |= 0x02
	}
	if f.Buffer {
		v |= 0x04
	}
	if f.NotifyCP {
		v |= 0x08
	}
	return u8IE(ie.ApplyAction, v)
}

func readApplyAction(i *ie.IE, f *FAR) error {
	v, err := readU8(i)
	if err != nil {
		return err
	}
	f.Drop, f.Forward, f.Buffer, f.NotifyCP = v&0x01 != 0, v&0x02 != 0, v&0x04 != 0, v&0x08 != 0
	// §8.2.26: one and only one of DROP, FORW and BUFF is set; NOCP only
	// with BUFF.
	if n := btoi(f.Drop) + btoi(f.Forward) + btoi(f.Buffer); n != 1 {
		return errIncorrect(i.Type, "%d of DROP, FORW, BUFF set, want exactly one", n)
	}
	if f.NotifyCP && !f.Buffer {
		return errIncorrect(i.Type, "NOCP without BUFF")
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Outer Header Creation (§8.2.56): description (octet 5 bit 1
// GTP-U/UDP/IPv4), TEID, IPv4 address.
func outerHeaderIE(o OuterHeader) (*ie.IE, error) {
	if !o.IPv4.Is4() {
		return nil, fmt.Errorf("pfcp: Outer Header Creation: invalid IPv4 address %v", o.IPv4)
	}
	a := o.IPv4.As4()
	return newIE(ie.OuterHeaderCreation, append(binary.BigEndian.AppendUint32([]byte{0x01, 0x00}, o.TEID), a[:]...)), nil
}

func readOuterHeader(i *ie.IE) (*OuterHeader, error) {
	if err := need(i, 2); err != nil {
		return nil, err
	}
	if i.Payload[0] != 0x01 {
		return nil, errIncorrect(i.Type, "description %#04x: only GTP-U/UDP/IPv4 is supported", binary.BigEndian.Uint16(i.Payload))
	}
	if err := need(i, 10); err != nil {
		return nil, err
	}
	return &OuterHeader{TEID: binary.BigEndian.Uint32(i.Payload[2:]), IPv4: netip.AddrFrom4([4]byte(i.Payload[6:10]))}, nil
}

// Gate Status (§8.2.7): UL gate in bits 4-3, DL gate in bits 2-1; 0 open,
// 1 closed.
func gateIE(ul, dl bool) *ie.IE {
	var v byte
	if !ul {
		v |= 1 << 2
	}
	if !dl {
		v |= 1
	}
	return u8IE(ie.GateStatus, v)
}

func readGate(i *ie.IE) (ul, dl bool, err error) {
	v, err := readU8(i)
	if err != nil {
		return false, false, err
	}
	return (v>>2)&3 == 0, v&3 == 0, nil
}

// MBR (§8.2.8): UL then DL, 40 bits each, in kbit/s.
func mbrIE(ul, dl uint64) (*ie.IE, error) {
	const max = 1<<40 - 1
	if ul/1000 > max || dl/1000 > max {
		return nil, errors.New("pfcp: MBR: bit rate too large for 40 bits of kbit/s")
	}
	b := make([]byte, 10)
	put40(b, kbps(ul))
	put40(b[5:], kbps(dl))
	return newIE(ie.MBR, b), nil
}

// kbps rounds a bit rate up to whole kbit/s, so that a limit is never
// tightened by the conversion.
func kbps(bps uint64) uint64 { return bps/1000 + min(bps%1000, 1) }

func readMBR(i *ie.IE) (ul, dl uint64, err error) {
	if err := need(i, 10); err != nil {
		return 0, 0, err
	}
	return get40(i.Payload) * 1000, get40(i.Payload[5:]) * 1000, nil
}

func put40(b []byte, v uint64) {
	b[0], b[1], b[2], b[3], b[4] = byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
}

func get40(b []byte) uint64 {
	return uint64(b[0])<<32 | uint64(b[1])<<24 | uint64(b[2])<<16 | uint64(b[3])<<8 | uint64(b[4])
}

// Volume Threshold (§8.2.13): flags (bit 1 TOVOL, bit 2 ULVOL, bit 3
// DLVOL), then the volumes present, in that order, 8 octets each.
func volumeThresholdIE(total uint64) *ie.IE {
	return newIE(ie.VolumeThreshold, binary.BigEndian.AppendUint64([]byte{0x01}, total))
}

// readVolumeThreshold returns the total volume threshold; uplink and
// downlink thresholds alone are not supported.
func readVolumeThreshold(i *ie.IE) (uint64, error) {
	if err := need(i, 1); err != nil {
		return 0, err
	}
	if i.Payload[0]&0x01 == 0 {
		return 0, errIncorrect(i.Type, "no TOVOL: only a total volume threshold is supported")
	}
	if err := need(i, 9); err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(i.Payload[1:]), nil
}

// Reporting Triggers (§8.2.19): octet 5 bit 2 VOLTH.
func reportingTriggersIE(volth bool) *ie.IE {
	if volth {
		return newIE(ie.ReportingTriggers, []byte{0x02, 0x00})
	}
	return newIE(ie.ReportingTriggers, []byte{0x00, 0x00})
}

// Measurement Method (§8.2.40): bit 2 VOLUM.
func measurementMethodIE() *ie.IE { return u8IE(ie.MeasurementMethod, 0x02) }

// Usage Report Trigger (§8.2.41): octet 5 bit 2 VOLTH, bit 8 IMMER;
// octet 6 bit 4 TERMR.
var triggers = []struct {
	name   string
	octet  int
	bit    byte
	report bool // Keel sends it
}{
	{TriggerVolumeThreshold, 0, 0x02, true},
	{TriggerQuery, 0, 0x80, true},
	{TriggerTermination, 1, 0x08, true},
	{"periodic", 0, 0x01, false},
	{"time-threshold", 0, 0x04, false},
	{"quota-holding-time", 0, 0x08, false},
	{"start-of-traffic", 0, 0x10, false},
	{"stop-of-traffic", 0, 0x20, false},
	{"volume-quota", 1, 0x01, false},
	{"time-quota", 1, 0x02, false},
	{"linked-usage", 1, 0x04, false},
	{"monitoring-time", 1, 0x10, false},
}

func usageTriggerIE(name string) (*ie.IE, error) {
	for _, t := range triggers {
		if t.name == name && t.report {
			b := []byte{0, 0, 0}
			b[t.octet] = t.bit
			return newIE(ie.UsageReportTrigger, b), nil
		}
	}
	return nil, fmt.Errorf("pfcp: Usage Report Trigger %q not supported", name)
}

func readUsageTrigger(i *ie.IE) (string, error) {
	if err := need(i, 1); err != nil {
		return "", err
	}
	for _, t := range triggers {
		if t.octet < len(i.Payload) && i.Payload[t.octet]&t.bit != 0 {
			return t.name, nil
		}
	}
	return "other", nil
}

// Volume Measurement (§8.2.44): flags (bit 1 TOVOL, bit 2 ULVOL, bit 3
// DLVOL, bit 4 TONOP, bit 5 ULNOP, bit 6 DLNOP), then the values present
// in that order, 8 octets each.
func volumeMeasurementIE(u UsageReport) *ie.IE {
	b := []byte{0x3f}
	for _, v := range []uint64{u.Total, u.Uplink, u.Downlink, u.UplinkPkts + u.DownlinkPkts, u.UplinkPkts, u.DownlinkPkts} {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	return newIE(ie.VolumeMeasurement, b)
}

func readVolumeMeasurement(i *ie.IE, u *UsageReport) error {
	if err := need(i, 1); err != nil {
		return err
	}
	flags, rest := i.Payload[0], i.Payload[1:]
	dst := []*uint64{&u.Total, &u.Uplink, &u.Downlink, nil, &u.UplinkPkts, &u.DownlinkPkts}
	for bit, p := range dst {
		if flags&(1<<bit) == 0 {
			continue
		}
		if len(rest) < 8 {
			return errIncorrect(i.Type, "flag %d set but its value is missing", bit+1)
		}
		if p != nil {
			*p = binary.BigEndian.Uint64(rest)
		}
		rest = rest[8:]
	}
	return nil
}

// Offending IE (§8.2.22): the type of the IE.
func offendingIE(t uint16) *ie.IE { return u16IE(ie.OffendingIE, t) }

// readCause reads the Cause IE, which TS 29.244 makes mandatory in every
// response that has one.
func readCause(where string, c, off *ie.IE) (uint8, uint16, error) {
	if c == nil {
		return 0, 0, errMissing(where, ie.Cause)
	}
	v, err := readU8(c)
	if err != nil {
		return 0, 0, err
	}
	if v == 0 {
		return 0, 0, errIncorrect(ie.Cause, "cause 0 is reserved")
	}
	var o uint16
	if off != nil {
		if o, err = readU16(off); err != nil {
			return 0, 0, err
		}
	}
	return v, o, nil
}

// ieName names the IE types Keel reads, for error messages.
func ieName(t uint16) string {
	if n, ok := ieNames[t]; ok {
		return n
	}
	return fmt.Sprintf("IE %d", t)
}

var ieNames = map[uint16]string{
	ie.CreatePDR:                  "Create PDR",
	ie.PDI:                        "PDI",
	ie.CreateFAR:                  "Create FAR",
	ie.ForwardingParameters:       "Forwarding Parameters",
	ie.CreateURR:                  "Create URR",
	ie.CreateQER:                  "Create QER",
	ie.CreatedPDR:                 "Created PDR",
	ie.UpdatePDR:                  "Update PDR",
	ie.UpdateFAR:                  "Update FAR",
	ie.UpdateForwardingParameters: "Update Forwarding Parameters",
	ie.UpdateURR:                  "Update URR",
	ie.UpdateQER:                  "Update QER",
	ie.RemovePDR:                  "Remove PDR",
	ie.RemoveFAR:                  "Remove FAR",
	ie.RemoveURR:                  "Remove URR",
	ie.RemoveQER:                  "Remove QER",
	ie.Cause:                      "Cause",
	ie.SourceInterface:            "Source Interface",
	ie.FTEID:                      "F-TEID",
	ie.NetworkInstance:            "Network Instance",
	ie.GateStatus:                 "Gate Status",
	ie.MBR:                        "MBR",
	ie.Precedence:                 "Precedence",
	ie.VolumeThreshold:            "Volume Threshold",
	ie.ReportingTriggers:          "Reporting Triggers",
	ie.ReportType:                 "Report Type",
	ie.OffendingIE:                "Offending IE",
	ie.DestinationInterface:       "Destination Interface",
	ie.UPFunctionFeatures:         "UP Function Features",
	ie.ApplyAction:                "Apply Action",
	ie.PFCPSMReqFlags:             "PFCPSMReq-Flags",
	ie.PDRID:                      "PDR ID",
	ie.FSEID:                      "F-SEID",
	ie.NodeID:                     "Node ID",
	ie.MeasurementMethod:          "Measurement Method",
	ie.UsageReportTrigger:         "Usage Report Trigger",
	ie.VolumeMeasurement:          "Volume Measurement",
	ie.StartTime:                  "Start Time",
	ie.EndTime:                    "End Time",
	ie.QueryURR:                   "Query URR",
	ie.UsageReportWithinSessionModificationResponse: "Usage Report",
	ie.UsageReportWithinSessionDeletionResponse:     "Usage Report",
	ie.UsageReportWithinSessionReportRequest:        "Usage Report",
	ie.URRID:                                        "URR ID",
	ie.OuterHeaderCreation:                          "Outer Header Creation",
	ie.UEIPAddress:                                  "UE IP Address",
	ie.OuterHeaderRemoval:                           "Outer Header Removal",
	ie.RecoveryTimeStamp:                            "Recovery Time Stamp",
	ie.FARID:                                        "FAR ID",
	ie.QERID:                                        "QER ID",
	ie.PDNType:                                      "PDN Type",
	ie.QFI:                                          "QFI",
	ie.URSEQN:                                       "UR-SEQN",
	ie.CreateBAR:                                    "Create BAR",
	ie.UpdateBARWithinSessionModificationRequest: "Update BAR",
	ie.RemoveBAR:                      "Remove BAR",
	ie.BARID:                          "BAR ID",
	ie.SuggestedBufferingPacketsCount: "Suggested Buffering Packets Count",
	ie.DownlinkDataReport:             "Downlink Data Report",
	ie.DownlinkDataServiceInformation: "Downlink Data Service Information",
}
