package upf

import (
	"testing"
	"time"
)

func TestRateLimiterHoldsTheRate(t *testing.T) {
	const rate = 8_000_000 // bit/s: 1 MB/s
	l := newMBRPolicer(rate)
	// Offer 1400-octet packets at 10 MB/s for 2 s of virtual time.
	var passed int
	const pkt = 1400
	step := int64(time.Second) * pkt / 10_000_000
	for now := int64(0); now < int64(2*time.Second); now += step {
		if l.allow(pkt*8, now) {
			passed += pkt
		}
	}
	// 2 s at the rate, plus the bucket (mbrBurst at the rate), plus one
	// packet of slack for the edges.
	want := 2*rate/8 + int(mbrBurst.Seconds()*rate/8)
	if passed < want-2*pkt || passed > want+2*pkt {
		t.Errorf("passed %d octets, want %d ± %d", passed, want, 2*pkt)
	}
}

func TestRateLimiterBelowTheRate(t *testing.T) {
	l := newMBRPolicer(8_000_000)
	// 100 kB/s offered, a tenth of the rate: all of it passes.
	for now := int64(0); now < int64(time.Second); now += int64(10 * time.Millisecond) {
		if !l.allow(1000*8, now) {
			t.Fatalf("packet at %v refused below the rate", time.Duration(now))
		}
	}
}

func TestRateLimiterCountsMessages(t *testing.T) {
	var l rateLimiter
	l.init(errorIndicationRate, errorIndicationBurst)
	var n int
	for range 1000 {
		if l.allow(1, 0) {
			n++
		}
	}
	// A burst of 100 ms at 1000/s: 100, and the first one.
	if n != 101 {
		t.Errorf("%d of 1000 simultaneous messages passed, want 101", n)
	}
	if !l.allow(1, int64(time.Second)) {
		t.Error("refused after a quiet second")
	}
}
