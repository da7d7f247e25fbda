// Package ippool hands out UE addresses: IPv4 addresses from a prefix and
// IPv6 /64 prefixes from a larger IPv6 prefix (TS 23.501 §5.8.2.2: a UE
// of an IPv6 PDU session gets a /64 of its own). The SMF keeps one IPv4
// and one IPv6 pool per DNN, or per DNN and slice when so configured.
//
// # Addresses
//
// An IPv4 pool never hands out its network address, its first address
// (the UPF's N6 gateway for the UEs, Gateway) or its broadcast address.
// An IPv6 pool hands out the /64s of its prefix in order, at most
// MaxSlots of them.
//
// Static addresses from the subscription (TS 23.501 §5.8.2.2.1) are taken
// with Claim for the life of a session. Reserve takes an address out of
// dynamic allocation for good, so the pool never hands it to another UE,
// whether or not its owner has a session; Claim and Release of a reserved
// address then only track whether its owner holds it. Claim of an address
// outside the pool's prefix is tracked too, so that one static address
// never serves two sessions.
//
// # Allocation
//
// A pool is a bitmap with a cursor: Allocate scans from the slot after the
// last one handed out, a word of 64 slots at a time, so a released address
// is reused only after the rest of the pool has been handed out (a late
// packet for the old UE is unlikely to reach a new one), and allocation
// costs O(1) amortised while the pool has room. Release is O(1).
//
// # Errors
//
// ErrExhausted when no address is free; ErrInUse when a specific address
// is held already; ErrNotAllocated when releasing what is not held;
// ErrNotUsable for an address of the other family or one the pool keeps
// for the network. A failed call changes nothing.
//
// # Concurrency
//
// A pool is safe for concurrent use; each pool has one mutex, held for
// the bitmap operation only.
package ippool
