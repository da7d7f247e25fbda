// Package amf is Keel's Access and Mobility Management Function. This part
// is its N2 endpoint: NGAP (TS 38.413) over an SCTP association per gNB,
// the registry of connected gNBs, and the non-UE-associated procedures
// (NG Setup, RAN Configuration Update, NG Reset, Error Indication, AMF
// Status Indication).
//
// # Concurrency
//
// Serve runs one accept loop and, per association, one reader goroutine
// that decodes each PDU and runs its handler to completion before reading
// the next: non-UE-associated procedures of one gNB are therefore handled
// in the order they arrive. The gNB registry is guarded by AMF.mu; a ran's
// own fields are guarded by ran.mu. Lock order: AMF.mu before ran.mu. No
// lock is held while sending. Every goroutine is joined by Stop.
//
// # Errors
//
// Nothing a gNB sends can stop the AMF. A PDU that does not decode gets
// the answer TS 38.413 §10 gives (Error Indication with the cause and
// Criticality Diagnostics, or NG Setup Failure for a malformed NG Setup
// Request); a message the AMF's state does not allow gets Error Indication
// with "message not compatible with receiver state" (§10.4). Each is
// counted in keel_ngap_protocol_errors_total and leaves every other gNB
// untouched.
//
// # Spec conformance
//
// TS 38.413 §8.7.1 NG Setup, §8.7.2 RAN Configuration Update, §8.7.4 NG
// Reset (both directions), §8.7.5 Error Indication, §8.7.6 AMF Status
// Indication, §10 handling of protocol errors; TS 38.412 §7: NGAP on SCTP
// with PPID 60, non-UE-associated signalling on stream 0.
package amf
