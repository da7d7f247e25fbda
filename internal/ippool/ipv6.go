package ippool

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// IPv6 is a pool of UE /64 prefixes.
type IPv6 struct {
	prefix netip.Prefix
	base   uint64 // the prefix's upper 64 bits
	s      *slots
}

// NewIPv6 makes a pool of the /64s of p, a masked IPv6 prefix of /16 to
// /64; it uses at most the first MaxSlots of them.
func NewIPv6(p netip.Prefix) (*IPv6, error) {
	if !p.IsValid() || !p.Addr().Is6() || p.Addr().Is4In6() || p.Masked() != p {
		return nil, fmt.Errorf("ippool: %s is not a masked IPv6 prefix", p)
	}
	if p.Bits() < 16 || p.Bits() > 64 {
		return nil, fmt.Errorf("ippool: IPv6 pool %s: want /16 to /64", p)
	}
	n := uint64(MaxSlots)
	if 64-p.Bits() < 24 {
		n = 1 << (64 - p.Bits())
	}
	a := p.Addr().As16()
	return &IPv6{prefix: p, base: binary.BigEndian.Uint64(a[:8]), s: newSlots(uint32(n))}, nil
}

// Prefix is the pool's prefix.
func (p *IPv6) Prefix() netip.Prefix { return p.prefix }

// Size is the number of /64s the pool can hand out.
func (p *IPv6) Size() int { return int(p.s.n) }

// Counts returns the /64s held by sessions (dynamic and claimed) and
// the /64s Allocate may still hand out.
func (p *IPv6) Counts() (inUse, free int) { return p.s.counts() }

func (p *IPv6) prefixOf(i uint32) netip.Prefix {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], p.base+uint64(i))
	return netip.PrefixFrom(netip.AddrFrom16(b), 64)
}

// slot returns the slot of the /64 holding a; ok is false outside the
// pool's slots. An address that is not IPv6 is ErrNotUsable.
func (p *IPv6) slot(a netip.Addr) (i uint32, key [16]byte, ok bool, err error) {
	if !a.Is6() || a.Is4In6() {
		return 0, key, false, fmt.Errorf("%w: %s is not IPv6", ErrNotUsable, a)
	}
	b := a.As16()
	hi := binary.BigEndian.Uint64(b[:8])
	copy(key[:8], b[:8])
	if !p.prefix.Contains(a) || hi-p.base >= uint64(p.s.n) {
		return 0, key, false, nil
	}
	return uint32(hi - p.base), key, true, nil
}

// Allocate hands out a free /64; ErrExhausted when there is none.
func (p *IPv6) Allocate() (netip.Prefix, error) {
	i, ok := p.s.take()
	if !ok {
		return netip.Prefix{}, fmt.Errorf("%w: %s", ErrExhausted, p.prefix)
	}
	return p.prefixOf(i), nil
}

// Claim takes the /64 holding the static address a for a session and
// returns it: ErrInUse when another session holds it. A /64 outside the
// pool is tracked only.
func (p *IPv6) Claim(a netip.Addr) (netip.Prefix, error) {
	i, key, in, err := p.slot(a)
	switch {
	case err != nil:
		return netip.Prefix{}, err
	case !in:
		err = p.s.claimOutside(key)
	default:
		err = p.s.claim(i)
	}
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%w: %s", err, a)
	}
	return netip.PrefixFrom(netip.AddrFrom16(key), 64), nil
}

// Release gives back a /64 from Allocate or Claim.
func (p *IPv6) Release(pfx netip.Prefix) error {
	if pfx.Bits() != 64 {
		return fmt.Errorf("%w: %s is not a /64", ErrNotAllocated, pfx)
	}
	i, key, in, err := p.slot(pfx.Addr())
	switch {
	case err != nil:
		return err
	case !in:
		err = p.s.releaseOutside(key)
	default:
		err = p.s.release(i)
	}
	if err != nil {
		return fmt.Errorf("%w: %s", err, pfx)
	}
	return nil
}

// Reserve takes the /64 holding a out of dynamic allocation for good.
// Reserving outside the pool does nothing.
func (p *IPv6) Reserve(a netip.Addr) error {
	i, _, in, err := p.slot(a)
	if err != nil || !in {
		return err
	}
	p.s.reserve(i)
	return nil
}
