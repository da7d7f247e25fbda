package ippool

import (
	"errors"
	"math/bits"
	"sync"
)

// Errors callers branch on; methods wrap them with the address.
var (
	ErrExhausted    = errors.New("ippool: pool exhausted")
	ErrInUse        = errors.New("ippool: address in use")
	ErrNotAllocated = errors.New("ippool: address not allocated")
	ErrNotUsable    = errors.New("ippool: address not usable for UEs")
)

// MaxSlots bounds the addresses (IPv4) or /64 prefixes (IPv6) of one
// pool: a larger prefix uses only its first MaxSlots. An IPv4 /8 fits
// exactly; the bitmap of a full pool takes 2 MiB.
const MaxSlots = 1 << 24

// slots is the allocator both pools share: slot i is in use when bit i of
// used is set. Slots the network keeps and the bits past the last slot
// are set for good, so the scan never stops on them.
type slots struct {
	mu     sync.Mutex
	used   []uint64
	n      uint32 // slots, including those the network keeps
	cursor uint32 // where the next scan starts
	free   int    // slots Allocate may still hand out
	inUse  int    // slots and outside addresses held by sessions
	// reserved maps reserved slots to whether they are held.
	reserved map[uint32]bool
	// outside holds claimed addresses outside the prefix, as keys the
	// pool chooses (an IPv4 address or the first address of a /64).
	outside map[[16]byte]struct{}
}

func newSlots(n uint32, fixed ...uint32) *slots {
	s := &slots{used: make([]uint64, (n+63)/64), n: n, free: int(n), reserved: map[uint32]bool{}, outside: map[[16]byte]struct{}{}}
	for i := n; i < uint32(len(s.used))*64; i++ {
		s.used[i/64] |= 1 << (i % 64)
	}
	for _, i := range fixed {
		if !s.isSet(i) {
			s.set(i)
			s.free--
		}
	}
	return s
}

func (s *slots) isSet(i uint32) bool { return s.used[i/64]&(1<<(i%64)) != 0 }
func (s *slots) set(i uint32)        { s.used[i/64] |= 1 << (i % 64) }
func (s *slots) clear(i uint32)      { s.used[i/64] &^= 1 << (i % 64) }

// take hands out the first free slot at or after the cursor, wrapping.
func (s *slots) take() (uint32, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.free == 0 {
		return 0, false
	}
	words := len(s.used)
	start := int(s.cursor / 64)
	for k := 0; k <= words; k++ {
		w := (start + k) % words
		x := s.used[w]
		if k == 0 {
			x |= 1<<(s.cursor%64) - 1 // slots before the cursor: on the last round
		}
		if x == ^uint64(0) {
			continue
		}
		i := uint32(w*64 + bits.TrailingZeros64(^x))
		s.set(i)
		s.free--
		s.inUse++
		s.cursor = (i + 1) % s.n
		return i, true
	}
	return 0, false // unreachable while free counts right
}

// claim takes slot i for a session.
func (s *slots) claim(i uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if held, ok := s.reserved[i]; ok {
		if held {
			return ErrInUse
		}
		s.reserved[i] = true
		s.inUse++
		return nil
	}
	if s.isSet(i) {
		return ErrInUse
	}
	s.set(i)
	s.free--
	s.inUse++
	return nil
}

// release gives slot i back.
func (s *slots) release(i uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if held, ok := s.reserved[i]; ok {
		if !held {
			return ErrNotAllocated
		}
		s.reserved[i] = false
		s.inUse--
		return nil
	}
	if !s.isSet(i) {
		return ErrNotAllocated
	}
	s.clear(i)
	s.free++
	s.inUse--
	return nil
}

// reserve takes slot i out of dynamic allocation for good. A slot held
// now stays held by its session and is not handed out after Release.
func (s *slots) reserve(i uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.reserved[i]; ok {
		return
	}
	held := s.isSet(i)
	if !held {
		s.set(i)
		s.free--
	}
	s.reserved[i] = held
}

func (s *slots) claimOutside(k [16]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.outside[k]; ok {
		return ErrInUse
	}
	s.outside[k] = struct{}{}
	s.inUse++
	return nil
}

func (s *slots) releaseOutside(k [16]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.outside[k]; !ok {
		return ErrNotAllocated
	}
	delete(s.outside, k)
	s.inUse--
	return nil
}

func (s *slots) counts() (inUse, free int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inUse, s.free
}
