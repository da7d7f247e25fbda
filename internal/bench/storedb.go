package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
)

// dropTimeout bounds dropping a step's database once the step is over.
const dropTimeout = 30 * time.Second

// CheckStoreURL checks a --store-url: a postgres:// (or postgresql://)
// URL with a host. Its errors never quote the URL, which may hold a
// password.
func CheckStoreURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("not a URL")
	case u.Scheme != "postgres" && u.Scheme != "postgresql":
		return fmt.Errorf("scheme %q: want postgres://", u.Scheme)
	case u.Host == "" && u.Query().Get("host") == "":
		return fmt.Errorf("no host: want postgres://USER:PASSWORD@HOST:PORT/DATABASE")
	}
	return nil
}

// stepDatabase is the database a step's core keeps its store in: a new
// one on the server of the bench's --store-url, so that every step
// starts as empty as with SQLite in a fresh data directory, and no step
// touches the rows of the database the URL names.
type stepDatabase struct {
	admin string // the --store-url, through which the database is made and dropped
	name  string
	url   string // admin with name as its database: every process's store.url
	// postmaster is the server's PID when it runs on this machine, whose
	// CPU the step then reports (serverCPU); 0 when it does not.
	postmaster int
}

// createStepDatabase creates a database named keel_bench_<random> on the
// server admin names, connecting to admin's own database to do it (the
// user needs the CREATEDB privilege).
func createStepDatabase(ctx context.Context, admin string) (*stepDatabase, error) {
	var b [8]byte
	rand.Read(b[:])
	d := &stepDatabase{admin: admin, name: "keel_bench_" + hex.EncodeToString(b[:])}
	var err error
	if d.url, err = withDatabase(admin, d.name); err != nil {
		return nil, err
	}
	err = d.exec(ctx, "CREATE DATABASE "+d.name, func(conn *pgx.Conn) {
		var backend int
		if conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend) == nil {
			d.postmaster = localPostmaster(backend)
		}
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// cpu is the server's CPU time so far (serverCPU), or nil when the server
// is not on this machine or could not be read.
func (d *stepDatabase) cpu() *time.Duration {
	if d == nil || d.postmaster == 0 {
		return nil
	}
	c, err := serverCPU(d.postmaster)
	if err != nil {
		return nil
	}
	return &c
}

// withDatabase is the URL admin with its database (its path) replaced
// by name; the user, password, host and parameters stay.
func withDatabase(admin, name string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil {
		return "", fmt.Errorf("bench: --store-url is not a URL")
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String(), nil
}

// drop drops the step's database, ending the sessions left on it.
func (d *stepDatabase) drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), dropTimeout)
	defer cancel()
	return d.exec(ctx, "DROP DATABASE IF EXISTS "+d.name+" WITH (FORCE)", nil)
}

// exec runs sql through a connection to the admin URL's database and
// calls then, if not nil, with the same connection.
func (d *stepDatabase) exec(ctx context.Context, sql string, then func(*pgx.Conn)) error {
	conn, err := pgx.Connect(ctx, d.admin)
	if err != nil {
		return fmt.Errorf("bench: connecting to the --store-url server: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("bench: %s on the --store-url server: %w", sql, err)
	}
	if then != nil {
		then(conn)
	}
	return nil
}
