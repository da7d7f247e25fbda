package sbihttp

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestWorkersRun: every function runs once, on more callers at once than
// there are workers; after stop, on the caller.
func TestWorkersRun(t *testing.T) {
	w := newWorkers()
	w.open()
	var mu sync.Mutex
	ran := map[int]int{}
	release := make(chan struct{})
	var wg sync.WaitGroup
	const n = maxWorkers + 40
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(func() {
				<-release
				mu.Lock()
				ran[i]++
				mu.Unlock()
			})
		}()
	}
	close(release)
	wg.Wait()
	if len(ran) != n {
		t.Fatalf("%d functions ran, want %d", len(ran), n)
	}
	for i, c := range ran {
		if c != 1 {
			t.Errorf("function %d ran %d times, want once", i, c)
		}
	}
	w.mu.Lock()
	started := w.started
	w.mu.Unlock()
	if started > maxWorkers {
		t.Errorf("%d workers started, want at most %d", started, maxWorkers)
	}
	w.stop()
	w.stop()
	done := false
	w.run(func() { done = true })
	if !done {
		t.Error("run after stop did not run the function")
	}
}

// TestWorkersPanic: a handler's panic is raised again on the caller with
// the worker's stack, and the worker goes on serving.
func TestWorkersPanic(t *testing.T) {
	w := newWorkers()
	w.open()
	defer w.stop()
	for range 2 {
		func() {
			defer func() {
				p, ok := recover().(*handlerPanic)
				if !ok || p.value != "boom" || !strings.Contains(p.String(), "boom") || !strings.Contains(p.String(), "workers_test.go") {
					t.Errorf("recovered %v, want the handler's panic with its stack", p)
				}
			}()
			w.run(func() { panic("boom") })
		}()
	}
	func() {
		defer func() {
			if p := recover(); p != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler as it was raised", p)
			}
		}()
		w.run(func() { panic(http.ErrAbortHandler) })
	}()
	ok := false
	w.run(func() { ok = true })
	if !ok {
		t.Error("the worker did not serve after a panic")
	}
}

// TestServerHandlerPanic: an operation's panic ends its own request only:
// the server answers the next one.
func TestServerHandlerPanic(t *testing.T) {
	s := echoServer(ServerConfig{})
	s.Service("nkeel-echo", "v1").Handle("GET /boom", func(http.ResponseWriter, *http.Request) error {
		panic(fmt.Sprintf("handler fault %d", 7))
	})
	root := start(t, s, "http")
	c := NewClient(ClientConfig{Resolver: StaticResolver{"nkeel-echo": {root}}, MaxAttempts: 1})
	defer c.CloseIdle()
	if _, err := c.Do(context.Background(), Request{Service: "nkeel-echo", Method: "GET", Path: "/boom"}, nil); err == nil {
		t.Fatal("a request whose handler panicked succeeded")
	}
	var out echoOut
	if _, err := c.Do(context.Background(), Request{Service: "nkeel-echo", Method: "GET", Path: "/echoes/imsi-1"}, &out); err != nil || out.Supi != "imsi-1" {
		t.Fatalf("the next request = %+v, %v; want it answered", out, err)
	}
}
