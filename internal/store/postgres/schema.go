package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/keelcore/keel/internal/store"
)

// A migration takes the schema from version n to n+1, where n is its index
// in schema(). Steps are never edited once released; a change is a new
// step.
type migration struct {
	name string
	sql  string
}

// schema returns every migration in order.
func schema() []migration {
	return []migration{
		{
			// Subscribers as package subcodec stores them, with the
			// side tables of the DNN filter and of static addresses
			// (one holder per store.AddressKey: the primary key makes
			// two concurrent writers of one address fail one of them),
			// and the row Probe writes.
			name: "subscribers",
			sql: `
CREATE TABLE subscribers (
	supi       text COLLATE "C" NOT NULL PRIMARY KEY,
	k          bytea   NOT NULL CHECK (length(k) = 16),
	opc        bytea   NOT NULL CHECK (length(opc) = 16),
	op_is_op   boolean NOT NULL,
	amf        integer NOT NULL CHECK (amf BETWEEN 0 AND 65535),
	sqn        bigint  NOT NULL CHECK (sqn BETWEEN 0 AND 281474976710655),
	ue_ambr_ul bigint  NOT NULL CHECK (ue_ambr_ul >= 0),
	ue_ambr_dl bigint  NOT NULL CHECK (ue_ambr_dl >= 0),
	nssai      text    NOT NULL,
	dnns       text    NOT NULL
);
CREATE TABLE subscriber_dnns (
	supi text COLLATE "C" NOT NULL REFERENCES subscribers (supi) ON DELETE CASCADE,
	dnn  text COLLATE "C" NOT NULL,
	PRIMARY KEY (supi, dnn)
);
CREATE INDEX subscriber_dnns_by_dnn ON subscriber_dnns (dnn, supi);
CREATE TABLE static_addresses (
	address text COLLATE "C" NOT NULL PRIMARY KEY,
	supi    text COLLATE "C" NOT NULL REFERENCES subscribers (supi) ON DELETE CASCADE,
	dnn     text NOT NULL
);
CREATE INDEX static_addresses_by_supi ON static_addresses (supi);
CREATE TABLE health_probe (
	id        integer NOT NULL PRIMARY KEY CHECK (id = 1),
	probed_at timestamptz NOT NULL
);`,
		},
		{
			// store.Records: opaque values under a kind and a key, each
			// write taking the next value of one sequence, so that a
			// record's revisions grow across a delete and a new create.
			// The partial index serves the sweep of lapsed records.
			name: "records",
			sql: `
CREATE SEQUENCE record_revisions;
CREATE TABLE records (
	kind     text COLLATE "C" NOT NULL,
	key      text COLLATE "C" NOT NULL,
	value    bytea  NOT NULL,
	revision bigint NOT NULL,
	expires  timestamptz,
	PRIMARY KEY (kind, key)
);
CREATE INDEX records_by_expiry ON records (expires) WHERE expires IS NOT NULL;`,
		},
		{
			// An update of a subscriber's data (not of its SQN alone:
			// an advance is no change of subscription) or a delete
			// announces the SUPI on changesChannel when it commits,
			// whoever made it (changes.go).
			name: "subscriber_changed",
			sql: `
CREATE FUNCTION keel_subscriber_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('` + changesChannel + `', OLD.supi);
	RETURN NULL;
END
$$;
CREATE TRIGGER subscriber_changed
	AFTER UPDATE OF k, opc, op_is_op, amf, ue_ambr_ul, ue_ambr_dl, nssai, dnns OR DELETE ON subscribers
	FOR EACH ROW EXECUTE FUNCTION keel_subscriber_changed();`,
		},
	}
}

// migrationLock is the key of the advisory lock under which migrations
// run ("keel" in ASCII).
const migrationLock = 0x6b65656c

// migrate applies the steps the database lacks in one transaction, under
// a transaction-level advisory lock so that processes starting together
// apply them once, and returns the versions before and after.
func migrate(ctx context.Context, pool *pgxpool.Pool, steps []migration) (from, to int, err error) {
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer NOT NULL PRIMARY KEY,
	name       text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&from); err != nil {
			return err
		}
		if from > len(steps) {
			return fmt.Errorf("schema version %d, this keel knows up to %d: %w", from, len(steps), store.ErrSchemaNewer)
		}
		for v := from; v < len(steps); v++ {
			if _, err := tx.Exec(ctx, steps[v].sql); err != nil {
				return fmt.Errorf("migration %d (%s): %w", v+1, steps[v].name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, v+1, steps[v].name); err != nil {
				return fmt.Errorf("migration %d (%s): %w", v+1, steps[v].name, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return from, len(steps), nil
}
