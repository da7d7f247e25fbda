package storetest

import (
	"errors"
	"iter"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/store"
)

func testImport(t *testing.T, s store.Store) {
	ctx := t.Context()
	stored := newSubscriber(1000)
	mustCreate(t, s, stored)

	batch := make([]*store.Subscriber, 10)
	for i := range batch {
		batch[i] = newSubscriber(i)
	}
	batch[4].SUPI = stored.SUPI
	batch[6].Auth.SQN = store.MaxSQN + 1
	batch[8].SUPI = batch[2].SUPI
	err := s.ImportSubscribers(ctx, batch)
	var ie *store.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("ImportSubscribers(batch with refused entries 4, 6, 8) = %v, want *store.ImportError", err)
	}
	var idx []int
	for _, r := range ie.Rows {
		idx = append(idx, r.Row)
		if r.Reason == "" {
			t.Errorf("ImportError row %d has no reason", r.Row)
		}
	}
	if diff := cmp.Diff([]int{4, 6, 8}, idx); diff != "" {
		t.Errorf("ImportError indexes mismatch (-want +got):\n%s", diff)
	}
	mustCount(t, s, 1)
	for _, sub := range batch {
		if sub.SUPI == stored.SUPI {
			continue
		}
		if _, err := s.GetSubscriber(ctx, sub.SUPI); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetSubscriber(%s) after refused import = %v, want ErrNotFound", sub.SUPI, err)
		}
	}
	if diff := cmp.Diff(stored, mustGet(t, s, stored.SUPI), cmpOpts()); diff != "" {
		t.Errorf("GetSubscriber(%s) after refused import mismatch (-want +got):\n%s", stored.SUPI, diff)
	}

	good := make([]*store.Subscriber, 10)
	for i := range good {
		good[i] = newSubscriber(i)
	}
	if err := s.ImportSubscribers(ctx, good); err != nil {
		t.Fatalf("ImportSubscribers(10 new subscribers) = %v", err)
	}
	mustCount(t, s, 11)
	for _, want := range good {
		if diff := cmp.Diff(want, mustGet(t, s, want.SUPI), cmpOpts()); diff != "" {
			t.Errorf("GetSubscriber(%s) after import mismatch (-want +got):\n%s", want.SUPI, diff)
		}
	}
	page, err := s.ListSubscribers(ctx, store.ListQuery{DNN: "ims"})
	if err != nil {
		t.Fatalf("ListSubscribers(DNN ims) = %v", err)
	}
	if got := len(page.Subscribers); got != 11 {
		t.Errorf("ListSubscribers(DNN ims) after import = %d subscribers, want 11", got)
	}

	err = s.ImportSubscribers(ctx, good)
	if !errors.As(err, &ie) {
		t.Fatalf("ImportSubscribers(same 10 again) = %v, want *store.ImportError", err)
	}
	if len(ie.Rows) != len(good) {
		t.Errorf("ImportSubscribers(same 10 again) refused %d entries, want %d", len(ie.Rows), len(good))
	}
	mustCount(t, s, 11)
}

func testImportEmpty(t *testing.T, s store.Store) {
	if err := s.ImportSubscribers(t.Context(), nil); err != nil {
		t.Errorf("ImportSubscribers(nil) = %v, want nil", err)
	}
	mustCount(t, s, 0)
}

// entries yields subs as import entries numbered from row 2 (a CSV file's
// first line after its header); a nil subscriber is yielded as the
// caller's own refusal of its row.
func entries(subs []*store.Subscriber) iter.Seq2[store.ImportEntry, error] {
	return func(yield func(store.ImportEntry, error) bool) {
		for i, sub := range subs {
			e := store.ImportEntry{Row: i + 2, Subscriber: sub}
			if sub == nil {
				e.Refusal = &store.RowError{Field: "k", Reason: "want 32 hexadecimal digits"}
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}

func testImportStream(t *testing.T, s store.Store) {
	ctx := t.Context()
	held := newSubscriber(1000)
	mustCreate(t, s, held)

	batch := make([]*store.Subscriber, 8)
	for i := range batch {
		batch[i] = newSubscriber(i)
	}
	batch[2] = nil                                               // row 4: refused by the caller
	batch[3].SUPI = batch[0].SUPI                                // row 5 repeats row 2's SUPI
	batch[5].DNNs[1].StaticIPv4 = batch[1].DNNs[1].StaticIPv4    // row 7 repeats row 3's IPv4
	batch[6].DNNs[1].StaticIPv6 = held.DNNs[1].StaticIPv6.Next() // row 8: in held's /64
	n, err := s.ImportStream(ctx, entries(batch))
	var ie *store.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("ImportStream(batch with refused rows 4, 5, 7, 8) = %d, %v, want *store.ImportError", n, err)
	}
	type refusal struct {
		Row   int
		Field string
		Names string // a word the reason must hold
	}
	var got []refusal
	for _, r := range ie.Rows {
		f := refusal{Row: r.Row, Field: r.Field}
		for _, w := range []string{"row 2", "row 3", held.SUPI} {
			if strings.Contains(r.Reason, w) {
				f.Names = w
			}
		}
		got = append(got, f)
	}
	want := []refusal{
		{4, "k", ""},
		{5, "supi", "row 2"},
		{7, "dnns[1].static_ipv4", "row 3"},
		{8, "dnns[1].static_ipv6", held.SUPI},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ImportStream refusals mismatch (-want +got):\n%s\n%+v", diff, ie.Rows)
	}
	if ie.Refused != len(want) {
		t.Errorf("ImportError.Refused = %d, want %d", ie.Refused, len(want))
	}
	if n != 0 {
		t.Errorf("ImportStream refused = %d stored, want 0", n)
	}
	mustCount(t, s, 1)
	// Nothing of the refused import holds an address: every one is free.
	for i, sub := range batch {
		if sub == nil || i == 3 {
			continue
		}
		mustCreate(t, s, newSubscriber(i))
	}
	mustCount(t, s, 7)

	more := []*store.Subscriber{newSubscriber(20), newSubscriber(21)}
	if n, err := s.ImportStream(ctx, entries(more)); err != nil || n != 2 {
		t.Fatalf("ImportStream(2 new subscribers) = %d, %v, want 2, nil", n, err)
	}
	for _, want := range more {
		if diff := cmp.Diff(want, mustGet(t, s, want.SUPI), cmpOpts()); diff != "" {
			t.Errorf("GetSubscriber(%s) after ImportStream mismatch (-want +got):\n%s", want.SUPI, diff)
		}
	}
}

// An error from the source ends the import with nothing stored, and the
// error returned wraps it.
func testImportStreamSourceError(t *testing.T, s store.Store) {
	errCut := errors.New("body cut off")
	src := func(yield func(store.ImportEntry, error) bool) {
		for i := range 5 {
			if !yield(store.ImportEntry{Row: i + 1, Subscriber: newSubscriber(i)}, nil) {
				return
			}
		}
		yield(store.ImportEntry{}, errCut)
	}
	n, err := s.ImportStream(t.Context(), src)
	if !errors.Is(err, errCut) {
		t.Errorf("ImportStream(source failing after 5) = %d, %v, want an error wrapping %v", n, err, errCut)
	}
	mustCount(t, s, 0)
	if _, err := s.ImportStream(t.Context(), entries([]*store.Subscriber{newSubscriber(0)})); err != nil {
		t.Errorf("ImportStream after a failed one = %v, want nil", err)
	}
}

// An import refusing more entries than store.MaxImportErrors lists that
// many and counts the rest.
func testImportErrorsBounded(t *testing.T, s store.Store) {
	const n = store.MaxImportErrors + 50
	subs := make([]*store.Subscriber, n)
	for i := range subs {
		subs[i] = newSubscriber(i)
	}
	if err := s.ImportSubscribers(t.Context(), subs); err != nil {
		t.Fatalf("ImportSubscribers(%d) = %v", n, err)
	}
	err := s.ImportSubscribers(t.Context(), subs)
	var ie *store.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("ImportSubscribers(same %d again) = %v, want *store.ImportError", n, err)
	}
	if len(ie.Rows) != store.MaxImportErrors || ie.Refused != n {
		t.Errorf("ImportError lists %d and counts %d, want %d and %d", len(ie.Rows), ie.Refused, store.MaxImportErrors, n)
	}
	if len(ie.Rows) > 0 && (ie.Rows[0].Row != 0 || ie.Rows[len(ie.Rows)-1].Row != store.MaxImportErrors-1) {
		t.Errorf("ImportError lists rows %d to %d, want the first %d", ie.Rows[0].Row, ie.Rows[len(ie.Rows)-1].Row, store.MaxImportErrors)
	}
}
