package ippool

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// IPv4 is a pool of UE IPv4 addresses.
type IPv4 struct {
	prefix netip.Prefix
	base   uint32
	size   uint32 // addresses in the prefix
	s      *slots
}

// NewIPv4 makes a pool of the addresses of p, a masked IPv4 prefix of
// /8 to /30. The network address, the first address (Gateway) and the
// broadcast address are never handed out.
func NewIPv4(p netip.Prefix) (*IPv4, error) {
	if !p.IsValid() || !p.Addr().Is4() || p.Masked() != p {
		return nil, fmt.Errorf("ippool: %s is not a masked IPv4 prefix", p)
	}
	if p.Bits() < 8 || p.Bits() > 30 {
		return nil, fmt.Errorf("ippool: IPv4 pool %s: want /8 to /30", p)
	}
	a := p.Addr().As4()
	size := uint32(1) << (32 - p.Bits())
	return &IPv4{prefix: p, base: binary.BigEndian.Uint32(a[:]), size: size, s: newSlots(size, 0, 1, size-1)}, nil
}

// Prefix is the pool's prefix.
func (p *IPv4) Prefix() netip.Prefix { return p.prefix }

// Gateway is the first address of the prefix: the UPF's address on the
// UEs' N6 network, never a UE's.
func (p *IPv4) Gateway() netip.Addr { return p.addr(1) }

// Size is the number of addresses the pool can hand out.
func (p *IPv4) Size() int { return int(p.size) - 3 }

// Counts returns the addresses held by sessions (dynamic and claimed)
// and the addresses Allocate may still hand out.
func (p *IPv4) Counts() (inUse, free int) { return p.s.counts() }

func (p *IPv4) addr(i uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], p.base+i)
	return netip.AddrFrom4(b)
}

// slot returns a's slot; ok is false outside the prefix. An address the
// network keeps, or not IPv4, is ErrNotUsable.
func (p *IPv4) slot(a netip.Addr) (i uint32, ok bool, err error) {
	if !a.Is4() {
		return 0, false, fmt.Errorf("%w: %s is not IPv4", ErrNotUsable, a)
	}
	if !p.prefix.Contains(a) {
		return 0, false, nil
	}
	b := a.As4()
	i = binary.BigEndian.Uint32(b[:]) - p.base
	if i == 0 || i == 1 || i == p.size-1 {
		return 0, false, fmt.Errorf("%w: %s is the network, gateway or broadcast address of %s", ErrNotUsable, a, p.prefix)
	}
	return i, true, nil
}

// Allocate hands out a free address; ErrExhausted when there is none.
func (p *IPv4) Allocate() (netip.Addr, error) {
	i, ok := p.s.take()
	if !ok {
		return netip.Addr{}, fmt.Errorf("%w: %s", ErrExhausted, p.prefix)
	}
	return p.addr(i), nil
}

// Claim takes the static address a for a session: ErrInUse when another
// session holds it. An address outside the prefix is tracked only.
func (p *IPv4) Claim(a netip.Addr) error {
	i, in, err := p.slot(a)
	switch {
	case err != nil:
		return err
	case !in:
		err = p.s.claimOutside(a.As16())
	default:
		err = p.s.claim(i)
	}
	if err != nil {
		return fmt.Errorf("%w: %s", err, a)
	}
	return nil
}

// Release gives back an address from Allocate or Claim.
func (p *IPv4) Release(a netip.Addr) error {
	i, in, err := p.slot(a)
	switch {
	case err != nil:
		return err
	case !in:
		err = p.s.releaseOutside(a.As16())
	default:
		err = p.s.release(i)
	}
	if err != nil {
		return fmt.Errorf("%w: %s", err, a)
	}
	return nil
}

// Reserve takes a out of dynamic allocation for good (a subscriber's
// static address). Reserving an address outside the prefix does nothing.
func (p *IPv4) Reserve(a netip.Addr) error {
	i, in, err := p.slot(a)
	if err != nil || !in {
		return err
	}
	p.s.reserve(i)
	return nil
}
