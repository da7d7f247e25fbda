package upf

import (
	"maps"
	"net/netip"
	"sync/atomic"
)

// The packet path finds a session through two tables: uplink by the
// local TEID of the G-PDU, downlink by the destination address of the
// packet from N6. Both are sharded copy-on-write maps: a reader loads one
// shard's map through an atomic pointer and indexes it, with no lock and
// no allocation; a writer (Apply, Delete, under tables.mu) copies the one
// shard it changes and publishes the copy. With 1024 shards, 100,000
// sessions make shards of about 100 entries, so a write copies a few
// kilobytes whatever the number of sessions.
//
// The tables map a key to a sessionSlot, which stays the same for the
// life of a session; the slot holds the session's compiled rules behind
// another atomic pointer. Apply publishes a new rule set with one store,
// so a packet sees either the old rules or the new ones, in both
// directions at once, never a mixture.
const tableShards = 1024

type cowTable[K comparable] struct {
	shards [tableShards]atomic.Pointer[map[K]*sessionSlot]
}

func (t *cowTable[K]) get(k K, h uint64) *sessionSlot {
	m := t.shards[h%tableShards].Load()
	if m == nil {
		return nil
	}
	return (*m)[k]
}

// put and del are for writers holding tables.mu.
func (t *cowTable[K]) put(k K, h uint64, s *sessionSlot) {
	sh := &t.shards[h%tableShards]
	var m map[K]*sessionSlot
	if old := sh.Load(); old != nil {
		m = maps.Clone(*old)
	} else {
		m = make(map[K]*sessionSlot, 1)
	}
	m[k] = s
	sh.Store(&m)
}

func (t *cowTable[K]) del(k K, h uint64) {
	sh := &t.shards[h%tableShards]
	old := sh.Load()
	if old == nil {
		return
	}
	if _, ok := (*old)[k]; !ok {
		return
	}
	if len(*old) == 1 {
		sh.Store(nil)
		return
	}
	m := maps.Clone(*old)
	delete(m, k)
	sh.Store(&m)
}

// mix spreads sequential keys (TEIDs and UE addresses are usually handed
// out in order) over the shards.
func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	return x
}

func teidHash(teid uint32) uint64 { return mix(uint64(teid)) }

// addrKey is a UE address or prefix in IPv6 form (IPv4 as IPv4-mapped,
// bits counted from the start of the 128), masked to its length.
type addrKey struct {
	hi, lo uint64
	bits   uint8
}

func (k addrKey) String() string {
	var a [16]byte
	for i := range 8 {
		a[i], a[8+i] = byte(k.hi>>(56-8*i)), byte(k.lo>>(56-8*i))
	}
	addr, bits := netip.AddrFrom16(a), int(k.bits)
	if addr.Is4In6() && bits >= 96 {
		addr, bits = addr.Unmap(), bits-96
	}
	return netip.PrefixFrom(addr, bits).String()
}

func (k addrKey) hash() uint64 { return mix(k.hi ^ mix(k.lo) ^ uint64(k.bits)) }

const v4Mapped = 0xffff << 32

func maskKey(hi, lo uint64, bits uint8) addrKey {
	switch {
	case bits == 0:
		hi, lo = 0, 0
	case bits < 64:
		hi &= ^uint64(0) << (64 - bits)
		lo = 0
	case bits == 64:
		lo = 0
	case bits < 128:
		lo &= ^uint64(0) << (128 - bits)
	}
	return addrKey{hi: hi, lo: lo, bits: bits}
}

func prefixKey(p netip.Prefix) addrKey {
	a := p.Addr().As16()
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	return maskKey(be64(a[0:8]), be64(a[8:16]), uint8(bits))
}

func be64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

// sessionSlot is a session's place in the tables. rules is nil once the
// session is deleted: a packet that found the slot just before finds no
// rule.
type sessionSlot struct {
	seid  uint64
	rules atomic.Pointer[sessionRules]
	buf   dlBuffer
}

// lookupTEID returns the rules of the session owning the local TEID.
func (t *tables) lookupTEID(teid uint32) *sessionRules {
	s := t.teids.get(teid, teidHash(teid))
	if s == nil {
		return nil
	}
	return s.rules.Load()
}

// lookupAddr returns the rules of the session whose UE address or prefix
// holds the destination address hi:lo (IPv4 as IPv4-mapped), longest
// prefix first.
func (t *tables) lookupAddr(hi, lo uint64, v4 bool) *sessionRules {
	for _, bits := range *t.prefixLens.Load() {
		if v4 && bits < 96 {
			break
		}
		k := maskKey(hi, lo, bits)
		if s := t.addrs.get(k, k.hash()); s != nil {
			return s.rules.Load()
		}
	}
	return nil
}
