// Package pgtest gives tests a PostgreSQL database of their own.
//
// NewDatabase creates a new, empty database for one test and drops it
// when the test ends, so tests run in parallel without seeing each
// other's rows. The server is the one KEEL_TEST_POSTGRES_URL names (.ci/run
// starts one and sets it), or else a private server this test process
// starts from the Debian binaries (/usr/lib/postgresql/*/bin) in a
// temporary directory, listening on a Unix socket only. Without either,
// the test skips — or fails, with KEEL_REQUIRE_ORACLES=1 (package oracle).
//
// Start gives a test a private server of its own, which it can stop and
// start again (a restart under load) and which is removed when the test
// ends.
//
// # Concurrency
//
// NewDatabase may be called from parallel tests. The private server that
// serves them when KEEL_TEST_POSTGRES_URL is unset is the test process's:
// started by the first call, kept in one package-level value guarded by a
// mutex (the one piece of process-wide state: a server per test would
// cost each a second), and ended when the process ends — the kernel sends
// it SIGQUIT, PostgreSQL's immediate shutdown, when the goroutine that
// started it exits with the process. A Server's methods are safe for
// concurrent use; each server is watched by one goroutine that waits for
// its process.
//
// As root, the binaries run as the postgres user (initdb refuses root),
// or, where root cannot become postgres (a test binary re-run in a user
// namespace that maps root alone, as sctptest.MainInNetNS does), as an
// unprivileged user of a user namespace of their own. The directory and
// the socket are open to every user, so a test in such a namespace can
// reach the server .ci/run started too.
package pgtest
