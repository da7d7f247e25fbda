package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/keelcore/keel/internal/store"
)

// A static address is one subscriber's: a create or update giving it (or,
// for IPv6, another address in its /64) to another is refused naming the
// field and the holder, and deleting the holder frees it.
func testStaticAddressUnique(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := newSubscriber(1), newSubscriber(2)
	mustCreate(t, s, a)

	clash := newSubscriber(2)
	clash.DNNs[1].StaticIPv4 = a.DNNs[1].StaticIPv4
	checkInUse(t, "CreateSubscriber(same IPv4)", s.CreateSubscriber(ctx, clash), "dnns[1].static_ipv4", a.SUPI)
	clash = newSubscriber(2)
	clash.DNNs[1].StaticIPv6 = a.DNNs[1].StaticIPv6.Next()
	checkInUse(t, "CreateSubscriber(IPv6 in the same /64)", s.CreateSubscriber(ctx, clash), "dnns[1].static_ipv6", a.SUPI)
	mustCount(t, s, 1)

	mustCreate(t, s, b)
	upd := *b
	upd.DNNs = append([]store.DNNConfig(nil), b.DNNs...)
	upd.DNNs[0].StaticIPv4 = a.DNNs[1].StaticIPv4
	checkInUse(t, "UpdateSubscriber(another's IPv4)", s.UpdateSubscriber(ctx, &upd), "dnns[0].static_ipv4", a.SUPI)
	if got := mustGet(t, s, b.SUPI); got.DNNs[0].StaticIPv4.IsValid() {
		t.Errorf("refused update stored static_ipv4 %s", got.DNNs[0].StaticIPv4)
	}

	// A subscriber keeps its own addresses through an update.
	if err := s.UpdateSubscriber(ctx, a); err != nil {
		t.Errorf("UpdateSubscriber(%s, same addresses) = %v, want nil", a.SUPI, err)
	}
	twice := newSubscriber(3)
	twice.DNNs[0].StaticIPv4 = twice.DNNs[1].StaticIPv4
	if err := s.CreateSubscriber(ctx, twice); err == nil {
		t.Errorf("CreateSubscriber(one IPv4 in two DNN settings) = nil, want an error")
	}

	if err := s.DeleteSubscriber(ctx, a.SUPI); err != nil {
		t.Fatalf("DeleteSubscriber(%s) = %v", a.SUPI, err)
	}
	if err := s.UpdateSubscriber(ctx, &upd); err != nil {
		t.Errorf("UpdateSubscriber(address of a deleted subscriber) = %v, want nil", err)
	}
	// b keeps the address of its second setting through that update.
	c := newSubscriber(2)
	c.SUPI = supi("00101", 4)
	c.DNNs[0].StaticIPv4 = b.DNNs[1].StaticIPv4
	c.DNNs[1].StaticIPv4, c.DNNs[1].StaticIPv6 = staticIPv4(4), staticIPv6(4)
	checkInUse(t, "CreateSubscriber(IPv4 b still holds)", s.CreateSubscriber(ctx, c), "dnns[0].static_ipv4", b.SUPI)
}

// Of concurrent creates giving one static address to different
// subscribers, exactly one succeeds.
func testStaticAddressConcurrent(t *testing.T, s store.Store) {
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		sub := newSubscriber(i)
		sub.DNNs[1].StaticIPv4 = staticIPv4(100)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.CreateSubscriber(t.Context(), sub)
		}()
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrAddressInUse):
			t.Errorf("concurrent CreateSubscriber %d = %v, want nil or ErrAddressInUse", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent creates of one static address succeeded, want 1", won, n)
	}
	mustCount(t, s, 1)
}

func checkInUse(t *testing.T, call string, err error, field, holder string) {
	t.Helper()
	var e *store.AddressInUseError
	if !errors.As(err, &e) || !errors.Is(err, store.ErrAddressInUse) {
		t.Errorf("%s = %v, want an *AddressInUseError", call, err)
		return
	}
	if e.Field != field || e.Holder != holder {
		t.Errorf("%s = field %q holder %q, want %q and %q", call, e.Field, e.Holder, field, holder)
	}
}
