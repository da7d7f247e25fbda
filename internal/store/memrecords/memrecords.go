package memrecords

import (
	"context"
	"fmt"
	"math"
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
	closed bool                       // guarded by mu
	rev    int64                      // last revision given; guarded by mu
	kinds  map[store.RecordKind]*kind // guarded by mu
	count  int                        // records in kinds, lapsed included; guarded by mu
	writes int                        // writes since the last sweep; guarded by mu
}

var _ store.Records = (*Records)(nil)

type entry struct {
	value packed
	rev   int64
	// expires is the record's Expires in Unix nanoseconds, 0 for none
	// (expiresAt).
	expires int64
}

func (e entry) live(now int64) bool {
	return e.expires == 0 || now < e.expires
}

// Bounds of the Expires kept in Unix nanoseconds: one at or before the
// first is past whatever the clock says; one after the second (2262) is
// kept as the second.
var (
	epoch   = time.Unix(0, 0)
	maxTime = time.Unix(0, math.MaxInt64)
)

// expiresAt is t as entry.expires keeps it.
func expiresAt(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case !t.After(epoch):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// expiresTime is entry.expires as a Record's Expires.
func expiresTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// New returns empty records.
func New() *Records {
	return &Records{kinds: make(map[store.RecordKind]*kind)}
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
	now := time.Now().UnixNano()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, errClosed
	}
	k := m.kinds[r.Kind]
	var cur entry
	ok := false
	if k != nil {
		cur, ok = k.keys[r.Key]
	}
	live := ok && cur.live(now)
	if r.Expect == store.MustCreate && live || r.Expect > 0 && (!live || cur.rev != r.Expect) {
		return 0, fmt.Errorf("memrecords: PutRecord %s %q: %w", r.Kind, r.Key, store.ErrConflict)
	}
	if k == nil {
		k = &kind{keys: make(map[string]entry)}
		m.kinds[r.Kind] = k
	}
	m.rev++
	k.keys[r.Key] = entry{value: k.pack(r.Value), rev: m.rev, expires: expiresAt(r.Expires)}
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
func (m *Records) sweep(now int64) {
	for name, k := range m.kinds {
		for key, e := range k.keys {
			if !e.live(now) {
				delete(k.keys, key)
				m.count--
			}
		}
		if len(k.keys) == 0 {
			delete(m.kinds, name)
		}
	}
	m.writes = 0
}

// GetRecord reads a live record (store.Records).
func (m *Records) GetRecord(ctx context.Context, kind store.RecordKind, key string) (store.Record, error) {
	if err := store.CheckRecordKey(kind, key); err != nil {
		return store.Record{}, fmt.Errorf("memrecords: GetRecord: %w", err)
	}
	now := time.Now().UnixNano()
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return store.Record{}, errClosed
	}
	var e entry
	ok := false
	if k := m.kinds[kind]; k != nil {
		e, ok = k.keys[key]
	}
	if !ok || !e.live(now) {
		return store.Record{}, fmt.Errorf("memrecords: GetRecord %s %q: %w", kind, key, store.ErrNotFound)
	}
	return store.Record{Kind: kind, Key: key, Value: e.value.value(), Revision: e.rev, Expires: expiresTime(e.expires)}, nil
}

// DeleteRecord removes a live record (store.Records).
func (m *Records) DeleteRecord(ctx context.Context, kind store.RecordKind, key string, expect int64) error {
	if err := store.CheckRecordKey(kind, key); err != nil {
		return fmt.Errorf("memrecords: DeleteRecord: %w", err)
	}
	now := time.Now().UnixNano()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errClosed
	}
	var e entry
	ok := false
	k := m.kinds[kind]
	if k != nil {
		e, ok = k.keys[key]
	}
	switch {
	case !ok || !e.live(now):
		return fmt.Errorf("memrecords: DeleteRecord %s %q: %w", kind, key, store.ErrNotFound)
	case expect > 0 && e.rev != expect:
		return fmt.Errorf("memrecords: DeleteRecord %s %q: %w", kind, key, store.ErrConflict)
	}
	delete(k.keys, key)
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
	now := time.Now().UnixNano()
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, errClosed
	}
	k := m.kinds[kind]
	if k == nil {
		return nil, nil
	}
	type found struct {
		key string
		e   entry
	}
	var list []found
	for key, e := range k.keys {
		if strings.HasPrefix(key, prefix) && key > after && e.live(now) {
			list = append(list, found{key, e})
		}
	}
	slices.SortFunc(list, func(a, b found) int { return strings.Compare(a.key, b.key) })
	if len(list) > limit {
		list = list[:limit]
	}
	if len(list) == 0 {
		return nil, nil
	}
	out := make([]store.Record, len(list))
	for i, f := range list {
		out[i] = store.Record{Kind: kind, Key: f.key, Value: f.e.value.value(), Revision: f.e.rev, Expires: expiresTime(f.e.expires)}
	}
	return out, nil
}
