package memrecords

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/keelcore/keel/internal/store"
)

// Records is an in-memory store.Records. The zero value is not usable;
// call New.
type Records struct {
	mu     sync.RWMutex
	closed bool                                  // guarded by mu
	rev    int64                                 // last revision given; guarded by mu
	kinds  map[store.RecordKind]map[string]entry // guarded by mu
	count  int                                   // records in kinds, lapsed included; guarded by mu
	writes int                                   // writes since the last sweep; guarded by mu
}

var _ store.Records = (*Records)(nil)

type entry struct {
	value   []byte
	rev     int64
	expires time.Time
}

func (e entry) live(now time.Time) bool {
	return e.expires.IsZero() || now.Before(e.expires)
}

// New returns empty records.
func New() *Records {
	return &Records{kinds: make(map[store.RecordKind]map[string]entry)}
}

var errClosed = fmt.Errorf("memrecords: closed: %w", store.ErrUnavailable)

// Close drops every record; later calls fail. It may be called again.
func (m *Records) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.kinds = nil
	m.count = 0
	return nil
}

// PutRecord writes a record (store.Records).
func (m *Records) PutRecord(ctx context.Context, r store.Record) (int64, error) {
	if err := store.CheckRecord(r); err != nil {
		return 0, fmt.Errorf("memrecords: PutRecord: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("memrecords: PutRecord: %w", err)
	}
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, errClosed
	}
	keys := m.kinds[r.Kind]
	cur, ok := keys[r.Key]
	live := ok && cur.live(now)
	if r.Expect == store.MustCreate && live || r.Expect > 0 && (!live || cur.rev != r.Expect) {
		return 0, fmt.Errorf("memrecords: PutRecord %s %q: %w", r.Kind, r.Key, store.ErrConflict)
	}
	if keys == nil {
		keys = make(map[string]entry)
		m.kinds[r.Kind] = keys
	}
	m.rev++
	keys[r.Key] = entry{value: slices.Clone(r.Value), rev: m.rev, expires: r.Expires}
	if !ok {
		m.count++
	}
	m.writes++
	if m.writes >= m.count {
		m.sweep(now)
	}
	return m.rev, nil
}

// sweep removes the lapsed records. m.mu is held for writing.
func (m *Records) sweep(now time.Time) {
	for kind, keys := range m.kinds {
		for k, e := range keys {
			if !e.live(now) {
				delete(keys, k)
				m.count--
			}
		}
		if len(keys) == 0 {
			delete(m.kinds, kind)
		}
	}
	m.writes = 0
}

// GetRecord reads a live record (store.Records).
func (m *Records) GetRecord(ctx context.Context, kind store.RecordKind, key string) (store.Record, error) {
	if err := store.CheckRecordKey(kind, key); err != nil {
		return store.Record{}, fmt.Errorf("memrecords: GetRecord: %w", err)
	}
	now := time.Now()
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return store.Record{}, errClosed
	}
	e, ok := m.kinds[kind][key]
	if !ok || !e.live(now) {
		return store.Record{}, fmt.Errorf("memrecords: GetRecord %s %q: %w", kind, key, store.ErrNotFound)
	}
	return store.Record{Kind: kind, Key: key, Value: slices.Clone(e.value), Revision: e.rev, Expires: e.expires}, nil
}

// DeleteRecord removes a live record (store.Records).
func (m *Records) DeleteRecord(ctx context.Context, kind store.RecordKind, key string, expect int64) error {
	if err := store.CheckRecordKey(kind, key); err != nil {
		return fmt.Errorf("memrecords: DeleteRecord: %w", err)
	}
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errClosed
	}
	keys := m.kinds[kind]
	e, ok := keys[key]
	switch {
	case !ok || !e.live(now):
		return fmt.Errorf("memrecords: DeleteRecord %s %q: %w", kind, key, store.ErrNotFound)
	case expect > 0 && e.rev != expect:
		return fmt.Errorf("memrecords: DeleteRecord %s %q: %w", kind, key, store.ErrConflict)
	}
	delete(keys, key)
	m.count--
	return nil
}

// ListRecords lists live records in key order (store.Records). It visits
// every record of the kind: listing is for management, not the hot path.
func (m *Records) ListRecords(ctx context.Context, kind store.RecordKind, prefix, after string, limit int) ([]store.Record, error) {
	if err := store.CheckRecordKey(kind, "-"); err != nil {
		return nil, fmt.Errorf("memrecords: ListRecords: %w", err)
	}
	if limit <= 0 || limit > store.MaxPageSize {
		limit = store.MaxPageSize
	}
	now := time.Now()
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, errClosed
	}
	var list []store.Record
	for k, e := range m.kinds[kind] {
		if strings.HasPrefix(k, prefix) && k > after && e.live(now) {
			list = append(list, store.Record{Kind: kind, Key: k, Value: e.value, Revision: e.rev, Expires: e.expires})
		}
	}
	slices.SortFunc(list, func(a, b store.Record) int { return strings.Compare(a.Key, b.Key) })
	if len(list) > limit {
		list = list[:limit]
	}
	for i := range list {
		list[i].Value = slices.Clone(list[i].Value)
	}
	return list, nil
}
