package udr_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/postgres"
	"github.com/keelcore/keel/internal/store/postgres/pgtest"
	"github.com/keelcore/keel/internal/store/sqlite"
	"github.com/keelcore/keel/internal/udr"
)

// notified records the SUPIs a UDR notifies (Nudr_DM_Notify).
type notified chan string

func (n notified) SubscriptionDataChanged(_ context.Context, supi string) { n <- supi }

func (n notified) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-n:
		return s
	case <-time.After(30 * time.Second):
		t.Fatal("no notification within 30 s")
		return ""
	}
}

// startUDR builds a UDR over st watching its changes, until the test ends.
func startUDR(t *testing.T, st interface {
	store.Store
	store.ChangeNotifier
}) *udr.UDR {
	t.Helper()
	u, err := udr.New(st, udr.Options{Changes: st})
	if err != nil {
		t.Fatal(err)
	}
	u.Start()
	t.Cleanup(u.Stop)
	select {
	case <-u.Watching():
	case <-time.After(30 * time.Second):
		t.Fatal("the UDR's watch of changes not in place within 30 s")
	}
	return u
}

// changeThrough updates the subscriber through one UDR instance's store
// and checks that another instance, sharing the database, notifies its
// subscribers and serves the new data at once, though it had the old
// cached (TS 23.502 §4.16.9 step 2).
func changeThrough(t *testing.T, writer store.Store, reader *udr.UDR, n notified) {
	t.Helper()
	ctx := t.Context()
	sub := &store.Subscriber{SUPI: "imsi-001010000000021",
		Auth:   store.AuthData{K: secret.RandomKey128(), OPc: secret.RandomKey128()},
		UEAMBR: store.AMBR{Uplink: 1000, Downlink: 2000}}
	if err := writer.CreateSubscriber(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if am, err := reader.AccessAndMobilitySubscription(ctx, sub.SUPI); err != nil || am.UEAMBRUplink != 1000 {
		t.Fatalf("AccessAndMobilitySubscription() = %+v, %v, want UE-AMBR uplink 1000", am, err)
	}
	sub.UEAMBR.Uplink = 3000
	if err := writer.UpdateSubscriber(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if got := n.next(t); got != sub.SUPI {
		t.Fatalf("notified %s, want %s", got, sub.SUPI)
	}
	if am, err := reader.AccessAndMobilitySubscription(ctx, sub.SUPI); err != nil || am.UEAMBRUplink != 3000 {
		t.Errorf("AccessAndMobilitySubscription() after the change = %+v, %v, want UE-AMBR uplink 3000", am, err)
	}
}

// TestChangeReachesOtherUDR: two UDR instances over one PostgreSQL
// database; a change written through the first is notified by the second.
func TestChangeReachesOtherUDR(t *testing.T) {
	url := pgtest.NewDatabase(t)
	open := func() *postgres.Store {
		s, err := postgres.Open(t.Context(), url, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	startUDR(t, a)
	ub := startUDR(t, b)
	n := make(notified, 8)
	ub.Subscribe(n)
	changeThrough(t, a, ub, n)
}

// TestChangeNotifiedSQLite: the SQLite engine announces its own changes.
func TestChangeNotifiedSQLite(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "keel.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	u := startUDR(t, st)
	n := make(notified, 8)
	u.Subscribe(n)
	changeThrough(t, st, u, n)
}
