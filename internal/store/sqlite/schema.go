package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"

	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/subcodec"
)

// A migration takes the schema from version n to n+1, where n is its index
// in schema(). Steps are never edited once released; a change is a new step.
type migration struct {
	name string
	// tables lists the tables the step creates; a database at a version
	// past this step without them is not a Keel database.
	tables []string
	apply  func(ctx context.Context, tx *sql.Tx) error
}

// schema returns every migration in order. PRAGMA user_version counts the
// ones applied.
//
// The SQL stays close to what PostgreSQL accepts: BLOB becomes BYTEA and
// WITHOUT ROWID is dropped, the rest carries over.
func schema() []migration {
	return []migration{
		{
			name:   "subscribers",
			tables: []string{"subscribers"},
			apply: execAll(`
CREATE TABLE subscribers (
	supi       TEXT    NOT NULL PRIMARY KEY,
	k          BLOB    NOT NULL CHECK (length(k) = 16),
	opc        BLOB    NOT NULL CHECK (length(opc) = 16),
	op_is_op   INTEGER NOT NULL CHECK (op_is_op IN (0, 1)),
	amf        INTEGER NOT NULL CHECK (amf BETWEEN 0 AND 65535),
	sqn        INTEGER NOT NULL CHECK (sqn BETWEEN 0 AND 281474976710655),
	ue_ambr_ul INTEGER NOT NULL CHECK (ue_ambr_ul >= 0),
	ue_ambr_dl INTEGER NOT NULL CHECK (ue_ambr_dl >= 0),
	nssai      TEXT    NOT NULL,
	dnns       TEXT    NOT NULL
) WITHOUT ROWID`),
		},
		{
			// The DNN filter of ListSubscribers looks DNNs up here instead
			// of parsing every row's JSON.
			name:   "subscriber_dnns",
			tables: []string{"subscriber_dnns"},
			apply: func(ctx context.Context, tx *sql.Tx) error {
				err := execAll(`
CREATE TABLE subscriber_dnns (
	supi TEXT NOT NULL REFERENCES subscribers (supi) ON DELETE CASCADE,
	dnn  TEXT NOT NULL,
	PRIMARY KEY (supi, dnn)
) WITHOUT ROWID`,
					`CREATE INDEX subscriber_dnns_by_dnn ON subscriber_dnns (dnn, supi)`,
				)(ctx, tx)
				if err != nil {
					return err
				}
				return backfillDNNs(ctx, tx)
			},
		},
		{
			// Probe writes its one row here: a durable write that changes
			// no subscriber.
			name:   "health_probe",
			tables: []string{"health_probe"},
			apply: execAll(`
CREATE TABLE health_probe (
	id        INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
	probed_at INTEGER NOT NULL
)`),
		},
		{
			// One holder per static UE address (store.AddressKey: the
			// IPv4 address, or the IPv6 /64): the primary key makes two
			// concurrent writers of one address fail one of them.
			name:   "static_addresses",
			tables: []string{"static_addresses"},
			apply: func(ctx context.Context, tx *sql.Tx) error {
				err := execAll(`
CREATE TABLE static_addresses (
	address TEXT NOT NULL PRIMARY KEY,
	supi    TEXT NOT NULL REFERENCES subscribers (supi) ON DELETE CASCADE,
	dnn     TEXT NOT NULL
) WITHOUT ROWID`,
					`CREATE INDEX static_addresses_by_supi ON static_addresses (supi)`,
				)(ctx, tx)
				if err != nil {
					return err
				}
				return backfillAddresses(ctx, tx)
			},
		},
		{
			// Each subscribed S-NSSAI may be marked default
			// ("default": true in the nssai column; TS 23.501
			// §5.15.5.2.1). Rows written before had the first one as
			// the default: it is marked so, and their meaning stays.
			name:  "nssai_default",
			apply: markFirstSliceDefault,
		},
		{
			// store.Records: network functions' state under (kind, key).
			// One counter gives every write its revision, so a record
			// deleted and created again never repeats one. expires is in
			// Unix nanoseconds, 0 for never; the partial index finds the
			// lapsed rows writes sweep.
			name:   "records",
			tables: []string{"records", "record_revision"},
			apply: execAll(`
CREATE TABLE records (
	kind     TEXT    NOT NULL,
	key      TEXT    NOT NULL,
	value    BLOB    NOT NULL CHECK (length(value) <= 65536),
	revision INTEGER NOT NULL CHECK (revision > 0),
	expires  INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (kind, key)
) WITHOUT ROWID`,
				`CREATE INDEX records_by_expiry ON records (expires) WHERE expires > 0`,
				`CREATE TABLE record_revision (
	id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
	n  INTEGER NOT NULL
)`,
				`INSERT INTO record_revision (id, n) VALUES (1, 0)`),
		},
		{
			// CountSubscribers reads one row instead of scanning every
			// subscriber (20 to 50 ms at 100,000, in each page of the
			// console's list otherwise). The writes that insert or
			// delete subscribers keep it equal to count(*) in their own
			// transaction (addCountSQL): once per create or delete, once
			// per import with the rows it stored — not a trigger per
			// row, which slowed a 100,000-row import.
			name:   "subscriber_count",
			tables: []string{"subscriber_count"},
			apply: execAll(`
CREATE TABLE subscriber_count (
	id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
	n  INTEGER NOT NULL CHECK (n >= 0)
)`,
				`INSERT INTO subscriber_count (id, n) SELECT 1, count(*) FROM subscribers`),
		},
	}
}

// execAll returns a migration step that runs statements in order.
func execAll(stmts ...string) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		for _, q := range stmts {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}
}

// backfillDNNs fills subscriber_dnns from the subscribers' JSON settings.
func backfillDNNs(ctx context.Context, tx *sql.Tx) error {
	all, err := readDNNSettings(ctx, tx)
	if err != nil {
		return err
	}
	ins, err := tx.PrepareContext(ctx, insertDNNSQL)
	if err != nil {
		return err
	}
	defer ins.Close()
	for _, e := range all {
		dnns := make([]string, 0, len(e.dnns))
		for _, c := range e.dnns {
			dnns = append(dnns, c.DNN)
		}
		if err := insertDNNs(ctx, ins, e.supi, dnns); err != nil {
			return err
		}
	}
	return nil
}

// backfillAddresses fills static_addresses from the subscribers' JSON
// settings. Where an older Keel let two settings share an address, the
// first in SUPI order holds it; the other keeps it in its settings, and an
// update of that subscriber is refused until the address changes.
func backfillAddresses(ctx context.Context, tx *sql.Tx) error {
	all, err := readDNNSettings(ctx, tx)
	if err != nil {
		return err
	}
	for _, e := range all {
		for _, c := range e.dnns {
			for _, a := range []string{c.StaticIPv4, c.StaticIPv6} {
				addr, err := netip.ParseAddr(a)
				if err != nil {
					continue
				}
				if _, err := tx.ExecContext(ctx, insertAddressSQL, store.AddressKey(addr), e.supi, c.DNN); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// markFirstSliceDefault marks the first subscribed S-NSSAI of every
// subscriber without a default one as default. Entries keep every other
// field as stored.
func markFirstSliceDefault(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT supi, nssai FROM subscribers ORDER BY supi`)
	if err != nil {
		return err
	}
	defer rows.Close()
	type change struct{ supi, nssai string }
	var changes []change
	for rows.Next() {
		var supi, text string
		if err := rows.Scan(&supi, &text); err != nil {
			return err
		}
		var nssai []map[string]json.RawMessage
		if err := json.Unmarshal([]byte(text), &nssai); err != nil {
			return fmt.Errorf("subscriber %s: S-NSSAIs: %w", supi, err)
		}
		if len(nssai) == 0 || slices.ContainsFunc(nssai, func(e map[string]json.RawMessage) bool { return e["default"] != nil }) {
			continue
		}
		nssai[0]["default"] = json.RawMessage("true")
		b, err := json.Marshal(nssai)
		if err != nil {
			return err
		}
		changes = append(changes, change{supi, string(b)})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, c := range changes {
		if _, err := tx.ExecContext(ctx, `UPDATE subscribers SET nssai = ? WHERE supi = ?`, c.nssai, c.supi); err != nil {
			return err
		}
	}
	return nil
}

// subscriberDNNs is one subscriber's DNN settings as its JSON holds them.
type subscriberDNNs struct {
	supi string
	dnns []subcodec.DNNJSON
}

// readDNNSettings reads every subscriber's DNN settings in SUPI order,
// all of them before the migration that asked writes anything.
func readDNNSettings(ctx context.Context, tx *sql.Tx) ([]subscriberDNNs, error) {
	rows, err := tx.QueryContext(ctx, `SELECT supi, dnns FROM subscribers ORDER BY supi`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []subscriberDNNs
	for rows.Next() {
		var supi, text string
		if err := rows.Scan(&supi, &text); err != nil {
			return nil, err
		}
		e := subscriberDNNs{supi: supi}
		if err := json.Unmarshal([]byte(text), &e.dnns); err != nil {
			return nil, fmt.Errorf("subscriber %s: DNN settings: %w", supi, err)
		}
		all = append(all, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return all, rows.Close()
}

// migrate applies the steps the database lacks, each in its own
// transaction that also advances user_version, and returns the versions
// before and after.
func migrate(ctx context.Context, db *sql.DB, steps []migration) (from, to int, err error) {
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&from); err != nil {
		return 0, 0, err
	}
	if from > len(steps) {
		return 0, 0, fmt.Errorf("schema version %d, this keel knows up to %d: %w", from, len(steps), store.ErrSchemaNewer)
	}
	for v := from; v < len(steps); v++ {
		if err := applyStep(ctx, db, v, steps[v]); err != nil {
			return 0, 0, err
		}
	}
	return from, len(steps), nil
}

// applyStep brings the schema from version v to v+1 unless another
// connection already did.
func applyStep(ctx context.Context, db *sql.DB, v int, step migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %d (%s): %w", v+1, step.name, err)
	}
	defer tx.Rollback()
	var cur int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
		return fmt.Errorf("migration %d (%s): %w", v+1, step.name, err)
	}
	if cur > v {
		return nil
	}
	if err := step.apply(ctx, tx); err != nil {
		return fmt.Errorf("migration %d (%s): %w", v+1, step.name, err)
	}
	// PRAGMA takes no bound parameters; v+1 is an int.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
		return fmt.Errorf("migration %d (%s): %w", v+1, step.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %d (%s): commit: %w", v+1, step.name, err)
	}
	return nil
}
