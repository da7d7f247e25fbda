package storetest

import (
	"errors"
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
		idx = append(idx, r.Index)
		if r.Reason == "" {
			t.Errorf("ImportError row %d has no reason", r.Index)
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
