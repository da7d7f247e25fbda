// Package churn is the simulator's churn soak: every UE loops through a
// cycle — initial registration (TS 24.501 §5.5.1.2), optionally a PDU
// session (§6.4.1) and pings through it, UE-initiated deregistration
// (§5.5.2.2) — for as long as the run lasts, while each gNB in turn drops
// its N2 association with an ABORT (RFC 9260 §9.1) and comes back with a
// new association and NG Setup (TS 38.413 §8.7.1). `keel sim --churn`
// runs it; a soak of half an hour shows whether the core leaks
// goroutines or memory, or panics, under that churn.
//
// Failures are counted honestly, in two kinds. A cycle that was under way
// on a gNB when the run dropped that gNB's association is interrupted:
// the drop is the run's own doing, and the UE retries once its gNB is
// back. Every other failure is unexpected, and so is a gNB whose
// association the core ended, or whose NG Setup failed on reconnection.
// An NG Setup the AMF refuses with a Time to Wait is neither: the gNB
// waits and sets up again (TS 38.413 §8.7.1.3), and the refusal is
// counted apart, as a reconnection wait.
// A cycle cut short by the end of the run is neither, only counted as
// unfinished.
//
// # Concurrency
//
// Run owns one goroutine per gNB, which connects, drops and reconnects
// it, and one per UE, which runs its cycles; it joins them all before it
// returns. A gNB slot's current connection and drop generation are
// guarded by the slot's mutex; UE goroutines read them, the gNB's
// goroutine alone changes them. The counts are guarded by Summary's
// owner, the tally.
package churn
