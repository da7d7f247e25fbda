package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/keelcore/keel/internal/store"
)

// classify marks a failure of the database itself as store.ErrUnavailable,
// so that callers tell it from an answer about the request (ErrNotFound, a
// refused value). Exported methods defer it on their error result.
func classify(err *error) {
	if *err == nil || errors.Is(*err, store.ErrUnavailable) || !unavailable(*err) {
		return
	}
	*err = fmt.Errorf("%w: %w", store.ErrUnavailable, *err)
}

// unavailable reports whether err says the database cannot serve now,
// whatever the request: the server is unreachable, restarting or out of
// resources, or the connection broke. The caller's own cancellation is
// not: it answers the request.
func unavailable(err error) bool {
	if errors.Is(err, errClosed) || errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, pgx.ErrTxClosed) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return unavailableState(pe.Code)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	// pgconn reports a connection that broke mid-read or mid-write
	// without exporting the error's type.
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "unexpected EOF") ||
		strings.Contains(msg, "failed to deallocate cached statement") || strings.Contains(msg, "connection reset")
}

// unavailableState reports whether an SQLSTATE (PostgreSQL documentation,
// Appendix A) is the server's condition rather than the request's.
func unavailableState(code string) bool {
	switch code {
	case "25006", // read_only_sql_transaction: a standby, or default_transaction_read_only
		"40001", // serialization_failure, once retries are spent
		"40P01", // deadlock_detected, likewise
		"55P03", // lock_not_available
		"57P01", // admin_shutdown
		"57P02", // crash_shutdown
		"57P03", // cannot_connect_now: starting up or recovering
		"57P05": // idle_session_timeout
		return true
	}
	switch code[:2] {
	case "08", // connection exception
		"53", // insufficient resources: disk full, out of memory, too many connections
		"58", // system error: I/O
		"XX": // internal error, data corrupted
		return true
	}
	return false
}

// retryable reports whether a transaction lost to another and may simply
// run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}
