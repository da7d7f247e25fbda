package upf

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"github.com/keelcore/keel/internal/gtpu"
	"github.com/keelcore/keel/internal/ipfilter"
)

// sessionRules is one session's rule set compiled for the packet path.
// It is immutable once published; what changes with traffic (URR
// counters, MBR policers) sits behind pointers and is atomic.
type sessionRules struct {
	seid uint64
	slot *sessionSlot // set when published
	ul   []pdrRule    // Source Access, by precedence
	dl   []pdrRule    // Source Core, by precedence
	urrs []*urrCounter
	qers []*qerState // for the next Apply to carry policers over
	// bufPackets bounds the packets kept (the BAR's suggested count); 0:
	// the datapath's bound.
	bufPackets int
	// ra is the IPv6 packet of the session's Router Advertisement and
	// raPrefix the prefix it advertises; nil without Rules.Router.
	ra       []byte
	raPrefix addrKey
}

// pdrRule is a PDR with its FAR, QERs and URRs resolved.
type pdrRule struct {
	id   uint16
	prec uint32
	teid uint32 // Access: the local TEID
	// Access: the QFI to match, 0 for any; Core: the QFI to mark.
	qfi  uint8
	gate bool // every QER of the PDR opens the gate in its direction (beside qfi: 8 bytes less)
	// ue holds the UE address and prefix: the destination of downlink
	// packets, the source of uplink packets when the PDR names one.
	ue []addrKey
	// sdf are the PDR's SDF filters: the packet must match one when
	// there are any.
	sdf  []ipfilter.Rule
	far  farRule // a copy: one pointer less to chase per packet
	mbr  []*rateLimiter
	urrs []*urrCounter
}

// farRule is a FAR; peer is where Forward to Access sends G-PDUs;
// notify asks a Buffer FAR to report its first packet.
type farRule struct {
	id     uint32
	action Action
	notify bool
	dest   Interface
	teid   uint32
	peer   netip.AddrPort
}

// qerState is a QER with the policers of its two maximum bit rates,
// which survive an Apply that keeps the rate.
type qerState struct {
	QER
	ul, dl *rateLimiter
}

// rulesError wraps ErrRules.
func rulesError(seid uint64, format string, args ...any) error {
	return fmt.Errorf("%w: session %#x: %s", ErrRules, seid, fmt.Sprintf(format, args...))
}

// compileRules checks that r hangs together and compiles it. Counters
// and policers of URRs and QERs that prev (the session's current rules,
// or nil) already has are carried over, so usage and rate survive a
// modification. ipv6N3 tells whether N3 can reach IPv6 peers.
func compileRules(seid uint64, r Rules, prev *sessionRules, ipv6N3 bool) (*sessionRules, error) {
	s := &sessionRules{seid: seid, bufPackets: r.BufferPackets}
	if r.Router != nil {
		if p := r.Router.Prefix; !p.IsValid() || !p.Addr().Is6() || p.Addr().Is4In6() || p.Bits() != 64 {
			return nil, rulesError(seid, "IPv6 router prefix %v is not an IPv6 /64", p)
		}
		s.ra = appendRouterAdvertisement(nil, r.Router)
		s.raPrefix = prefixKey(r.Router.Prefix.Masked())
	}

	fars := make(map[uint32]*farRule, len(r.FARs))
	for _, f := range r.FARs {
		if fars[f.ID] != nil {
			return nil, rulesError(seid, "FAR %d defined twice", f.ID)
		}
		fr := &farRule{id: f.ID, action: f.Action, dest: f.Destination, notify: f.Notify}
		if f.Notify && f.Action != Buffer {
			return nil, rulesError(seid, "FAR %d notifies without buffering", f.ID)
		}
		switch f.Action {
		case Drop, Buffer:
		case Forward:
			if err := compileForward(seid, f, fr, ipv6N3); err != nil {
				return nil, err
			}
		default:
			return nil, rulesError(seid, "FAR %d: unknown action %d", f.ID, f.Action)
		}
		fars[f.ID] = fr
	}

	qers := make(map[uint32]*qerState, len(r.QERs))
	for _, q := range r.QERs {
		if qers[q.ID] != nil {
			return nil, rulesError(seid, "QER %d defined twice", q.ID)
		}
		if q.QFI > 63 {
			return nil, rulesError(seid, "QER %d: QFI %d is above 63", q.ID, q.QFI)
		}
		st := &qerState{QER: q}
		var old *qerState
		if prev != nil {
			if i := slices.IndexFunc(prev.qers, func(o *qerState) bool { return o.ID == q.ID }); i >= 0 {
				old = prev.qers[i]
			}
		}
		st.ul = keepPolicer(old, q.MBRUL, func(o *qerState) (*rateLimiter, uint64) { return o.ul, o.MBRUL })
		st.dl = keepPolicer(old, q.MBRDL, func(o *qerState) (*rateLimiter, uint64) { return o.dl, o.MBRDL })
		qers[q.ID] = st
		s.qers = append(s.qers, st)
	}

	urrs := make(map[uint32]*urrCounter, len(r.URRs))
	for _, u := range r.URRs {
		if urrs[u.ID] != nil {
			return nil, rulesError(seid, "URR %d defined twice", u.ID)
		}
		var c *urrCounter
		if prev != nil {
			if i := slices.IndexFunc(prev.urrs, func(c *urrCounter) bool { return c.id == u.ID }); i >= 0 {
				c = prev.urrs[i]
			}
		}
		if c == nil {
			c = &urrCounter{id: u.ID, seid: seid}
		}
		urrs[u.ID] = c
		s.urrs = append(s.urrs, c)
	}

	pdrIDs := make(map[uint16]bool, len(r.PDRs))
	for _, p := range r.PDRs {
		if pdrIDs[p.ID] {
			return nil, rulesError(seid, "PDR %d defined twice", p.ID)
		}
		pdrIDs[p.ID] = true
		pr, err := compilePDR(seid, p, fars, qers, urrs)
		if err != nil {
			return nil, err
		}
		if p.Source == Access {
			s.ul = append(s.ul, pr)
		} else {
			s.dl = append(s.dl, pr)
		}
	}
	byPrecedence := func(a, b pdrRule) int { return cmp.Or(cmp.Compare(a.prec, b.prec), cmp.Compare(a.id, b.id)) }
	slices.SortFunc(s.ul, byPrecedence)
	slices.SortFunc(s.dl, byPrecedence)
	return s, nil
}

// keepPolicer returns old's policer for a rate that did not change, a new
// one for a new rate, nil for no limit.
func keepPolicer(old *qerState, rate uint64, get func(*qerState) (*rateLimiter, uint64)) *rateLimiter {
	if rate == 0 {
		return nil
	}
	if old != nil {
		if l, r := get(old); l != nil && r == rate {
			return l
		}
	}
	return newMBRPolicer(rate)
}

func compileForward(seid uint64, f FAR, fr *farRule, ipv6N3 bool) error {
	switch f.Destination {
	case Access:
		// TS 29.244 §8.2.56: the G-PDUs get the gNB's TEID and address.
		if f.Outer == nil {
			return rulesError(seid, "FAR %d forwards to Access without outer header creation", f.ID)
		}
		addr := f.Outer.Addr.Unmap()
		if !addr.IsValid() || addr.IsUnspecified() {
			return rulesError(seid, "FAR %d: outer header creation without a peer address", f.ID)
		}
		if addr.Is6() && !ipv6N3 {
			return rulesError(seid, "FAR %d: outer header address %v is IPv6 but N3 is IPv4", f.ID, addr)
		}
		// TS 29.281 §5.1: TEID 0 is for signalling, never a tunnel.
		if f.Outer.TEID == 0 {
			return rulesError(seid, "FAR %d: outer header TEID 0", f.ID)
		}
		fr.teid, fr.peer = f.Outer.TEID, netip.AddrPortFrom(addr, gtpu.Port)
	case Core:
		if f.Outer != nil {
			return rulesError(seid, "FAR %d: outer header creation towards Core (N6) is not supported", f.ID)
		}
	default:
		return rulesError(seid, "FAR %d: unknown destination interface %d", f.ID, f.Destination)
	}
	return nil
}

func compilePDR(seid uint64, p PDR, fars map[uint32]*farRule, qers map[uint32]*qerState, urrs map[uint32]*urrCounter) (pdrRule, error) {
	pr := pdrRule{id: p.ID, prec: p.Precedence, gate: true}
	far := fars[p.FARID]
	if far == nil {
		return pr, rulesError(seid, "PDR %d names FAR %d, which the session does not have", p.ID, p.FARID)
	}
	pr.far = *far
	if p.QFI > 63 {
		return pr, rulesError(seid, "PDR %d: QFI %d is above 63", p.ID, p.QFI)
	}
	if p.UEAddr.IsValid() {
		pr.ue = append(pr.ue, prefixKey(netip.PrefixFrom(p.UEAddr.Unmap(), p.UEAddr.Unmap().BitLen())))
	}
	if p.UEPrefix.IsValid() {
		pr.ue = append(pr.ue, prefixKey(p.UEPrefix.Masked()))
	}
	for _, fd := range p.SDFFilters {
		f, err := ipfilter.Parse(fd)
		if err != nil {
			return pr, rulesError(seid, "PDR %d: SDF filter: %v", p.ID, err)
		}
		pr.sdf = append(pr.sdf, f)
	}
	forward := pr.far.action == Forward
	switch p.Source {
	case Access:
		// TS 29.281 §5.1: TEID 0 carries signalling only.
		if p.TEID == 0 {
			return pr, rulesError(seid, "PDR %d: Source Access without a local TEID", p.ID)
		}
		if forward && pr.far.dest != Core {
			return pr, rulesError(seid, "PDR %d: forwarding from Access back to Access (N9, hairpin) is not supported", p.ID)
		}
		pr.teid, pr.qfi = p.TEID, p.QFI
	case Core:
		if len(pr.ue) == 0 {
			return pr, rulesError(seid, "PDR %d: Source Core without a UE address or prefix", p.ID)
		}
		if forward && pr.far.dest != Access {
			return pr, rulesError(seid, "PDR %d: forwarding from Core back to Core is not supported", p.ID)
		}
	default:
		return pr, rulesError(seid, "PDR %d: unknown source interface %d", p.ID, p.Source)
	}
	for _, id := range p.QERIDs {
		q := qers[id]
		if q == nil {
			return pr, rulesError(seid, "PDR %d names QER %d, which the session does not have", p.ID, id)
		}
		open, l := q.GateUL, q.ul
		if p.Source == Core {
			open, l = q.GateDL, q.dl
			if pr.qfi == 0 {
				pr.qfi = q.QFI
			}
		}
		pr.gate = pr.gate && open
		if l != nil {
			pr.mbr = append(pr.mbr, l)
		}
	}
	for _, id := range p.URRIDs {
		u := urrs[id]
		if u == nil {
			return pr, rulesError(seid, "PDR %d names URR %d, which the session does not have", p.ID, id)
		}
		pr.urrs = append(pr.urrs, u)
	}
	return pr, nil
}

// keys lists the table keys of the rules, each once.
func (s *sessionRules) keys() (teids []uint32, addrs []addrKey) {
	for _, r := range s.ul {
		if !slices.Contains(teids, r.teid) {
			teids = append(teids, r.teid)
		}
	}
	for _, r := range s.dl {
		for _, k := range r.ue {
			if !slices.Contains(addrs, k) {
				addrs = append(addrs, k)
			}
		}
	}
	return teids, addrs
}

// matchUplink returns the uplink PDR of highest precedence that matches
// a G-PDU with the TEID and QFI of p carrying tpdu.
func (s *sessionRules) matchUplink(p *gtpu.Packet, tpdu []byte) *pdrRule {
	for i := range s.ul {
		r := &s.ul[i]
		if r.teid != p.TEID || r.qfi != 0 && (!p.HasQFI || p.QFI != r.qfi) {
			continue
		}
		if len(r.ue) > 0 {
			hi, lo, v4, ok := ipSource(tpdu)
			if !ok || !matchAddr(r.ue, hi, lo, v4) {
				continue
			}
		}
		if len(r.sdf) > 0 && !matchSDF(r.sdf, tpdu, false) {
			continue
		}
		return r
	}
	return nil
}

// knownQFI tells whether an uplink PDR of the session matches QFI q (or
// any QFI): a G-PDU with a QFI none does is of a QoS flow the session
// does not have (TS 23.501 §5.7.1.1).
func (s *sessionRules) knownQFI(teid uint32, q uint8) bool {
	for i := range s.ul {
		if r := &s.ul[i]; r.teid == teid && (r.qfi == 0 || r.qfi == q) {
			return true
		}
	}
	return false
}

// matchDownlink returns the downlink PDR of highest precedence whose UE
// address or prefix holds the destination hi:lo and, when it has SDF
// filters, one of which matches pkt (TS 29.244 §5.2.1: the SDF filters
// classify the downlink into the QoS flows; a nil pkt matches only PDRs
// without them).
func (s *sessionRules) matchDownlink(hi, lo uint64, v4 bool, pkt []byte) *pdrRule {
	for i := range s.dl {
		r := &s.dl[i]
		if !matchAddr(r.ue, hi, lo, v4) {
			continue
		}
		if len(r.sdf) > 0 && !matchSDF(r.sdf, pkt, true) {
			continue
		}
		return r
	}
	return nil
}

// matchSDF tells whether one of the filters matches pkt.
func matchSDF(filters []ipfilter.Rule, pkt []byte, down bool) bool {
	for i := range filters {
		if down && filters[i].MatchDownlink(pkt) || !down && filters[i].MatchUplink(pkt) {
			return true
		}
	}
	return false
}

func matchAddr(keys []addrKey, hi, lo uint64, v4 bool) bool {
	for _, k := range keys {
		if v4 && k.bits < 96 {
			continue
		}
		if maskKey(hi, lo, k.bits) == k {
			return true
		}
	}
	return false
}

// routerTunnel is where the session's Router Advertisement goes: the
// tunnel and QFI of the downlink PDR that holds the advertised prefix,
// when its FAR forwards to Access (the gNB's tunnel is known).
func (s *sessionRules) routerTunnel() (teid uint32, qfi uint8, peer netip.AddrPort, ok bool) {
	if s.ra == nil {
		return 0, 0, netip.AddrPort{}, false
	}
	r := s.matchDownlink(s.raPrefix.hi, s.raPrefix.lo, false, nil)
	if r == nil || r.far.action != Forward || r.far.dest != Access {
		return 0, 0, netip.AddrPort{}, false
	}
	return r.far.teid, r.qfi, r.far.peer, true
}

// police applies the PDR's gate and maximum bit rates to a packet of n
// octets.
func (r *pdrRule) police(n int, now int64) dropReason {
	if !r.gate {
		return dropGateClosed
	}
	for _, l := range r.mbr {
		if !l.allow(uint64(n)*8, now) {
			return dropMBR
		}
	}
	return pass
}

// ipSource and ipDestination read an IP packet's addresses in the form of
// addrKey (IPv4 as IPv4-mapped); ok is false for what is not an IPv4 or
// IPv6 packet.
func ipSource(b []byte) (hi, lo uint64, v4, ok bool) {
	return ipAddr(b, 12, 8)
}

func ipDestination(b []byte) (hi, lo uint64, v4, ok bool) {
	return ipAddr(b, 16, 24)
}

func ipAddr(b []byte, off4, off6 int) (hi, lo uint64, v4, ok bool) {
	if len(b) == 0 {
		return 0, 0, false, false
	}
	switch b[0] >> 4 {
	case 4:
		if len(b) < 20 {
			return 0, 0, false, false
		}
		a := b[off4 : off4+4]
		return 0, v4Mapped | uint64(a[0])<<24 | uint64(a[1])<<16 | uint64(a[2])<<8 | uint64(a[3]), true, true
	case 6:
		if len(b) < 40 {
			return 0, 0, false, false
		}
		return be64(b[off6 : off6+8]), be64(b[off6+8 : off6+16]), false, true
	}
	return 0, 0, false, false
}
