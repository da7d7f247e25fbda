package amf

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
)

// fakeLong is longTimers on a clock the test moves, whose armed timer
// the test fires.
type fakeLong struct {
	*longTimers
	mu      sync.Mutex
	clock   time.Duration
	armed   []time.Duration // the delays of the timers armed and not stopped
	fires   []func()        // their functions, by arm
	stopped []bool
	expired []string
	at      map[*ueContext]time.Duration // when each UE's last expiry came
}

func newFakeLong() *fakeLong {
	f := &fakeLong{at: map[*ueContext]time.Duration{}}
	f.longTimers = &longTimers{
		afterFunc: func(d time.Duration, fn func()) func() bool {
			f.mu.Lock()
			defer f.mu.Unlock()
			i := len(f.fires)
			f.armed = append(f.armed, f.clock+d)
			f.fires = append(f.fires, fn)
			f.stopped = append(f.stopped, false)
			return func() bool {
				f.mu.Lock()
				defer f.mu.Unlock()
				was := !f.stopped[i]
				f.stopped[i] = true
				return was
			}
		},
		elapsed: func() time.Duration {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.clock
		},
		expire: func(u *ueContext, t gmm.Timer, gen uint64) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.expired = append(f.expired, u.supi+" "+t.String()+" "+string(rune('0'+gen)))
			f.at[u] = f.clock
		},
	}
	return f
}

// advance moves the clock to at and fires the timer armed for then, if
// one is and was not stopped.
func (f *fakeLong) advance(at time.Duration) {
	f.mu.Lock()
	f.clock = at
	var run []func()
	for i, when := range f.armed {
		if !f.stopped[i] && when <= at {
			f.stopped[i] = true
			run = append(run, f.fires[i])
		}
	}
	f.mu.Unlock()
	for _, fn := range run {
		fn()
	}
}

func (f *fakeLong) live() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.stopped {
		if !s {
			n++
		}
	}
	return n
}

func (f *fakeLong) takeExpired() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.expired
	f.expired = nil
	return e
}

// TestLongTimers checks that the UEs' deadlines expire in order, each at
// its time with the generation it was started with; that a cancelled or
// restarted one does not expire at its old time; and that one runtime
// timer at most is armed.
func TestLongTimers(t *testing.T) {
	f := newFakeLong()
	a, b, c := &ueContext{supi: "a"}, &ueContext{supi: "b"}, &ueContext{supi: "c"}
	f.start(a, gmm.MobileReachable, 1, 30*time.Second)
	f.start(b, gmm.MobileReachable, 1, 10*time.Second)
	f.start(c, gmm.ImplicitDeregistration, 2, 20*time.Second)
	if n := f.live(); n != 1 {
		t.Fatalf("%d runtime timers armed, want 1", n)
	}
	f.advance(9 * time.Second)
	if e := f.takeExpired(); len(e) != 0 {
		t.Fatalf("at 9 s: expired %v, want none", e)
	}
	f.advance(10 * time.Second)
	if e, want := f.takeExpired(), []string{"b mobile-reachable 1"}; !slices.Equal(e, want) {
		t.Fatalf("at 10 s: expired %v, want %v", e, want)
	}
	// c restarted later with a new generation, a cancelled.
	f.start(c, gmm.ImplicitDeregistration, 3, 25*time.Second) // at 35 s
	f.cancel(a)
	f.advance(30 * time.Second)
	if e := f.takeExpired(); len(e) != 0 {
		t.Fatalf("at 30 s: expired %v, want none", e)
	}
	f.start(b, gmm.ImplicitDeregistration, 4, 2*time.Second) // at 32 s
	f.advance(40 * time.Second)
	if e, want := f.takeExpired(), []string{"b implicit-deregistration 4", "c implicit-deregistration 3"}; !slices.Equal(e, want) {
		t.Fatalf("at 40 s: expired %v, want %v", e, want)
	}
	if n, q := f.live(), len(f.queue); n != 0 || q != 0 {
		t.Errorf("all expired: %d runtime timers armed, %d deadlines queued; want 0 and 0", n, q)
	}
	// Cancelling one that expired, or was never started, is nothing.
	f.cancel(b)
	f.cancel(&ueContext{})
	f.start(a, gmm.MobileReachable, 5, time.Second)
	f.close()
	if n := f.live(); n != 0 {
		t.Errorf("after close: %d runtime timers armed, want 0", n)
	}
}

// TestLongTimersMany checks the heap's order against a sort with many
// deadlines started, restarted and cancelled.
func TestLongTimersMany(t *testing.T) {
	f := newFakeLong()
	const n = 500
	ues := make([]*ueContext, n)
	want := map[*ueContext]time.Duration{}
	for i := range ues {
		ues[i] = &ueContext{supi: string(rune('A' + i%26))}
		d := time.Duration((i*7919)%1000+1) * time.Millisecond
		f.start(ues[i], gmm.MobileReachable, 1, d)
		want[ues[i]] = d
	}
	for i := 0; i < n; i += 3 {
		f.cancel(ues[i])
		delete(want, ues[i])
	}
	for i := 1; i < n; i += 5 {
		d := time.Duration((i*104729)%1000+1) * time.Millisecond
		f.start(ues[i], gmm.MobileReachable, 1, d)
		want[ues[i]] = d
	}
	count := 0
	for at := time.Millisecond; at <= time.Second; at += time.Millisecond {
		f.advance(at)
		count += len(f.takeExpired())
	}
	if count != len(want) || len(f.queue) != 0 {
		t.Errorf("%d expiries, %d queued after the last; want %d and 0", count, len(f.queue), len(want))
	}
	for u, d := range want {
		if got, ok := f.at[u]; !ok || got != d {
			t.Errorf("a deadline of %v expired at %v (%v)", d, got, ok)
		}
	}
}
