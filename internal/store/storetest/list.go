package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/store"
)

// listFixture returns subscribers spread over three PLMNs with every
// combination of the DNNs "internet" and "ims", "internet" subscribed in
// two slices for some.
func listFixture() []*store.Subscriber {
	plmns := []string{"00101", "00102", "310150"}
	var subs []*store.Subscriber
	for i := range 240 {
		sub := newSubscriber(i)
		sub.SUPI = supi(plmns[i%3], i)
		switch i % 4 {
		case 0:
			sub.DNNs = nil
		case 1:
			sub.DNNs = sub.DNNs[:1]
		case 2:
			sub.DNNs = sub.DNNs[1:]
		case 3:
			second := sub.DNNs[0]
			second.SNSSAI = ident.SNSSAI{SST: 1, SD: 0x000001, HasSD: true}
			sub.DNNs = append(sub.DNNs, second)
		}
		subs = append(subs, sub)
	}
	return subs
}

func hasDNN(sub *store.Subscriber, dnn string) bool {
	return slices.ContainsFunc(sub.DNNs, func(d store.DNNConfig) bool { return d.DNN == dnn })
}

func testList(t *testing.T, s store.Store) {
	subs := listFixture()
	// Created in reverse so that SUPI order is not creation order.
	for _, sub := range slices.Backward(subs) {
		mustCreate(t, s, sub)
	}
	bySUPI := map[string]*store.Subscriber{}
	for _, sub := range subs {
		bySUPI[sub.SUPI] = sub
	}

	for _, q := range []store.ListQuery{
		{},
		{SUPIPrefix: "imsi-00102"},
		{SUPIPrefix: "imsi-0010"},
		{SUPIPrefix: supi("00101", 3)},
		{SUPIPrefix: "imsi-9"},
		{DNN: "internet"},
		{DNN: "ims"},
		{DNN: "iot"},
		{DNN: "ims", SUPIPrefix: "imsi-310150"},
	} {
		var want []string
		for _, sub := range subs {
			if strings.HasPrefix(sub.SUPI, q.SUPIPrefix) && (q.DNN == "" || hasDNN(sub, q.DNN)) {
				want = append(want, sub.SUPI)
			}
		}
		slices.Sort(want)
		for _, limit := range []int{1, 7, 60, 0} {
			q.Limit = limit
			t.Run(fmt.Sprintf("prefix=%q,dnn=%q,limit=%d", q.SUPIPrefix, q.DNN, limit), func(t *testing.T) {
				got := walk(t, s, q, func(sub *store.Subscriber) {
					if diff := cmp.Diff(bySUPI[sub.SUPI], sub, cmpOpts()); diff != "" {
						t.Errorf("listed %s mismatch (-want +got):\n%s", sub.SUPI, diff)
					}
				})
				if diff := cmp.Diff(want, got, cmpOpts()); diff != "" {
					t.Errorf("SUPIs listed mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// walk lists every page of q, checks the paging contract and returns the
// SUPIs seen in order.
func walk(t *testing.T, s store.Store, q store.ListQuery, check func(*store.Subscriber)) []string {
	t.Helper()
	limit := min(q.Limit, store.MaxPageSize)
	if limit == 0 {
		limit = 100
	}
	var got []string
	for pages := 0; ; pages++ {
		if pages > 10_000 {
			t.Fatalf("ListSubscribers(%+v): no end after %d pages", q, pages)
		}
		page, err := s.ListSubscribers(t.Context(), q)
		if err != nil {
			t.Fatalf("ListSubscribers(%+v) = %v", q, err)
		}
		n := len(page.Subscribers)
		if n > limit {
			t.Fatalf("ListSubscribers(%+v) = %d subscribers, want at most %d", q, n, limit)
		}
		for _, sub := range page.Subscribers {
			if len(got) > 0 && sub.SUPI <= got[len(got)-1] {
				t.Fatalf("ListSubscribers(%+v) returned %s after %s, want strictly increasing SUPIs", q, sub.SUPI, got[len(got)-1])
			}
			got = append(got, sub.SUPI)
			if check != nil {
				check(sub)
			}
		}
		if page.Next == "" {
			if n == 0 && pages > 0 {
				t.Errorf("ListSubscribers(%+v) = empty last page, want Next empty on the page before", q)
			}
			return got
		}
		if n != limit {
			t.Fatalf("ListSubscribers(%+v) = %d subscribers and Next %q, want a full page of %d", q, n, page.Next, limit)
		}
		if page.Next != page.Subscribers[n-1].SUPI {
			t.Fatalf("ListSubscribers(%+v).Next = %q, want the last SUPI %q", q, page.Next, page.Subscribers[n-1].SUPI)
		}
		q.After = page.Next
	}
}

func testListLimits(t *testing.T, s store.Store) {
	ctx := t.Context()
	const n = store.MaxPageSize + 5
	subs := make([]*store.Subscriber, n)
	for i := range subs {
		subs[i] = newSubscriber(i)
	}
	if err := s.ImportSubscribers(ctx, subs); err != nil {
		t.Fatalf("ImportSubscribers(%d subscribers) = %v", n, err)
	}

	for _, c := range []struct {
		limit, want int
	}{
		{0, 100},
		{store.MaxPageSize, store.MaxPageSize},
		{store.MaxPageSize + 1, store.MaxPageSize},
		{1 << 30, store.MaxPageSize},
	} {
		page, err := s.ListSubscribers(ctx, store.ListQuery{Limit: c.limit})
		if err != nil {
			t.Fatalf("ListSubscribers(Limit %d) = %v", c.limit, err)
		}
		if len(page.Subscribers) != c.want {
			t.Errorf("ListSubscribers(Limit %d) = %d subscribers, want %d", c.limit, len(page.Subscribers), c.want)
		}
		if want := subs[c.want-1].SUPI; page.Next != want {
			t.Errorf("ListSubscribers(Limit %d).Next = %q, want %q", c.limit, page.Next, want)
		}
	}

	got := walk(t, s, store.ListQuery{Limit: 1 << 30}, nil)
	if len(got) != n {
		t.Errorf("walk with Limit %d = %d SUPIs, want %d", 1<<30, len(got), n)
	}
}
