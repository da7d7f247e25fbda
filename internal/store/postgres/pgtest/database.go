package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/keelcore/keel/internal/oracle"
)

// shared is the private server of this test process, started by the
// first NewDatabase when EnvURL is unset.
var shared struct {
	sync.Mutex
	srv *Server
	err error
}

// NewDatabase creates an empty database for tb and returns its URL; the
// database is dropped when tb ends.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	admin, err := adminURL()
	if errors.Is(err, errNoBinaries) {
		oracle.Missing(tb, "%v and %s unset: install the postgresql package or name a server", err, EnvURL)
	}
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	name, dbURL, err := CreateDatabase(tb.Context(), admin)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := DropDatabase(ctx, admin, name); err != nil {
			tb.Errorf("pgtest: %v", err)
		}
	})
	return dbURL
}

// NewDatabase creates an empty database on s for tb and returns its
// URL; the database is dropped when tb ends, if s still runs.
func (s *Server) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name, dbURL, err := CreateDatabase(tb.Context(), s.URL("postgres"))
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		DropDatabase(ctx, s.URL("postgres"), name) // The server may be stopped: its directory goes anyway.
	})
	return dbURL
}

// adminURL returns the URL of the server's maintenance database.
func adminURL() (string, error) {
	if u := os.Getenv(EnvURL); u != "" {
		return u, nil
	}
	shared.Lock()
	defer shared.Unlock()
	if shared.srv == nil && shared.err == nil {
		shared.srv, shared.err = newServer(Options{})
	}
	if shared.err != nil {
		return "", shared.err
	}
	return shared.srv.URL("postgres"), nil
}

// CreateDatabase creates a database with a new random name on the server
// admin names and returns the name and the database's URL.
func CreateDatabase(ctx context.Context, admin string) (name, dbURL string, err error) {
	var b [8]byte
	rand.Read(b[:])
	name = "keel_test_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", "", fmt.Errorf("connecting to the test server: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", "", fmt.Errorf("CREATE DATABASE %s: %w", name, err)
	}
	dbURL, err = withDatabase(admin, name)
	return name, dbURL, err
}

// DropDatabase drops database name, ending its sessions.
func DropDatabase(ctx context.Context, admin, name string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("connecting to the test server: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("DROP DATABASE %s: %w", name, err)
	}
	return nil
}

// withDatabase returns the connection string admin with its database
// replaced by name. admin is a URL or a keyword/value string.
func withDatabase(admin, name string) (string, error) {
	if !strings.HasPrefix(admin, "postgres://") && !strings.HasPrefix(admin, "postgresql://") {
		return admin + " dbname=" + name, nil
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", fmt.Errorf("%s is not a URL", EnvURL)
	}
	u.Path = "/" + name
	return u.String(), nil
}
