// Package changefeed announces subscriber changes within one process: an
// engine whose writes all pass through it (SQLite) publishes each change
// to a Feed, and Feed.Watch implements store.ChangeNotifier.WatchChanges.
//
// # Concurrency
//
// A Feed is safe for concurrent use. Publish never blocks: each watcher
// has a queue of queueSize changes, and a watcher whose queue is full
// loses the change and is told so (store.Change.Missed) when it catches
// up. Watch runs on its caller's goroutine until the caller's context is
// done or the feed closes; Feed.mu guards the set of watchers and is never
// held across a call of fn.
package changefeed

import (
	"context"
	"errors"
	"sync"

	"github.com/keelcore/keel/internal/store"
)

// queueSize is how many changes a watcher may fall behind by before it
// loses them.
const queueSize = 256

// ErrClosed is what Watch returns on a closed feed.
var ErrClosed = errors.New("changefeed: closed")

// Feed fans changes out to watchers.
type Feed struct {
	mu       sync.Mutex
	closed   bool                  // guarded by mu
	watchers map[*watcher]struct{} // guarded by mu
	done     chan struct{}         // closed by Close
}

type watcher struct {
	ch chan string
	// missed has room for one signal: a change was dropped.
	missed chan struct{}
}

// New returns an open feed.
func New() *Feed {
	return &Feed{watchers: map[*watcher]struct{}{}, done: make(chan struct{})}
}

// Publish announces that supi changed.
func (f *Feed) Publish(supi string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for w := range f.watchers {
		select {
		case w.ch <- supi:
		default:
			select {
			case w.missed <- struct{}{}:
			default:
			}
		}
	}
}

// Watch calls fn with each change published from now on, first with
// store.Change{Missed: true}, until ctx is done (it returns ctx's error)
// or the feed closes (ErrClosed).
func (f *Feed) Watch(ctx context.Context, fn func(store.Change)) error {
	w := &watcher{ch: make(chan string, queueSize), missed: make(chan struct{}, 1)}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return ErrClosed
	}
	f.watchers[w] = struct{}{}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.watchers, w)
		f.mu.Unlock()
	}()
	fn(store.Change{Missed: true})
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-f.done:
			return ErrClosed
		case <-w.missed:
			fn(store.Change{Missed: true})
		case supi := <-w.ch:
			fn(store.Change{SUPI: supi})
		}
	}
}

// Close ends every Watch; later ones fail with ErrClosed.
func (f *Feed) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		f.closed = true
		close(f.done)
	}
}
