// Package ausf is Keel's Authentication Server Function: the
// Nausf_UEAuthentication service (TS 29.509 §5.2) for 5G AKA
// (TS 33.501 §6.1.3.2), on top of the UDM's Nudm_UEAuthentication.
//
// # Procedure
//
// Authenticate (handle_authenticate.go) checks the serving network name
// (TS 33.501 §6.1.2), obtains a 5G HE AV from the UDM, keeps an
// authentication context — XRES*, KAUSF, SUPI, serving network name,
// expiry — under a random ID, and answers with the 5G SE AV: RAND, AUTN
// and HXRES* (Annex A.5). The SUPI is not disclosed yet.
//
// Confirm (handle_confirm.go) takes the context out — each context is
// confirmed at most once, whatever the result — compares RES* with XRES*
// in constant time (steps 10–11), reports the result to the UDM
// (Nudm_UEAuthentication_ResultConfirmation) and on success returns the
// SUPI and KSEAF (Annex A.6, step 12).
//
// DeleteConfirmation (handle_delete_confirmation.go) is the authentication
// result removal of TS 29.509 (DELETE .../5g-aka-confirmation), which the
// AMF sends when the UE refused the challenge with AUTHENTICATION FAILURE
// (TS 24.501 §5.4.1.3.7: MAC failure, synch failure, non-5G
// authentication unacceptable, ngKSI already in use). The AUSF takes the
// context out, reports the unsuccessful authentication to the UDM
// (ResultConfirmation with success false) and logs it at info level with
// the SUPI, the UE's cause and the serving network name: for a UE that
// registered with a concealed SUCI, the AUSF is the only function that
// can name the subscriber whose SIM fails, since the SUPI goes to the AMF
// only with a successful confirmation. The answer carries nothing.
//
// # Contexts
//
// A context lives in a store.Records (Options.Records) as one record of
// kind "ausf.auth-ctx" keyed by its authCtxId (authctx.go holds its
// binary form), so that every AUSF instance sharing the records confirms
// the contexts of the others: the AMF may send the 5g-aka-confirmation
// to any instance the NRF lists (TS 29.509 §5.2.2.2.2; TS 23.501 §6.3.1
// leaves the choice of instance to the consumer). Authenticate writes the
// record (create only), Confirm and DeleteConfirmation read it and
// delete it at the revision read: of two instances racing on one context
// one takes it and the other answers CONTEXT_NOT_FOUND, so each context
// is confirmed at most once.
//
// Contexts expire after Options.ContextTTL (30 s by default: the AMF's
// T3560 of 6 s with four retransmissions, TS 24.501 §10.2): the record
// carries its expiry by Options.Now, which Confirm checks, and lapses in
// the store a TTL after its write by the store's clock, which removes it.
// Without Options.Records the contexts are this instance's alone
// (memrecords). Each instance counts the contexts it made that await
// their confirmation (pending.go) and refuses a new authentication past
// Options.MaxContexts with sbi.ErrUnavailable (503 NF_CONGESTION,
// TS 29.500 §5.2.7.2), before the UDM hands out a vector: a flood of
// challenges never answered holds a bounded number of contexts.
//
// # Errors
//
// The sbi sentinels: ErrServingNetworkNotAuthorized, and what the UDM
// returns, from Authenticate; ErrAuthRejected and ErrAuthContextNotFound
// from Confirm; ErrAuthContextNotFound from DeleteConfirmation; from all
// three sbi.ErrUnavailable when the records fail (store.ErrUnavailable)
// and sbi.ErrSystemFailure for a record that does not decode. The AUSF
// returns errors and does not log them.
//
// # Logs
//
// Every line passes a lograte.Limiter keyed by message and "cause"
// (Options.LogRate), as the AMF's lines do: a batch of SIMs with a wrong
// K writes a burst of lines and then a count per interval.
//
// # Secrets
//
// XRES*, KAUSF and KSEAF are never logged; records name the SUPI, the
// context ID, the serving network and the UE's cause only.
//
// # Concurrency
//
// An AUSF is safe for concurrent use and starts no goroutine; its only
// mutable state of its own is the count of contexts awaiting
// confirmation, under its mutex (pending), the records being safe for
// concurrent use by any number of instances. Time comes from Options.Now.
package ausf
