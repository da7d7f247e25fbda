// Package procevent keeps the recent procedure failures of a process for
// the operator: a registration, service request or PDU session
// establishment refused, with its 5GMM or 5GSM cause (TS 24.501 §9.11.3.2,
// §9.11.4.2) and the SUPI, in a ring of bounded size, and a count of the
// failures by cause since the process started. The management API serves
// them (GET /api/v1/events, the overview's failures by cause, a UE's
// recent procedures).
//
// Network functions are given a Recorder and call it on a failure path
// only, never for a procedure that succeeds: a Record is one short
// critical section and no allocation beyond the event's strings.
//
// # Concurrency
//
// A Ring is safe for concurrent use: one mutex guards the ring and the
// counts, held for a copy in Record and for the read in Recent and
// Counts. It starts no goroutine.
package procevent
