package memrecords

import (
	"fmt"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.RunRecords(t, func(t *testing.T) store.Records { return New() })
}

// TestSweep checks that lapsed records do not accumulate: writes remove
// them.
func TestSweep(t *testing.T) {
	m := New()
	past := time.Now().Add(-time.Second)
	for i := range 100 {
		if _, err := m.PutRecord(t.Context(), store.Record{Kind: "test.a", Key: fmt.Sprint(i), Expires: past}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 {
		if _, err := m.PutRecord(t.Context(), store.Record{Kind: "test.b", Key: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	lapsed := 0
	if k := m.kinds["test.a"]; k != nil {
		lapsed = len(k.keys)
	}
	if m.count > 20 || lapsed > 10 {
		t.Errorf("after 110 writes, 100 of them lapsed: %d records held (%d lapsed), want at most 20", m.count, lapsed)
	}
}

// TestPacked checks that values read back are those written, whatever
// they share with the values before them, and that the caller's slices
// are its own: the one written and the one read.
func TestPacked(t *testing.T) {
	m := New()
	values := []string{
		`{"supi":"imsi-001010000000001","pduSessionId":1,"dnn":"internet"}`,
		`{"supi":"imsi-001010000000002","pduSessionId":1,"dnn":"internet"}`,
		`{"supi":"imsi-001010000000002","pduSessionId":1,"dnn":"internet"}`,
		`{"supi":"imsi-001010000000003","pduSessionId":2,"dnn":"ims"}`,
		`{"supi":"imsi-0010100000000`,
		`"pduSessionId":1,"dnn":"internet"}`,
		`{"supi":"imsi-001010000000001","pduSessionId":1,"dnn":"internet"}{"supi":"imsi-001010000000001","pduSessionId":1,"dnn":"internet"}`,
		`x`,
		``,
		`{"something":"else entirely, longer than the reference and sharing nothing"}`,
		`{"something":"else entirely, longer than the reference and sharing nothing!"}`,
		`{"supi":"imsi-001010000000004","pduSessionId":1,"dnn":"internet"}`,
	}
	for i, v := range values {
		b := []byte(v)
		if _, err := m.PutRecord(t.Context(), store.Record{Kind: "test.a", Key: fmt.Sprint(i), Value: b}); err != nil {
			t.Fatal(err)
		}
		for j := range b {
			b[j] = '#'
		}
	}
	if _, err := m.PutRecord(t.Context(), store.Record{Kind: "test.a", Key: "nil"}); err != nil {
		t.Fatal(err)
	}
	for i, v := range values {
		r, err := m.GetRecord(t.Context(), "test.a", fmt.Sprint(i))
		if err != nil || string(r.Value) != v {
			t.Fatalf("GetRecord(%d) = %q, %v, want %q", i, r.Value, err, v)
		}
		for j := range r.Value {
			r.Value[j] = '#'
		}
		if r, err = m.GetRecord(t.Context(), "test.a", fmt.Sprint(i)); err != nil || string(r.Value) != v {
			t.Fatalf("GetRecord(%d) after the last read's value changed = %q, %v, want %q", i, r.Value, err, v)
		}
	}
	if r, err := m.GetRecord(t.Context(), "test.a", "nil"); err != nil || r.Value != nil {
		t.Errorf("GetRecord(nil) = %q, %v, want a nil value", r.Value, err)
	}
	list, err := m.ListRecords(t.Context(), "test.a", "", "", 100)
	if err != nil || len(list) != len(values)+1 {
		t.Fatalf("ListRecords = %d records, %v, want %d", len(list), err, len(values)+1)
	}
	for _, r := range list {
		if r.Key == "nil" {
			continue
		}
		var i int
		fmt.Sscan(r.Key, &i)
		if string(r.Value) != values[i] {
			t.Errorf("ListRecords: %s = %q, want %q", r.Key, r.Value, values[i])
		}
	}
}

// TestPackedSmall checks that values that differ in a few bytes are
// kept in about that many: 1,000 SM policy associations of as many
// SUPIs hold less than 16 bytes each of their own.
func TestPackedSmall(t *testing.T) {
	m := New()
	for i := range 1000 {
		v := fmt.Sprintf(`{"supi":"imsi-00101%010d","pduSessionId":1,"dnn":"internet","sliceInfo":{"sst":1},"decision":{"ambrUl":1000000000,"ambrDl":2000000000,"5qi":9,"arpPriority":8}}`, i)
		if _, err := m.PutRecord(t.Context(), store.Record{Kind: "test.a", Key: fmt.Sprint(i), Value: []byte(v)}); err != nil {
			t.Fatal(err)
		}
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	own, refs := 0, map[*string]bool{}
	for _, e := range m.kinds["test.a"].keys {
		own += len(e.value.mid)
		refs[e.value.ref] = true
	}
	if own > 16*1000 || len(refs) > 2 {
		t.Errorf("1,000 values differing in their SUPI: %d bytes of their own, %d references; want at most 16,000 and 2", own, len(refs))
	}
}
