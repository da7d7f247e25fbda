package upf

import (
	"sync/atomic"
	"time"
)

// mbrBurst is how much traffic above the rate an MBR policer lets
// through at once: the depth of its bucket, as time at the rate.
const mbrBurst = 100 * time.Millisecond

// rateLimiter polices a rate with the virtual-scheduling form of the
// generic cell rate algorithm, the token bucket of ITU-T I.371 in one
// number: tat, the time at which the traffic let through so far would
// have been sent at exactly the rate. A packet conforms while tat is at
// most tolerance ahead of now. One compare-and-swap per packet, no lock,
// so any goroutine may use it.
//
// Rates are in units per second (bits for an MBR, messages for the
// Error Indication limit); times are nanoseconds on the caller's
// monotonic clock.
type rateLimiter struct {
	rate      uint64 // units per second
	tolerance int64  // ns
	tat       atomic.Int64
}

func newRateLimiter(perSecond uint64, burst time.Duration) *rateLimiter {
	l := &rateLimiter{}
	l.init(perSecond, burst)
	return l
}

func (l *rateLimiter) init(perSecond uint64, burst time.Duration) {
	l.rate, l.tolerance = max(perSecond, 1), int64(burst)
	l.tat.Store(-1 << 62)
}

// newMBRPolicer polices a maximum bit rate (TS 29.244 §8.2.8, bit/s).
func newMBRPolicer(bitsPerSecond uint64) *rateLimiter {
	return newRateLimiter(bitsPerSecond, mbrBurst)
}

// allow tells whether units more conform at time now, and counts them if
// they do.
func (l *rateLimiter) allow(units uint64, now int64) bool {
	// units ≤ 2^19 (a 64 KiB packet in bits): the product fits 64 bits.
	cost := int64(units * uint64(time.Second) / l.rate)
	for {
		old := l.tat.Load()
		tat := max(old, now)
		if tat-now > l.tolerance {
			return false
		}
		if l.tat.CompareAndSwap(old, tat+cost) {
			return true
		}
	}
}
