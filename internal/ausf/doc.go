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
// Contexts expire after Options.ContextTTL (30 s by default: the AMF's
// T3560 of 6 s with four retransmissions, TS 24.501 §10.2) and at most
// Options.MaxContexts are kept; a new context beyond that evicts the
// oldest. Expired contexts are dropped when a new one is made and refused
// by Confirm.
//
// # Errors
//
// The sbi sentinels: ErrServingNetworkNotAuthorized, and what the UDM
// returns, from Authenticate; ErrAuthRejected and ErrAuthContextNotFound
// from Confirm; ErrAuthContextNotFound from DeleteConfirmation. The AUSF
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
// An AUSF is safe for concurrent use and starts no goroutine. The context
// table is guarded by one mutex, held for map and list operations only,
// never across a call to the UDM. Time comes from Options.Now.
package ausf
