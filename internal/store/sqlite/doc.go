// Package sqlite is Keel's embedded subscriber store: a store.Store kept in
// a single SQLite database file, through the pure-Go modernc.org/sqlite
// driver.
//
// The database runs in WAL mode with synchronous=FULL, so a committed
// transaction survives power loss, and foreign keys on. Every write
// transaction begins IMMEDIATE, taking the write lock up front; a lock held
// by another process is waited for up to Options.BusyTimeout.
//
// # Schema
//
// The schema is an ordered list of migrations (schema.go). PRAGMA
// user_version holds the number of migrations applied; Open applies the
// missing ones, each in its own transaction together with the new
// user_version, so a crash leaves the file at one version or the next.
// Before writing anything Open inspects the file through a read-only
// connection: it refuses a file that is not an SQLite database, fails
// PRAGMA quick_check, lacks the tables its version implies, or was written
// by a newer Keel, and leaves such a file untouched.
//
// A subscriber is stored in the form package subcodec defines, which the
// PostgreSQL engine shares: a database's rows read the same in either.
//
// Static UE addresses are kept in static_addresses, one row per
// store.AddressKey with its holder's SUPI as primary key, so that no two
// subscribers hold one address however their writes interleave.
//
// # Records
//
// The store is also a store.Records (records.go): table records holds
// (kind, key, value, revision, expires), and the one-row record_revision
// counter gives every write its revision. A write reads the record's
// revision, checks Expect and writes in one IMMEDIATE transaction, so
// compare-and-set holds across processes sharing the file. Record writes
// run on a connection of their own at synchronous=NORMAL: durable against
// a crash of the process, not a power loss (see recordWriter). Each write
// also deletes up to sweepBatch lapsed records, oldest first.
//
// # Imports
//
// ImportStream inserts each entry as it reads it, in one transaction, and
// never collects the import in memory: pages beyond SQLite's page cache go
// to the write-ahead log, and the SUPI-to-row table that lets a repeated
// SUPI or address name the row that took it first is a TEMP table of the
// import's connection, which spills to a temporary file. The import's rows
// in memory are the one being inserted and the first
// store.MaxImportErrors refusals.
//
// # Concurrency
//
// A Store is safe for concurrent use. Reads run in parallel on a pool of
// connections (WAL readers do not block the writer). Writes in this process
// are serialised by Store.writeLock before they reach SQLite, so they queue
// in Go rather than spin in SQLite's busy handler.
//
// AdvanceSQN and ResyncSQN do not run on the caller's goroutine. They queue
// a request to the SQN writer, a goroutine started by Open that owns one
// dedicated connection. The writer takes every request queued at that
// moment (up to maxSQNBatch), applies them in order in one transaction and
// commits once: one fsync serves the whole batch (group commit). Each
// waiter is answered only after that commit has returned; if the commit
// fails, every waiter in the batch gets an error and no SQN of the batch is
// handed out. A caller that gives up (context done) before its request is
// applied has it skipped; one that gives up afterwards leaves an SQN unused,
// which TS 33.102 Annex C permits: SQNs must never repeat, gaps are allowed.
//
// Close refuses new calls, waits for the calls in flight, stops the SQN
// writer and waits for it to return, then closes the database.
//
// Lock order: Store.life.mu is taken alone and never held across a call;
// Store.writeLock is a leaf.
//
// # Metrics
//
// With Options.Registerer set, the store exports
// keel_store_operation_duration_seconds, a histogram labelled by op
// (create, get, update, delete, list, count, import, advance_sqn,
// resync_sqn), and keel_store_sqn_advances_total, the SQN increments
// committed. Ping serves readiness checks; Probe (store.Prober) writes one
// row of the health_probe table and commits, for health checks that must
// see writes fail (a full disk) while reads still succeed.
//
// # Errors
//
// Errors begin with "sqlite: " and wrap the store package's sentinels:
// store.ErrNotFound, store.ErrExists, store.ErrAddressInUse (as a
// *store.AddressInUseError), store.ErrSchemaNewer and store.ErrCorrupt
// (naming the file). A failure of the database itself — SQLite's FULL,
// IOERR, BUSY, LOCKED, READONLY, CANTOPEN, CORRUPT and the like, or a
// closed store — also wraps store.ErrUnavailable, so callers tell it from
// an answer about the request. ImportSubscribers and ImportStream report refused
// entries as a *store.ImportError. No error message or log record contains
// key material (K, OP, OPc).
//
// # Spec conformance
//
// SQN is the 48-bit sequence number of TS 33.102 §6.3 and Annex C: it only
// grows, never wraps (AdvanceSQN fails at store.MaxSQN, and a CHECK
// constraint bounds the column), and ResyncSQN raises it to SQN_MS from a
// resynchronisation (§6.3.5) without ever lowering it. S-NSSAIs are stored
// in the JSON form of TS 29.571 §5.4.4.2 (sst, sd as six hex digits); a
// subscribed one marked default has "default": true (schema version 5
// marked the first of every older row).
package sqlite
