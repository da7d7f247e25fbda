package storetest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"syscall"

	"github.com/keelcore/keel/internal/store"
)

// ErrDiskFull is what a store reports when its disk is full: SQLite's
// SQLITE_FULL, from ENOSPC beneath it.
var ErrDiskFull = fmt.Errorf("database or disk is full: %w", syscall.ENOSPC)

// Faulty is a store.Store that fails on demand, for tests of what sits
// above a store: FailWrites makes every write fail as a full disk does
// (reads still succeed), FailReads every read. An injected failure wraps
// store.ErrUnavailable and the cause given, as an engine's own failures
// do. As on a real full disk, a write that would change nothing — to a
// subscriber that does not exist — still answers store.ErrNotFound.
// Safe for concurrent use; faults may change while calls run.
type Faulty struct {
	store.Store

	mu       sync.Mutex
	writeErr error // guarded by mu
	readErr  error // guarded by mu
}

var (
	_ store.Store  = (*Faulty)(nil)
	_ store.Prober = (*Faulty)(nil)
)

// NewFaulty wraps s; it fails nothing until told to.
func NewFaulty(s store.Store) *Faulty { return &Faulty{Store: s} }

// FailWrites makes writes (create, update, delete, import, SQN advance and
// resync, Probe) fail with cause; nil makes them succeed again.
func (f *Faulty) FailWrites(cause error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writeErr = cause
}

// FailReads makes reads (get, list, count) fail with cause; nil makes them
// succeed again.
func (f *Faulty) FailReads(cause error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.readErr = cause
}

// writeFault is fault for a write to one subscriber.
func (f *Faulty) writeFault(ctx context.Context, op, supi string) error {
	err := f.fault(op, true)
	if err == nil {
		return nil
	}
	if _, gerr := f.Store.GetSubscriber(ctx, supi); errors.Is(gerr, store.ErrNotFound) {
		return gerr
	}
	return err
}

func (f *Faulty) fault(op string, write bool) error {
	f.mu.Lock()
	cause := f.readErr
	if write {
		cause = f.writeErr
	}
	f.mu.Unlock()
	if cause == nil {
		return nil
	}
	return fmt.Errorf("storetest: %s: %w: %w", op, store.ErrUnavailable, cause)
}

func (f *Faulty) CreateSubscriber(ctx context.Context, s *store.Subscriber) error {
	if err := f.fault("CreateSubscriber", true); err != nil {
		return err
	}
	return f.Store.CreateSubscriber(ctx, s)
}

func (f *Faulty) GetSubscriber(ctx context.Context, supi string) (*store.Subscriber, error) {
	if err := f.fault("GetSubscriber", false); err != nil {
		return nil, err
	}
	return f.Store.GetSubscriber(ctx, supi)
}

func (f *Faulty) UpdateSubscriber(ctx context.Context, s *store.Subscriber) error {
	if err := f.writeFault(ctx, "UpdateSubscriber", s.SUPI); err != nil {
		return err
	}
	return f.Store.UpdateSubscriber(ctx, s)
}

func (f *Faulty) DeleteSubscriber(ctx context.Context, supi string) error {
	if err := f.writeFault(ctx, "DeleteSubscriber", supi); err != nil {
		return err
	}
	return f.Store.DeleteSubscriber(ctx, supi)
}

func (f *Faulty) ListSubscribers(ctx context.Context, q store.ListQuery) (store.ListPage, error) {
	if err := f.fault("ListSubscribers", false); err != nil {
		return store.ListPage{}, err
	}
	return f.Store.ListSubscribers(ctx, q)
}

func (f *Faulty) CountSubscribers(ctx context.Context) (int, error) {
	if err := f.fault("CountSubscribers", false); err != nil {
		return 0, err
	}
	return f.Store.CountSubscribers(ctx)
}

func (f *Faulty) ImportSubscribers(ctx context.Context, subs []*store.Subscriber) error {
	if err := f.fault("ImportSubscribers", true); err != nil {
		return err
	}
	return f.Store.ImportSubscribers(ctx, subs)
}

func (f *Faulty) ImportStream(ctx context.Context, src iter.Seq2[store.ImportEntry, error]) (int, error) {
	if err := f.fault("ImportStream", true); err != nil {
		return 0, err
	}
	return f.Store.ImportStream(ctx, src)
}

func (f *Faulty) AdvanceSQN(ctx context.Context, supi string) (store.AuthData, error) {
	if err := f.writeFault(ctx, "AdvanceSQN", supi); err != nil {
		return store.AuthData{}, err
	}
	return f.Store.AdvanceSQN(ctx, supi)
}

func (f *Faulty) ResyncSQN(ctx context.Context, supi string, sqnMS uint64) error {
	if err := f.writeFault(ctx, "ResyncSQN", supi); err != nil {
		return err
	}
	return f.Store.ResyncSQN(ctx, supi, sqnMS)
}

// Probe fails like a write; otherwise it probes the wrapped store if it
// can be probed.
func (f *Faulty) Probe(ctx context.Context) error {
	if err := f.fault("Probe", true); err != nil {
		return err
	}
	if p, ok := f.Store.(store.Prober); ok {
		return p.Probe(ctx)
	}
	return nil
}
