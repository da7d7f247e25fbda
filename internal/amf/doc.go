// Package amf is Keel's Access and Mobility Management Function: its N2
// endpoint (NGAP, TS 38.413, over an SCTP association per gNB), the
// registry of connected gNBs and of UE contexts, the non-UE-associated
// procedures (NG Setup, RAN Configuration Update, NG Reset, Error
// Indication, AMF Status Indication, Overload Start/Stop), and the
// UE-associated ones that carry each UE's 5GMM machine (package gmm):
// Initial UE Message, Uplink/Downlink NAS Transport, Initial Context
// Setup, UE Context Release, PDU Session Resource Setup and Release, and
// the UE-associated reports of the gNB: UE Radio Capability Info
// Indication (kept and sent in later Initial Context Setups), Location
// Report and RRC Inactive Transition Report (kept for the API), NAS Non
// Delivery Indication (to the UE's machine), PDU Session Resource Notify
// and Modify Indication (to the SMF). Every other procedure a gNB may
// start is refused for a UE the AMF knows (handle_refused.go;
// docs/conformance.md lists them all).
//
// # Concurrency
//
// Serve runs one accept loop and, per association, one reader goroutine
// that decodes each PDU. Non-UE-associated procedures run on the reader
// to completion, in arrival order. A UE-associated message is handed to
// its UE's serial executor (executor.go): a bounded mailbox drained by a
// goroutine that exists only while events wait, so an idle UE costs no
// goroutine and the reader never blocks on a UE. Timer expiries enter the
// same mailbox. A UE's machine and the fields marked "executor" in
// ueContext are touched only by its executor.
//
// When an association ends, its reader marks it down and hands each UE
// connection on it, taken under AMF.ues, to the UE's executor to end:
// the executor ends that connection only if the UE still holds it, so a
// UE that went idle or moved to another gNB meanwhile keeps its state,
// and an Initial UE Message still waiting for a down association ends
// its connection itself. (A test hook, AMF.releaseListed, set only by
// tests, lets a UE move to another gNB between the listing of the
// association's connections and their end, the interleaving that the
// timing of real peers cannot force.)
//
// The gNB registry is guarded by AMF.mu; a ran's own fields by ran.mu
// (lock order: AMF.mu before ran.mu). The UE maps (by AMF UE NGAP ID,
// 5G-TMSI, SUPI) are guarded by AMF.ues, never held with the others. No
// lock is held while sending. An NG Setup naming a gNB ID another
// association holds may wait, on its own association's reader and with
// no lock held, for that association to answer a liveness probe
// (probe.go; ran.heard is the reader's signal): up to ProbeTimeout, which
// delays only the association being set up. Paging (paging.go) is sent
// from the paged UE's executor to each gNB serving its registration area,
// each send bounded (500 ms) so that a congested association holds the
// UE no longer; N1N2 transfer failure notifications to the SMF run on a
// goroutine of the executor gate, never on a UE's executor, since the SMF
// may be waiting for that executor itself. Calls from other NFs for a
// UE (N1N2MessageTransfer, UpdateConfiguration) queue their work on the
// UE's executor and wait for its answer, or for their context to end.
// The 5GMM machine's calls to the AUSF and the UDM (calls.go) run on
// goroutines of the executor gate, each under its procedure's deadline,
// and their answers come back to the UE's executor as events: a slow
// peer holds no event of the UE, a UE Context Release least of all.
// With a store shared by the AMF set, each UE's context writes run on a
// saver goroutine of the UE, of the executor gate (saver.go), and the
// messages that must not reach the UE before a write is done (a new
// 5G-GUTI, a new PDU session) wait there for it, not on the executor
// (writeahead.go).
// Serve also starts one goroutine that reports the AMF's slices to the
// NSSF (nssai_availability.go), retrying while the NSSF refuses, and
// then, with Options.NSSAINotificationURI, keeps the AMF subscribed to
// the NSSF's NSSAI availability changes; Stop cancels it. Stop joins the
// readers and it (AMF.wg), cancels the calls' context, then closes the
// executor gate (AMF.runs) and joins the executors and the calls,
// unsubscribes and has the NSSF delete the report. The NSSF answers kept
// while subscribed (nssai_kept.go) are guarded by their own mutex:
// the calls' goroutines read and add them, the notification handler and
// the subscribing goroutine drop them.
//
// # Errors
//
// Nothing a gNB or UE sends can stop the AMF. A PDU that does not decode
// gets the answer TS 38.413 §10 gives (Error Indication with the cause and
// Criticality Diagnostics, or NG Setup Failure for a malformed NG Setup
// Request); a message the AMF's state does not allow gets Error Indication
// with "message not compatible with receiver state" (§10.4); a
// UE-associated message whose IDs name no UE connection of the
// association, "unknown local UE NGAP ID" (§10.6) — and only those: a
// known UE's message of a procedure Keel does not run gets that
// procedure's failure message or Error Indication "message not
// compatible with receiver state" with the UE's IDs, since a gNB told
// "unknown local UE NGAP ID" may release the UE. Each is counted in keel_ngap_protocol_errors_total and leaves
// every other gNB and UE untouched. A full UE mailbox drops the event and
// counts it; too many UEs registering at once are refused with 5GMM cause
// #22 (TS 24.501 §5.3.9) while the gNBs get Overload Start.
//
// A panic is a bug, and it too stops only the unit that raised it. Each
// UE event (ueContext.do) and each PDU an association's reader handles
// (serveRAN) runs inside a boundary of package panics, which recovers
// the panic, logs it once at error level with its stack (subject to the
// log rate limit below, like every line), counts it in
// keel_panics_total{component="amf-ue"|"amf-n2"} and reports it to the
// observer tests install to fail. The UE whose event panicked has its
// connection released (UE Context Release Command, misc/unspecified, TS
// 38.413 §9.3.1.2: the cause is none of the radio network, transport,
// NAS or protocol ones) and its context forgotten, so it registers
// afresh; the events still in its mailbox are skipped. What the context
// held elsewhere goes with it, without the UE's machine running again:
// its PDU sessions are released at the SMF (Nsmf_PDUSession_
// ReleaseSMContext of each SM context reference, read from the machine)
// and its registration at the UDM (Nudm_UECM_Deregistration), TS 23.502
// §4.2.2.3, §4.3.4.2. Those calls run on a goroutine of the executor
// gate (AMF.runs, joined by Stop), each under the SBI deadline; a new
// registration of the same SUPI waits for them before
// Nudm_UECM_Registration (ue.go, releaseFailed). The association
// whose reader panicked is aborted, and its UEs' connections end as on
// any association loss.
//
// STYLE.md forbids recover() in worker loops because a swallowed panic
// becomes a silent stall. These two boundaries are the exception, on
// purpose: with one UE or gNB able to make the AMF panic, a recover-less
// core lets any remote peer stop every UE it serves. Nothing is swallowed
// or left half-done here: the panic is logged with its stack and counted,
// the UE or association is ended with a cause its peer sees (never left
// to stall), and a test fails on it (panics.Options.Observe). No other
// goroutine of the AMF recovers.
//
// # Logs
//
// Every line the AMF writes passes a lograte.Limiter keyed by message and
// "cause" (Options.LogRate): the per-UE lines a misbehaving gNB can
// multiply (registration rejected, authentication refused, Error
// Indication, undecodable PDUs) come a burst per interval, then one
// "suppressed N similar lines" summary. Stop writes the pending summaries.
// Authentication failures carry the UE's supi (gmm).
//
// # Spec conformance
//
// TS 38.413 §8.2.1–8.2.2, §8.3.1–8.3.3, §8.6.1–8.6.3, §8.7.1 NG Setup
// (a gNB ID held by another association passes to a restarted gNB: same
// address, or the holder silent to an AMF Configuration Update, §8.7.3;
// see probe.go),
// §8.7.2 RAN Configuration Update, §8.7.4 NG Reset (both directions),
// §8.7.5 Error Indication, §8.7.6 AMF Status Indication and Overload
// Start, §8.7.7 Overload Stop, §8.5.1 Paging, §10; TS 38.412 §7: NGAP on SCTP with PPID
// 60, non-UE-associated signalling on stream 0, each UE on a stream of its
// own. TS 23.502 §4.2.6 AN release and §4.2.3.2 Service Request: a UE
// whose connection ends (UE Context Release Complete, NG Reset,
// association loss, or a new connection replacing it) stays registered
// in CM-IDLE with its sessions DEACTIVATED; the Initial Context Setup of
// its Service Request carries the reactivated sessions, whose results go
// to the SMF. §8.14.1 UE Radio Capability Info Indication, §8.12
// Location Report, §8.3 RRC Inactive Transition Report, §8.6 NAS Non
// Delivery Indication, §8.2.4 PDU Session Resource Notify, §8.2.5 Modify
// Indication; §8.4.1.3 and §8.4.5 (handover preparation refused,
// handover cancel acknowledged); §8.4.4 Path Switch Request, the Xn
// handover of TS 23.502 §4.9.1.2.2 (handle_path_switch.go: the SMF
// calls run on a goroutine, the result comes back to the UE's executor,
// which moves the UE's connection to the target gNB). TS 29.531
// §5.3.2.2, §5.3.2.6 (TS 23.501 §5.15.8): the S-NSSAIs the AMF supports
// in each of its TAs are reported to the NSSF by Nnssf_NSSAIAvailability
// Update when it starts serving and deleted when it stops; there is no
// update on a configuration change, since the AMF's configuration is
// fixed while it runs. TS 29.531 §5.3.2.3.1, §5.3.2.4, §5.3.2.5: with an
// NSSF in another process the AMF subscribes to its NSSAI availability
// changes and, while subscribed, keeps the Nnssf_NSSelection answer per
// registration query, dropping them on every notification. 5GMM
// procedures: see package gmm.
package amf
