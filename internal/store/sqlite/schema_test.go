package sqlite

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
)

// rawDB opens path with the store's pragmas but without Open's checks and
// migrations.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path, time.Second))
	if err != nil {
		t.Fatalf("sql.Open(%s) = %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(t.Context(), query, args...); err != nil {
		t.Fatalf("%s = %v", query, err)
	}
}

func userVersion(t *testing.T, db *sql.DB) int {
	t.Helper()
	var v int
	if err := db.QueryRowContext(t.Context(), "PRAGMA user_version").Scan(&v); err != nil {
		t.Fatalf("PRAGMA user_version = %v", err)
	}
	return v
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile(%s) = %v", path, err)
	}
	return sha256.Sum256(b)
}

func TestOpenFresh(t *testing.T) {
	// Characters that mean something in a URI must reach the file name.
	path := filepath.Join(t.TempDir(), "keel 1?#%20.db")
	s := openTest(t, path, Options{})
	sub := &store.Subscriber{SUPI: "imsi-001010000000001", Auth: store.AuthData{K: secret.RandomKey128(), SQN: 7}}
	if err := s.CreateSubscriber(t.Context(), sub); err != nil {
		t.Fatalf("CreateSubscriber = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("Stat(%s) after Open = %v", path, err)
	}

	db := rawDB(t, path)
	if got, want := userVersion(t, db), len(schema()); got != want {
		t.Errorf("user_version of a fresh database = %d, want %d", got, want)
	}
	var mode string
	if err := db.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("PRAGMA journal_mode = %q, %v, want wal", mode, err)
	}
	db.Close()

	s = openTest(t, path, Options{})
	got, err := s.GetSubscriber(t.Context(), sub.SUPI)
	if err != nil {
		t.Fatalf("GetSubscriber after reopen = %v", err)
	}
	if got.Auth.SQN != 7 || !got.Auth.K.Equal(sub.Auth.K) {
		t.Errorf("GetSubscriber after reopen = SQN %d, want 7 and the same K", got.Auth.SQN)
	}
}

// TestMigrateFromVersion1 builds a database with the first migration only,
// as the first release wrote it, and checks that Open upgrades it.
func TestMigrateFromVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keel.db")
	db := rawDB(t, path)
	if from, to, err := migrate(t.Context(), db, schema()[:1]); err != nil || from != 0 || to != 1 {
		t.Fatalf("migrate(first step) = %d, %d, %v, want 0, 1, nil", from, to, err)
	}
	k, opc := secret.RandomKey128(), secret.RandomKey128()
	mustExec(t, db, `INSERT INTO subscribers (`+subscriberColumns+`) VALUES (?, ?, ?, 0, 32768, 99, 1000, 2000, ?, ?)`,
		"imsi-001010000000001", k.Bytes(), opc.Bytes(),
		`[{"sst":1},{"sst":2,"sd":"00000a"}]`,
		`[{"dnn":"internet","snssai":{"sst":1},"session_ambr":{"uplink":10,"downlink":20},"5qi":9,"arp_priority":8},`+
			`{"dnn":"internet","snssai":{"sst":2,"sd":"00000a"},"session_ambr":{"uplink":10,"downlink":20},"5qi":9,"arp_priority":8},`+
			`{"dnn":"ims","snssai":{"sst":1},"session_ambr":{"uplink":1,"downlink":2},"5qi":5,"arp_priority":1,"static_ipv4":"10.0.0.1"}]`)
	mustExec(t, db, `INSERT INTO subscribers (`+subscriberColumns+`) VALUES (?, ?, ?, 1, 0, 0, 0, 0, '[]', '[]')`,
		"imsi-001010000000002", k.Bytes(), opc.Bytes())
	if err := db.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}

	var logs bytes.Buffer
	s := openTest(t, path, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if to := fmt.Sprintf("from=1 to=%d", len(schema())); !strings.Contains(logs.String(), "schema migrated") || !strings.Contains(logs.String(), to) {
		t.Errorf("Open log = %q, want a record of the migration %s", logs.String(), to)
	}
	want := &store.Subscriber{
		SUPI:   "imsi-001010000000001",
		Auth:   store.AuthData{K: k, OPc: opc, AMF: [2]byte{0x80, 0x00}, SQN: 99},
		UEAMBR: store.AMBR{Uplink: 1000, Downlink: 2000},
		NSSAI:  []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 10, HasSD: true}},
		// Migration 5 marks the first slice default, as it was.
		DefaultNSSAI: []ident.SNSSAI{{SST: 1}},
		DNNs: []store.DNNConfig{
			{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBR: store.AMBR{Uplink: 10, Downlink: 20}, FiveQI: 9, ARPPriority: 8},
			{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 2, SD: 10, HasSD: true}, SessionAMBR: store.AMBR{Uplink: 10, Downlink: 20}, FiveQI: 9, ARPPriority: 8},
			{DNN: "ims", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBR: store.AMBR{Uplink: 1, Downlink: 2}, FiveQI: 5, ARPPriority: 1, StaticIPv4: netip.MustParseAddr("10.0.0.1")},
		},
	}
	got, err := s.GetSubscriber(t.Context(), want.SUPI)
	if err != nil {
		t.Fatalf("GetSubscriber(%s) after upgrade = %v", want.SUPI, err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateComparable(netip.Addr{})); diff != "" {
		t.Errorf("GetSubscriber(%s) after upgrade mismatch (-want +got):\n%s", want.SUPI, diff)
	}
	for dnn, wantN := range map[string]int{"internet": 1, "ims": 1, "iot": 0} {
		page, err := s.ListSubscribers(t.Context(), store.ListQuery{DNN: dnn})
		if err != nil {
			t.Fatalf("ListSubscribers(DNN %s) = %v", dnn, err)
		}
		if len(page.Subscribers) != wantN {
			t.Errorf("ListSubscribers(DNN %s) after upgrade = %d subscribers, want %d", dnn, len(page.Subscribers), wantN)
		}
	}
	if n, err := s.CountSubscribers(t.Context()); err != nil || n != 2 {
		t.Errorf("CountSubscribers() after upgrade = %d, %v, want 2, nil", n, err)
	}
	s.Close()
	if got, want := userVersion(t, rawDB(t, path)), len(schema()); got != want {
		t.Errorf("user_version after upgrade = %d, want %d", got, want)
	}
}

// TestMigrateStaticAddresses upgrades a database of version 2 whose
// subscribers already hold static addresses, two of them one address:
// the first in SUPI order holds it, the other cannot be given it again by
// an update, and every other address is held by its subscriber.
func TestMigrateStaticAddresses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keel.db")
	db := rawDB(t, path)
	if _, _, err := migrate(t.Context(), db, schema()[:2]); err != nil {
		t.Fatalf("migrate(two steps) = %v", err)
	}
	k := secret.RandomKey128()
	for _, c := range []struct{ supi, dnns string }{
		{"imsi-001010000000001", `[{"dnn":"ims","snssai":{"sst":1},"session_ambr":{"uplink":1,"downlink":2},"5qi":5,"arp_priority":1,"static_ipv4":"10.0.0.9","static_ipv6":"2001:db8:0:1::5"}]`},
		{"imsi-001010000000002", `[{"dnn":"ims","snssai":{"sst":1},"session_ambr":{"uplink":1,"downlink":2},"5qi":5,"arp_priority":1,"static_ipv4":"10.0.0.9"}]`},
	} {
		mustExec(t, db, `INSERT INTO subscribers (`+subscriberColumns+`) VALUES (?, ?, ?, 0, 32768, 0, 0, 0, '[{"sst":1}]', ?)`, c.supi, k.Bytes(), k.Bytes(), c.dnns)
	}
	db.Close()

	s := openTest(t, path, Options{})
	ctx := t.Context()
	second, err := s.GetSubscriber(ctx, "imsi-001010000000002")
	if err != nil {
		t.Fatalf("GetSubscriber = %v", err)
	}
	if err := s.UpdateSubscriber(ctx, second); !errors.Is(err, store.ErrAddressInUse) {
		t.Errorf("UpdateSubscriber(second holder of 10.0.0.9) = %v, want ErrAddressInUse", err)
	}
	third := &store.Subscriber{SUPI: "imsi-001010000000003", Auth: store.AuthData{K: k, OPc: k}, NSSAI: []ident.SNSSAI{{SST: 1}},
		DNNs: []store.DNNConfig{{DNN: "ims", SNSSAI: ident.SNSSAI{SST: 1}, StaticIPv6: netip.MustParseAddr("2001:db8:0:1::77")}}}
	var inUse *store.AddressInUseError
	if err := s.CreateSubscriber(ctx, third); !errors.As(err, &inUse) || inUse.Holder != "imsi-001010000000001" {
		t.Errorf("CreateSubscriber(IPv6 in a migrated holder's /64) = %v, want an *AddressInUseError naming imsi-001010000000001", err)
	}
	if err := s.DeleteSubscriber(ctx, "imsi-001010000000001"); err != nil {
		t.Fatalf("DeleteSubscriber = %v", err)
	}
	if err := s.CreateSubscriber(ctx, third); err != nil {
		t.Errorf("CreateSubscriber after its holder was deleted = %v, want nil", err)
	}
}

// TestMigrateNSSAIDefault upgrades a database of version 4, whose nssai
// column has no default marks: the first subscribed S-NSSAI of each row
// becomes the marked default (what it meant before), a row without slices
// stays without, and the other fields of each entry are kept.
func TestMigrateNSSAIDefault(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keel.db")
	db := rawDB(t, path)
	if _, _, err := migrate(t.Context(), db, schema()[:4]); err != nil {
		t.Fatalf("migrate(four steps) = %v", err)
	}
	k := secret.RandomKey128()
	for _, c := range []struct{ supi, nssai string }{
		{"imsi-001010000000001", `[{"sst":2,"sd":"00000a"},{"sst":1}]`},
		{"imsi-001010000000002", `[]`},
	} {
		mustExec(t, db, `INSERT INTO subscribers (`+subscriberColumns+`) VALUES (?, ?, ?, 0, 32768, 0, 0, 0, ?, '[]')`, c.supi, k.Bytes(), k.Bytes(), c.nssai)
	}
	db.Close()

	s := openTest(t, path, Options{})
	ctx := t.Context()
	for supi, want := range map[string][]ident.SNSSAI{
		"imsi-001010000000001": {{SST: 2, SD: 10, HasSD: true}},
		"imsi-001010000000002": nil,
	} {
		got, err := s.GetSubscriber(ctx, supi)
		if err != nil {
			t.Fatalf("GetSubscriber(%s) = %v", supi, err)
		}
		if diff := cmp.Diff(want, got.DefaultNSSAI); diff != "" {
			t.Errorf("GetSubscriber(%s).DefaultNSSAI after upgrade mismatch (-want +got):\n%s", supi, diff)
		}
	}
	if got, want := userVersion(t, rawDB(t, path)), len(schema()); got != want || want < 5 {
		t.Errorf("user_version after upgrade = %d, want %d (at least 5)", got, want)
	}
}

func TestOpenNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keel.db")
	openTest(t, path, Options{}).Close()
	newer := len(schema()) + 5
	db := rawDB(t, path)
	mustExec(t, db, fmt.Sprintf("PRAGMA user_version = %d", newer))
	db.Close()

	before, names := fileHash(t, path), dirNames(t, filepath.Dir(path))
	s, err := Open(t.Context(), path, Options{})
	if err == nil {
		s.Close()
		t.Fatalf("Open(database at version %d) = nil error, want ErrSchemaNewer", newer)
	}
	if !errors.Is(err, store.ErrSchemaNewer) {
		t.Errorf("Open(database at version %d) = %v, want ErrSchemaNewer", newer, err)
	}
	for _, n := range []int{newer, len(schema())} {
		if !strings.Contains(err.Error(), fmt.Sprint(n)) {
			t.Errorf("Open(database at version %d) = %q, want the message to name %d", newer, err, n)
		}
	}
	if fileHash(t, path) != before {
		t.Errorf("Open(database at version %d) modified the file", newer)
	}
	if diff := cmp.Diff(names, dirNames(t, filepath.Dir(path))); diff != "" {
		t.Errorf("Open(database at version %d) changed the directory (-before +after):\n%s", newer, diff)
	}
}

func TestOpenCorrupt(t *testing.T) {
	random := make([]byte, 8192)
	rand.Read(random)
	tests := []struct {
		name string
		make func(t *testing.T, path string)
	}{
		{"random bytes", func(t *testing.T, path string) { writeFile(t, path, random) }},
		{"text", func(t *testing.T, path string) {
			writeFile(t, path, []byte("subscribers:\n  - imsi-001010000000001\n"))
		}},
		{"one byte", func(t *testing.T, path string) { writeFile(t, path, []byte{0}) }},
		{"truncated header", func(t *testing.T, path string) {
			writeFile(t, path, append([]byte(sqliteMagic), random[:40]...))
		}},
		{"damaged pages", func(t *testing.T, path string) {
			s := openTest(t, path, Options{})
			subs := make([]*store.Subscriber, 2000)
			for i := range subs {
				subs[i] = &store.Subscriber{SUPI: fmt.Sprintf("imsi-00101%010d", i)}
			}
			if err := s.ImportSubscribers(t.Context(), subs); err != nil {
				t.Fatalf("ImportSubscribers = %v", err)
			}
			s.Close()
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			copy(b[4096:], random)
			writeFile(t, path, b)
		}},
		{"foreign database with a version", func(t *testing.T, path string) {
			db := rawDB(t, path)
			mustExec(t, db, "CREATE TABLE things (id INTEGER PRIMARY KEY)")
			mustExec(t, db, "PRAGMA user_version = 1")
			db.Close()
		}},
		{"foreign database without a version", func(t *testing.T, path string) {
			db := rawDB(t, path)
			mustExec(t, db, "CREATE TABLE subscribers (imsi TEXT)")
			db.Close()
		}},
		{"keel version 2 without subscriber_dnns", func(t *testing.T, path string) {
			db := rawDB(t, path)
			if _, _, err := migrate(t.Context(), db, schema()[:1]); err != nil {
				t.Fatalf("migrate(first step) = %v", err)
			}
			mustExec(t, db, "PRAGMA user_version = 2")
			db.Close()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "keel.db")
			tt.make(t, path)
			before, names := fileHash(t, path), dirNames(t, dir)

			s, err := Open(t.Context(), path, Options{})
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) = nil error, want ErrCorrupt", tt.name)
			}
			if !errors.Is(err, store.ErrCorrupt) {
				t.Errorf("Open(%s) = %v, want ErrCorrupt", tt.name, err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("Open(%s) = %q, want the message to name %s", tt.name, err, path)
			}
			if fileHash(t, path) != before {
				t.Errorf("Open(%s) modified the file", tt.name)
			}
			if diff := cmp.Diff(names, dirNames(t, dir)); diff != "" {
				t.Errorf("Open(%s) changed the directory (-before +after):\n%s", tt.name, diff)
			}
		})
	}
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatalf("WriteFile(%s) = %v", path, err)
	}
}

// TestFileModeOwnerOnly checks that the database and its WAL files, which
// hold K and OPc, are readable by their owner only.
func TestFileModeOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keel.db")
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.AdvanceSQN(context.Background(), "imsi-001010000000001"); err == nil {
		t.Fatal("AdvanceSQN of an unknown SUPI succeeded")
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		st, err := os.Stat(path + suffix)
		if err != nil {
			continue
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s mode = %04o, want no access for group and others", path+suffix, st.Mode().Perm())
		}
	}
}
