package sqlite

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/store"
)

// BenchmarkRecordCycle is the records' cost of one AUSF authentication:
// a context created, read and deleted at its revision.
func BenchmarkRecordCycle(b *testing.B) {
	s, err := Open(b.Context(), filepath.Join(b.TempDir(), "keel.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := b.Context()
	value := make([]byte, 110)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		key := "ctx-" + strconv.Itoa(i)
		i++
		if _, err := s.PutRecord(ctx, store.Record{Kind: "ausf.auth-ctx", Key: key, Value: value, Expect: store.MustCreate, Expires: time.Now().Add(30 * time.Second)}); err != nil {
			b.Fatal(err)
		}
		r, err := s.GetRecord(ctx, "ausf.auth-ctx", key)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.DeleteRecord(ctx, "ausf.auth-ctx", key, r.Revision); err != nil {
			b.Fatal(err)
		}
	}
}
