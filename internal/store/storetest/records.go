package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/store"
)

// RunRecords runs the conformance suite of store.Records. open must return
// new, empty records each time it is called, whose Close (io.Closer) RunRecords
// calls when the subtest ends.
//
// Beyond the interface's documentation the suite pins down:
//   - kinds and keys store.CheckRecordKey refuses, values over
//     store.MaxRecordSize and an Expect below store.MustCreate are refused
//     with an error wrapping store.ErrInvalidRecord, and nothing is stored;
//   - revisions are positive and grow with every write, including across a
//     delete and a new create of the same key (no revision is seen twice by
//     a compare-and-set);
//   - a record whose Expires has passed is absent for every call: Get and
//     Delete answer store.ErrNotFound, List skips it, a write expecting its
//     revision gets store.ErrConflict and a MustCreate succeeds;
//   - Get and List return Expect 0 and the Expires written (to the
//     microsecond: PostgreSQL's precision);
//   - ListRecords with limit ≤ 0 means store.MaxPageSize;
//   - calls after Close fail.
func RunRecords(t *testing.T, open func(t *testing.T) store.Records) {
	tests := []struct {
		name string
		fn   func(t *testing.T, r store.Records)
	}{
		{"CreateGet", testRecordCreateGet},
		{"Kinds", testRecordKinds},
		{"MustCreate", testRecordMustCreate},
		{"Expect", testRecordExpect},
		{"RevisionsGrow", testRecordRevisionsGrow},
		{"Delete", testRecordDelete},
		{"Expired", testRecordExpired},
		{"Expires", testRecordExpires},
		{"List", testRecordList},
		{"ListPages", testRecordListPages},
		{"Refused", testRecordRefused},
		{"MaxSize", testRecordMaxSize},
		{"CompareAndSetConcurrent", testRecordCASConcurrent},
		{"MustCreateConcurrent", testRecordMustCreateConcurrent},
		{"Close", testRecordClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := open(t)
			c, ok := r.(io.Closer)
			if !ok {
				t.Fatalf("%T has no Close method", r)
			}
			t.Cleanup(func() {
				if err := c.Close(); err != nil {
					t.Errorf("Close() = %v, want nil", err)
				}
			})
			tt.fn(t, r)
		})
	}
}

const (
	kindA store.RecordKind = "test.a"
	kindB store.RecordKind = "test.b"
)

// put writes rec or fails the test, returning the new revision.
func put(t *testing.T, r store.Records, rec store.Record) int64 {
	t.Helper()
	rev, err := r.PutRecord(t.Context(), rec)
	if err != nil {
		t.Fatalf("PutRecord(%s %q, expect %d) = %v, want nil error", rec.Kind, rec.Key, rec.Expect, err)
	}
	if rev <= 0 {
		t.Fatalf("PutRecord(%s %q) = revision %d, want > 0", rec.Kind, rec.Key, rev)
	}
	return rev
}

// get reads a record or fails the test.
func get(t *testing.T, r store.Records, kind store.RecordKind, key string) store.Record {
	t.Helper()
	rec, err := r.GetRecord(t.Context(), kind, key)
	if err != nil {
		t.Fatalf("GetRecord(%s %q) = %v, want nil error", kind, key, err)
	}
	return rec
}

// wantRecord checks a record read back against what was written.
func wantRecord(t *testing.T, got store.Record, kind store.RecordKind, key string, value []byte, rev int64, expires time.Time) {
	t.Helper()
	if got.Kind != kind || got.Key != key {
		t.Errorf("record = %s %q, want %s %q", got.Kind, got.Key, kind, key)
	}
	if !bytes.Equal(got.Value, value) {
		t.Errorf("record %q value = %q, want %q", key, got.Value, value)
	}
	if got.Revision != rev {
		t.Errorf("record %q revision = %d, want %d", key, got.Revision, rev)
	}
	if got.Expect != 0 {
		t.Errorf("record %q Expect = %d, want 0", key, got.Expect)
	}
	if expires.IsZero() != got.Expires.IsZero() || got.Expires.Sub(expires).Abs() >= time.Microsecond {
		t.Errorf("record %q Expires = %v, want %v", key, got.Expires, expires)
	}
}

// wantNotFound checks that the record is absent.
func wantNotFound(t *testing.T, r store.Records, kind store.RecordKind, key string) {
	t.Helper()
	if rec, err := r.GetRecord(t.Context(), kind, key); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetRecord(%s %q) = %q rev %d, %v, want ErrNotFound", kind, key, rec.Value, rec.Revision, err)
	}
}

func testRecordCreateGet(t *testing.T, r store.Records) {
	wantNotFound(t, r, kindA, "k1")
	rev := put(t, r, store.Record{Kind: kindA, Key: "k1", Value: []byte("one")})
	wantRecord(t, get(t, r, kindA, "k1"), kindA, "k1", []byte("one"), rev, time.Time{})

	// Expect 0 replaces whatever is there.
	rev2 := put(t, r, store.Record{Kind: kindA, Key: "k1", Value: []byte("two")})
	if rev2 <= rev {
		t.Errorf("replacing revision %d gave revision %d, want larger", rev, rev2)
	}
	wantRecord(t, get(t, r, kindA, "k1"), kindA, "k1", []byte("two"), rev2, time.Time{})

	// Revision and an empty value: the former is ignored, the latter kept.
	rev3 := put(t, r, store.Record{Kind: kindA, Key: "k1", Revision: 12345678})
	got := get(t, r, kindA, "k1")
	wantRecord(t, got, kindA, "k1", nil, rev3, time.Time{})

	// Binary values and keys in any script.
	bin := []byte{0, 1, 0xff, 0xfe, '\n', 0}
	key := "imsi-001010000000001/ctx-é日本"
	rev4 := put(t, r, store.Record{Kind: kindA, Key: key, Value: bin})
	wantRecord(t, get(t, r, kindA, key), kindA, key, bin, rev4, time.Time{})

	// The engine keeps no reference to the caller's slice.
	buf := []byte("mutable")
	rev5 := put(t, r, store.Record{Kind: kindA, Key: "k2", Value: buf})
	copy(buf, "XXXXXXX")
	g := get(t, r, kindA, "k2")
	wantRecord(t, g, kindA, "k2", []byte("mutable"), rev5, time.Time{})
	g.Value[0] = 'Y'
	wantRecord(t, get(t, r, kindA, "k2"), kindA, "k2", []byte("mutable"), rev5, time.Time{})
}

func testRecordKinds(t *testing.T, r store.Records) {
	ra := put(t, r, store.Record{Kind: kindA, Key: "same", Value: []byte("a")})
	rb := put(t, r, store.Record{Kind: kindB, Key: "same", Value: []byte("b"), Expect: store.MustCreate})
	wantRecord(t, get(t, r, kindA, "same"), kindA, "same", []byte("a"), ra, time.Time{})
	wantRecord(t, get(t, r, kindB, "same"), kindB, "same", []byte("b"), rb, time.Time{})
	if err := r.DeleteRecord(t.Context(), kindA, "same", 0); err != nil {
		t.Fatalf("DeleteRecord(%s same) = %v", kindA, err)
	}
	wantNotFound(t, r, kindA, "same")
	wantRecord(t, get(t, r, kindB, "same"), kindB, "same", []byte("b"), rb, time.Time{})
	list, err := r.ListRecords(t.Context(), kindB, "", "", 10)
	if err != nil || len(list) != 1 || list[0].Kind != kindB {
		t.Errorf("ListRecords(%s) = %d records, %v, want the one of kind %s", kindB, len(list), err, kindB)
	}
}

func testRecordMustCreate(t *testing.T, r store.Records) {
	rev := put(t, r, store.Record{Kind: kindA, Key: "k", Value: []byte("first"), Expect: store.MustCreate})
	_, err := r.PutRecord(t.Context(), store.Record{Kind: kindA, Key: "k", Value: []byte("second"), Expect: store.MustCreate})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("PutRecord(MustCreate) over an existing record = %v, want ErrConflict", err)
	}
	wantRecord(t, get(t, r, kindA, "k"), kindA, "k", []byte("first"), rev, time.Time{})
}

func testRecordExpect(t *testing.T, r store.Records) {
	ctx := t.Context()
	rev := put(t, r, store.Record{Kind: kindA, Key: "k", Value: []byte("v1")})
	rev2 := put(t, r, store.Record{Kind: kindA, Key: "k", Value: []byte("v2"), Expect: rev})
	if rev2 <= rev {
		t.Fatalf("compare-and-set at %d gave revision %d, want larger", rev, rev2)
	}
	// A writer still holding the old revision loses.
	if _, err := r.PutRecord(ctx, store.Record{Kind: kindA, Key: "k", Value: []byte("stale"), Expect: rev}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("PutRecord(expect stale %d, current %d) = %v, want ErrConflict", rev, rev2, err)
	}
	// So does one expecting a revision the record never had.
	if _, err := r.PutRecord(ctx, store.Record{Kind: kindA, Key: "k", Value: []byte("future"), Expect: rev2 + 1000}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("PutRecord(expect %d, current %d) = %v, want ErrConflict", rev2+1000, rev2, err)
	}
	wantRecord(t, get(t, r, kindA, "k"), kindA, "k", []byte("v2"), rev2, time.Time{})
	// Expecting a revision of a record that does not exist creates nothing.
	if _, err := r.PutRecord(ctx, store.Record{Kind: kindA, Key: "absent", Value: []byte("x"), Expect: rev2}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("PutRecord(expect %d) of an absent record = %v, want ErrConflict", rev2, err)
	}
	wantNotFound(t, r, kindA, "absent")
	// Nor one in another kind with the same key.
	if _, err := r.PutRecord(ctx, store.Record{Kind: kindB, Key: "k", Value: []byte("x"), Expect: rev2}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("PutRecord(%s, expect the revision of %s's record) = %v, want ErrConflict", kindB, kindA, err)
	}
}

func testRecordRevisionsGrow(t *testing.T, r store.Records) {
	ctx := t.Context()
	var last int64
	seen := map[int64]bool{}
	check := func(rev int64, what string) {
		t.Helper()
		if rev <= last {
			t.Errorf("%s: revision %d, want above %d", what, rev, last)
		}
		if seen[rev] {
			t.Errorf("%s: revision %d seen before", what, rev)
		}
		seen[rev] = true
		last = rev
	}
	for i := range 5 {
		check(put(t, r, store.Record{Kind: kindA, Key: "k", Value: []byte{byte(i)}}), "replace")
	}
	old := last
	if err := r.DeleteRecord(ctx, kindA, "k", 0); err != nil {
		t.Fatalf("DeleteRecord = %v", err)
	}
	// A record created again after a delete: a writer still holding the
	// old revision must not win against it.
	check(put(t, r, store.Record{Kind: kindA, Key: "k", Value: []byte("again"), Expect: store.MustCreate}), "create after delete")
	if _, err := r.PutRecord(ctx, store.Record{Kind: kindA, Key: "k", Value: []byte("stale"), Expect: old}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("PutRecord(expect %d of the deleted record) = %v, want ErrConflict", old, err)
	}
	// Other keys' writes do not reuse a revision of this one's either.
	for i := range 5 {
		check(put(t, r, store.Record{Kind: kindB, Key: strconv.Itoa(i), Value: []byte("x")}), "other key")
	}
	check(put(t, r, store.Record{Kind: kindA, Key: "k", Value: []byte("last"), Expect: last - 5}), "compare-and-set")
}

func testRecordDelete(t *testing.T, r store.Records) {
	ctx := t.Context()
	if err := r.DeleteRecord(ctx, kindA, "absent", 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteRecord(absent) = %v, want ErrNotFound", err)
	}
	if err := r.DeleteRecord(ctx, kindA, "absent", 7); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteRecord(absent, expect 7) = %v, want ErrNotFound", err)
	}
	rev := put(t, r, store.Record{Kind: kindA, Key: "k", Value: []byte("v")})
	if err := r.DeleteRecord(ctx, kindA, "k", rev+1); !errors.Is(err, store.ErrConflict) {
		t.Errorf("DeleteRecord(expect %d, current %d) = %v, want ErrConflict", rev+1, rev, err)
	}
	wantRecord(t, get(t, r, kindA, "k"), kindA, "k", []byte("v"), rev, time.Time{})
	if err := r.DeleteRecord(ctx, kindA, "k", rev); err != nil {
		t.Errorf("DeleteRecord(expect %d, current) = %v, want nil", rev, err)
	}
	wantNotFound(t, r, kindA, "k")
	if err := r.DeleteRecord(ctx, kindA, "k", 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteRecord(deleted) = %v, want ErrNotFound", err)
	}

	put(t, r, store.Record{Kind: kindA, Key: "k2", Value: []byte("v")})
	if err := r.DeleteRecord(ctx, kindA, "k2", 0); err != nil {
		t.Errorf("DeleteRecord(k2) = %v, want nil", err)
	}
	wantNotFound(t, r, kindA, "k2")
	if list, err := r.ListRecords(ctx, kindA, "", "", 0); err != nil || len(list) != 0 {
		t.Errorf("ListRecords after deletes = %d records, %v, want none", len(list), err)
	}
}

func testRecordExpired(t *testing.T, r store.Records) {
	ctx := t.Context()
	past := time.Now().Add(-time.Second)
	rev := put(t, r, store.Record{Kind: kindA, Key: "gone", Value: []byte("v"), Expires: past})
	put(t, r, store.Record{Kind: kindA, Key: "live", Value: []byte("v"), Expires: time.Now().Add(time.Hour)})
	wantNotFound(t, r, kindA, "gone")
	list, err := r.ListRecords(ctx, kindA, "", "", 10)
	if err != nil || len(list) != 1 || list[0].Key != "live" {
		t.Errorf("ListRecords with one expired record = %v, %v, want only live", keysOf(list), err)
	}
	if _, err := r.PutRecord(ctx, store.Record{Kind: kindA, Key: "gone", Value: []byte("v2"), Expect: rev}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("PutRecord(expect the revision of an expired record) = %v, want ErrConflict", err)
	}
	if err := r.DeleteRecord(ctx, kindA, "gone", 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteRecord(expired) = %v, want ErrNotFound", err)
	}
	rev2 := put(t, r, store.Record{Kind: kindA, Key: "gone", Value: []byte("new"), Expect: store.MustCreate})
	if rev2 <= rev {
		t.Errorf("create over an expired record: revision %d, want above %d", rev2, rev)
	}
	wantRecord(t, get(t, r, kindA, "gone"), kindA, "gone", []byte("new"), rev2, time.Time{})
}

func testRecordExpires(t *testing.T, r store.Records) {
	ctx := t.Context()
	far := time.Now().Add(time.Hour).Round(time.Microsecond)
	rev := put(t, r, store.Record{Kind: kindA, Key: "far", Value: []byte("v"), Expires: far})
	wantRecord(t, get(t, r, kindA, "far"), kindA, "far", []byte("v"), rev, far)
	// A replacement without Expires lives until deleted.
	rev = put(t, r, store.Record{Kind: kindA, Key: "far", Value: []byte("v2"), Expect: rev})
	wantRecord(t, get(t, r, kindA, "far"), kindA, "far", []byte("v2"), rev, time.Time{})

	// A record lapses when its time comes, without anyone touching it.
	soon := time.Now().Add(100 * time.Millisecond).Round(time.Microsecond)
	rev = put(t, r, store.Record{Kind: kindA, Key: "soon", Value: []byte("v"), Expires: soon})
	if rec, err := r.GetRecord(ctx, kindA, "soon"); err == nil {
		wantRecord(t, rec, kindA, "soon", []byte("v"), rev, soon)
	} else if !errors.Is(err, store.ErrNotFound) || time.Now().Before(soon) {
		t.Fatalf("GetRecord(soon) before it lapsed = %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := r.GetRecord(ctx, kindA, "soon")
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			t.Fatalf("GetRecord(soon) = %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GetRecord(soon) still finds the record 10 s after its expiry")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !time.Now().After(soon) {
		t.Errorf("record lapsed before its Expires %v", soon)
	}
	list, err := r.ListRecords(ctx, kindA, "", "", 10)
	if err != nil || len(list) != 1 || list[0].Key != "far" {
		t.Errorf("ListRecords after a lapse = %v, %v, want [far]", keysOf(list), err)
	}
}

func keysOf(list []store.Record) []string {
	keys := make([]string, len(list))
	for i, rec := range list {
		keys[i] = rec.Key
	}
	return keys
}

func testRecordList(t *testing.T, r store.Records) {
	ctx := t.Context()
	revs := map[string]int64{}
	// Written out of order; "b" sorts after "a/..." and "a0".
	for _, k := range []string{"b", "a/2", "a0", "a/10", "a/1", "a", "a/1/x", "é", "z"} {
		revs[k] = put(t, r, store.Record{Kind: kindA, Key: k, Value: []byte("v" + k)})
	}
	put(t, r, store.Record{Kind: kindB, Key: "a/3", Value: []byte("other kind")})
	tests := []struct {
		prefix, after string
		limit         int
		want          []string
	}{
		{"", "", 100, []string{"a", "a/1", "a/1/x", "a/10", "a/2", "a0", "b", "z", "é"}},
		{"", "", 0, []string{"a", "a/1", "a/1/x", "a/10", "a/2", "a0", "b", "z", "é"}},
		{"", "", -1, []string{"a", "a/1", "a/1/x", "a/10", "a/2", "a0", "b", "z", "é"}},
		{"a/", "", 100, []string{"a/1", "a/1/x", "a/10", "a/2"}},
		{"a/1", "", 100, []string{"a/1", "a/1/x", "a/10"}},
		{"a/", "a/1", 100, []string{"a/1/x", "a/10", "a/2"}},
		{"a/", "a/1/x", 2, []string{"a/10", "a/2"}},
		{"a/", "a/2", 100, nil},
		{"", "a0", 2, []string{"b", "z"}},
		{"", "", 3, []string{"a", "a/1", "a/1/x"}},
		{"a", "", 100, []string{"a", "a/1", "a/1/x", "a/10", "a/2", "a0"}},
		{"c", "", 100, nil},
		{"é", "", 100, []string{"é"}},
		{"a/", "0", 100, []string{"a/1", "a/1/x", "a/10", "a/2"}},
		{"", "zz", 100, []string{"é"}},
	}
	for _, tt := range tests {
		list, err := r.ListRecords(ctx, kindA, tt.prefix, tt.after, tt.limit)
		if err != nil {
			t.Errorf("ListRecords(%q, %q, %d) = %v", tt.prefix, tt.after, tt.limit, err)
			continue
		}
		if got := keysOf(list); fmt.Sprint(got) != fmt.Sprint(tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
			t.Errorf("ListRecords(%q, %q, %d) = %q, want %q", tt.prefix, tt.after, tt.limit, got, tt.want)
		}
		for _, rec := range list {
			wantRecord(t, rec, kindA, rec.Key, []byte("v"+rec.Key), revs[rec.Key], time.Time{})
		}
	}
}

func testRecordListPages(t *testing.T, r store.Records) {
	ctx := t.Context()
	n := store.MaxPageSize + 20
	for i := range n {
		put(t, r, store.Record{Kind: kindA, Key: fmt.Sprintf("k%05d", i), Value: []byte("v")})
	}
	list, err := r.ListRecords(ctx, kindA, "", "", n)
	if err != nil || len(list) != store.MaxPageSize {
		t.Fatalf("ListRecords(limit %d) = %d records, %v, want %d", n, len(list), err, store.MaxPageSize)
	}
	// Paging on the last key returned reaches every record once.
	var all []string
	after := ""
	for {
		page, err := r.ListRecords(ctx, kindA, "k", after, 300)
		if err != nil {
			t.Fatalf("ListRecords(after %q) = %v", after, err)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, keysOf(page)...)
		after = page[len(page)-1].Key
	}
	if len(all) != n {
		t.Fatalf("paging found %d records, want %d", len(all), n)
	}
	for i, k := range all {
		if want := fmt.Sprintf("k%05d", i); k != want {
			t.Fatalf("paging: record %d is %q, want %q", i, k, want)
		}
	}
}

func testRecordRefused(t *testing.T, r store.Records) {
	ctx := t.Context()
	long := strings.Repeat("k", store.MaxRecordKeySize)
	put(t, r, store.Record{Kind: kindA, Key: long, Value: []byte("longest key")})
	refused := []store.Record{
		{Kind: kindA, Key: long + "k"},
		{Kind: kindA, Key: ""},
		{Kind: kindA, Key: "bad\xffutf8"},
		{Kind: kindA, Key: "nul\x00"},
		{Kind: "", Key: "k"},
		{Kind: "Upper.Case", Key: "k"},
		{Kind: store.RecordKind(strings.Repeat("k", store.MaxRecordKindSize+1)), Key: "k"},
		{Kind: kindA, Key: "k", Expect: -2},
	}
	for _, rec := range refused {
		if _, err := r.PutRecord(ctx, rec); !errors.Is(err, store.ErrInvalidRecord) {
			t.Errorf("PutRecord(%q %q, expect %d) = %v, want ErrInvalidRecord", rec.Kind, rec.Key, rec.Expect, err)
		}
		if rec.Expect != 0 {
			continue
		}
		if _, err := r.GetRecord(ctx, rec.Kind, rec.Key); !errors.Is(err, store.ErrInvalidRecord) {
			t.Errorf("GetRecord(%q %q) = %v, want ErrInvalidRecord", rec.Kind, rec.Key, err)
		}
		if err := r.DeleteRecord(ctx, rec.Kind, rec.Key, 0); !errors.Is(err, store.ErrInvalidRecord) {
			t.Errorf("DeleteRecord(%q %q) = %v, want ErrInvalidRecord", rec.Kind, rec.Key, err)
		}
	}
	if _, err := r.ListRecords(ctx, "", "", "", 10); !errors.Is(err, store.ErrInvalidRecord) {
		t.Errorf("ListRecords(empty kind) = %v, want ErrInvalidRecord", err)
	}
	list, err := r.ListRecords(ctx, kindA, "", "", 10)
	if err != nil || len(list) != 1 || list[0].Key != long {
		t.Errorf("ListRecords after refusals = %d records, %v, want only the longest key", len(list), err)
	}
}

func testRecordMaxSize(t *testing.T, r store.Records) {
	ctx := t.Context()
	big := bytes.Repeat([]byte{0xa5}, store.MaxRecordSize)
	rev := put(t, r, store.Record{Kind: kindA, Key: "big", Value: big})
	wantRecord(t, get(t, r, kindA, "big"), kindA, "big", big, rev, time.Time{})
	tooBig := append(big, 0)
	if _, err := r.PutRecord(ctx, store.Record{Kind: kindA, Key: "big", Value: tooBig}); !errors.Is(err, store.ErrInvalidRecord) {
		t.Errorf("PutRecord(%d bytes) = %v, want ErrInvalidRecord", len(tooBig), err)
	}
	if _, err := r.PutRecord(ctx, store.Record{Kind: kindA, Key: "other", Value: tooBig}); !errors.Is(err, store.ErrInvalidRecord) {
		t.Errorf("PutRecord(%d bytes) = %v, want ErrInvalidRecord", len(tooBig), err)
	}
	wantRecord(t, get(t, r, kindA, "big"), kindA, "big", big, rev, time.Time{})
	wantNotFound(t, r, kindA, "other")
}

// testRecordCASConcurrent has goroutines increment one counter by
// compare-and-set: every increment that returned success is in the final
// value, so no update was lost.
func testRecordCASConcurrent(t *testing.T, r store.Records) {
	const workers, each = 8, 25
	ctx := t.Context()
	put(t, r, store.Record{Kind: kindA, Key: "counter", Value: []byte("0")})
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	var mu sync.Mutex
	revs := map[int64]bool{}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done := 0; done < each; {
				rec, err := r.GetRecord(ctx, kindA, "counter")
				if err != nil {
					errs <- fmt.Errorf("GetRecord = %w", err)
					return
				}
				n, err := strconv.Atoi(string(rec.Value))
				if err != nil {
					errs <- fmt.Errorf("counter %q: %w", rec.Value, err)
					return
				}
				rev, err := r.PutRecord(ctx, store.Record{Kind: kindA, Key: "counter", Value: []byte(strconv.Itoa(n + 1)), Expect: rec.Revision})
				if errors.Is(err, store.ErrConflict) {
					continue
				}
				if err != nil {
					errs <- fmt.Errorf("PutRecord = %w", err)
					return
				}
				mu.Lock()
				dup := revs[rev]
				revs[rev] = true
				mu.Unlock()
				if dup {
					errs <- fmt.Errorf("revision %d returned to two writers", rev)
					return
				}
				done++
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := string(get(t, r, kindA, "counter").Value); got != strconv.Itoa(workers*each) {
		t.Errorf("counter after %d increments = %s, want %d", workers*each, got, workers*each)
	}
}

// testRecordMustCreateConcurrent races creators of one record: exactly one
// wins.
func testRecordMustCreateConcurrent(t *testing.T, r store.Records) {
	const workers = 16
	ctx := t.Context()
	var wg sync.WaitGroup
	results := make(chan error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := r.PutRecord(ctx, store.Record{Kind: kindA, Key: "one", Value: []byte(strconv.Itoa(i)), Expect: store.MustCreate})
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	won := 0
	for err := range results {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("PutRecord(MustCreate) = %v, want nil or ErrConflict", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent creates won, want 1", won, workers)
	}
}

func testRecordClose(t *testing.T, r store.Records) {
	ctx := t.Context()
	rev := put(t, r, store.Record{Kind: kindA, Key: "k", Value: []byte("v")})
	if err := r.(io.Closer).Close(); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}
	if _, err := r.GetRecord(ctx, kindA, "k"); err == nil {
		t.Errorf("GetRecord after Close = nil error, want an error")
	}
	if _, err := r.PutRecord(ctx, store.Record{Kind: kindA, Key: "k", Value: []byte("v2"), Expect: rev}); err == nil {
		t.Errorf("PutRecord after Close = nil error, want an error")
	}
	if err := r.DeleteRecord(ctx, kindA, "k", 0); err == nil {
		t.Errorf("DeleteRecord after Close = nil error, want an error")
	}
	if _, err := r.ListRecords(ctx, kindA, "", "", 10); err == nil {
		t.Errorf("ListRecords after Close = nil error, want an error")
	}
}
