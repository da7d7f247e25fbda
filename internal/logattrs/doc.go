// Package logattrs gives a logger attributes that are added to each
// record as it is handled, instead of being formatted into a copy of the
// handler the way slog.Logger.With does. A handler's copy holds the
// attributes already encoded (some 350 bytes for a SUPI with the text
// handler and the rate limiter above it), which is the right trade for a
// logger used often and the wrong one for a logger per UE or per PDU
// session that is kept for the session's life and seldom logs: the core
// holds hundreds of thousands of them. With keeps the attribute values
// only (a SUPI is the string the UE's context holds anyway) and pays the
// encoding when a record is written. From goes further for attributes
// that never change: the logger keeps the value that gives them (the
// session itself), not the attributes, and builds them for the records
// that are written.
//
// # Concurrency
//
// Loggers and handlers are immutable once made and safe for concurrent
// use, as their base handler is.
//
// # Errors
//
// Handle returns the base handler's error.
package logattrs
