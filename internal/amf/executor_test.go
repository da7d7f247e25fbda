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
			defer r.done()
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
	r.spawn(func() { defer r.done(); close(done) })
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

// pace holds a mass release back while paceLimit runs are active, lets
// it go on as soon as one ends, and gives up once stop is closed.
func TestPaceWaitsForRuns(t *testing.T) {
	var r runs
	release := make(chan struct{})
	var started sync.WaitGroup
	started.Add(paceLimit)
	for range paceLimit {
		if !r.admit() {
			t.Fatal("a run refused before close")
		}
		r.spawn(func() {
			defer r.done()
			started.Done()
			<-release
		})
	}
	started.Wait()

	went := make(chan bool, 1)
	go func() { went <- r.pace(nil) }()
	select {
	case <-went:
		t.Fatalf("pace went on with %d runs active", r.active.Load())
	case <-time.After(50 * time.Millisecond):
	}
	stop := make(chan struct{})
	stopped := make(chan bool, 1)
	go func() { stopped <- r.pace(stop) }()
	close(stop)
	select {
	case ok := <-stopped:
		if ok {
			t.Error("pace reported go on after stop")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("pace did not give up after stop")
	}

	// One run ends: the waiter goes on.
	release <- struct{}{}
	select {
	case ok := <-went:
		if !ok {
			t.Error("pace reported stop")
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("pace still waiting with %d runs active", r.active.Load())
	}
	close(release)
	r.close()
	if n := r.active.Load(); n != 0 {
		t.Errorf("%d runs active after close", n)
	}
	if !r.pace(nil) {
		t.Error("pace waits with no run active")
	}
}
