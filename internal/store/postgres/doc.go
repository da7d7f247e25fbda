// Package postgres is Keel's shared store: a store.Store kept in a
// PostgreSQL database through pgx (github.com/jackc/pgx/v5) and its
// connection pool, so that several processes — UDR instances, an AMF set —
// share one subscriber store. It is chosen by store.url in the
// configuration; SQLite (package sqlite) stays the default.
//
// # Schema
//
// The schema is an ordered list of migrations (schema.go). The table
// schema_migrations holds one row per migration applied. Open applies the
// missing ones in one transaction that first takes a transaction-level
// advisory lock, so processes starting together migrate the database once:
// the others wait for the lock and then find nothing left to do. A
// database with a migration this Keel does not know is refused with
// store.ErrSchemaNewer and left untouched. Text keys are in the "C"
// collation, so listings are in byte order as with SQLite. Subscribers
// are stored in the form package subcodec defines, the one SQLite uses.
//
// # SQN
//
// An SQN advance is done by the database in one statement, UPDATE ...
// SET sqn = sqn + n ... RETURNING, committed on its own: PostgreSQL's row
// lock orders concurrent advances of one subscriber, from this process or
// any other, and each gets the values its own update wrote. There is no
// read-modify-write, so no SQN is handed out twice however many UDR
// instances share the database. The AdvanceSQN calls of this process in
// flight at one moment share one such statement (sqnbatch.go: a batcher
// goroutine started by Open and joined by Close), which locks its rows in
// SUPI order so that batches of several processes never deadlock; a
// subscriber advanced n times gets n consecutive values, one per call, in
// the order the calls came. A
// connection lost after the statement was sent may leave an SQN advanced
// but unused (the caller gets store.ErrUnavailable): TS 33.102 Annex C
// permits gaps, never repeats.
//
// # Records
//
// The engine implements store.Records in the table records (migration 2):
// every write is one statement, whose condition (MustCreate, an expected
// revision, a lapsed record counting as absent) is checked in the same
// statement under the row's lock, so two instances racing on one record
// cannot both win; revisions come from one sequence, so they grow across
// a delete and a new create. Each write also removes up to eight lapsed
// records. Expiry compares with the clock of the calling process:
// instances sharing a database need synchronised clocks.
//
// # Changes
//
// A trigger (migration 3) announces every update of a subscriber's data
// and every delete with NOTIFY on the channel keel_subscriber_changed,
// the payload the SUPI, when the transaction commits — whichever process
// wrote it. An SQN advance or resync changes no subscription data and
// announces nothing. WatchChanges (store.ChangeNotifier) LISTENs on a
// connection of its own and reconnects when it is lost, announcing then
// that changes may have been missed.
//
// # Concurrency
//
// A Store is safe for concurrent use by any number of goroutines, and the
// database by any number of processes. Calls run on their caller's
// goroutine on a connection of the pool (pgxpool), which reconnects by
// itself after the server restarts. WatchChanges runs on its caller's
// goroutine until the caller's context is done or the store closes. Close
// refuses new calls, ends the watches, waits for the calls in flight and
// closes the pool. Store.life.mu is taken alone and
// never held across a call.
//
// # Errors
//
// Errors begin with "postgres: " and wrap the store package's sentinels:
// store.ErrNotFound, store.ErrExists, store.ErrAddressInUse (as a
// *store.AddressInUseError), store.ErrSchemaNewer, store.ErrCorrupt. A
// failure of the database rather than an answer to the request — the
// server unreachable or restarting, a connection lost mid-call, a full
// disk (SQLSTATE class 53), a read-only standby, a closed store — wraps
// store.ErrUnavailable, so that callers answer with a temporary failure
// and a retry succeeds once the server is back. Writes that lose to a
// deadlock or a serialization failure are retried a few times first.
// No error message or log record contains the URL's password or key
// material (K, OP, OPc).
//
// # Metrics
//
// With Options.Registerer set, the store exports
// keel_store_operation_duration_seconds{op} and
// keel_store_sqn_advances_total, as the SQLite engine does.
//
// # Spec conformance
//
// SQN is the 48-bit sequence number of TS 33.102 §6.3 and Annex C: it only
// grows, never wraps (AdvanceSQN fails at store.MaxSQN, and a CHECK
// constraint bounds the column), and ResyncSQN raises it to SQN_MS from a
// resynchronisation (§6.3.5) without ever lowering it.
package postgres
