package amf

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// The warm goroutines of a burst of runs end once no run comes for
// warmIdle, and close joins the ones still waiting.
func TestWarmGoroutinesEnd(t *testing.T) {
	var r runs
	base := runtime.NumGoroutine()
	const n = 40
	var started, release sync.WaitGroup
	started.Add(n)
	release.Add(1)
	for range n {
		if !r.admit() {
			t.Fatal("a run refused before close")
		}
		r.spawn(func() {
			defer r.wg.Done()
			started.Done()
			release.Wait()
		})
	}
	started.Wait()
	if g := runtime.NumGoroutine(); g < base+n {
		t.Fatalf("%d goroutines with %d runs blocked, %d before", g, n, base)
	}
	release.Done()
	r.wg.Wait()
	// Warm now; each ends after warmIdle without a run.
	deadline := time.Now().Add(warmIdle + 10*time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if g, idle := runtime.NumGoroutine(), r.idle.Load(); g > base || idle != 0 {
		t.Fatalf("%d goroutines (%d warm) %v after the runs, %d before", g, idle, warmIdle+10*time.Second, base)
	}

	// A warm goroutine takes the next run; close joins it.
	if !r.admit() {
		t.Fatal("a run refused before close")
	}
	done := make(chan struct{})
	r.spawn(func() { defer r.wg.Done(); close(done) })
	<-done
	r.close()
	// close has joined them; the runtime counts a goroutine until it
	// has finished exiting.
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > base && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > base {
		t.Fatalf("%d goroutines after close, %d before", g, base)
	}
	if r.admit() {
		t.Fatal("a run admitted after close")
	}
}
