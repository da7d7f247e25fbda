package sqlite

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
)

// The kept count follows every way subscribers come and go: create, a
// create refused for an existing SUPI, import, a refused import, delete,
// and stays count(*) across a reopen.
func TestSubscriberCountKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keel.db")
	s := openTest(t, path, Options{})
	ctx := t.Context()
	sub := func(i int) *store.Subscriber {
		return &store.Subscriber{SUPI: fmt.Sprintf("imsi-00101%010d", i), Auth: store.AuthData{K: secret.RandomKey128(), OPc: secret.RandomKey128()},
			NSSAI: []ident.SNSSAI{{SST: 1}}}
	}
	check := func(when string, want int) {
		t.Helper()
		n, err := s.CountSubscribers(ctx)
		var scanned int
		s.db.QueryRowContext(ctx, `SELECT count(*) FROM subscribers`).Scan(&scanned)
		if err != nil || n != want || scanned != want {
			t.Fatalf("%s: CountSubscribers() = %d, %v; count(*) %d; want %d", when, n, err, scanned, want)
		}
	}
	check("empty", 0)
	if err := s.CreateSubscriber(ctx, sub(1)); err != nil {
		t.Fatal(err)
	}
	check("after a create", 1)
	if err := s.CreateSubscriber(ctx, sub(1)); err == nil {
		t.Fatal("a second create of one SUPI succeeded")
	}
	check("after a refused create", 1)
	var batch []*store.Subscriber
	for i := 2; i < 102; i++ {
		batch = append(batch, sub(i))
	}
	if err := s.ImportSubscribers(ctx, batch); err != nil {
		t.Fatal(err)
	}
	check("after an import", 101)
	if err := s.ImportSubscribers(ctx, []*store.Subscriber{sub(500), sub(1)}); err == nil {
		t.Fatal("an import with an existing SUPI succeeded")
	}
	check("after a refused import", 101)
	if err := s.DeleteSubscriber(ctx, sub(5).SUPI); err != nil {
		t.Fatal(err)
	}
	check("after a delete", 100)
	s.Close()
	s = openTest(t, path, Options{})
	check("after reopening", 100)
}
