// Package gmm is the network side of 5G mobility management (TS 24.501
// §5) for one UE: registration, the common procedures (identification,
// 5G-AKA authentication, security mode control), deregistration and the
// timers that drive their retransmissions.
//
// A Machine performs no I/O of its own. Events come in as method calls
// (HandleNAS, Expired, ContextSetUp, Released, Deregister, NotDelivered,
// SessionNotified, ModifyIndicated, UpdateConfiguration); everything the
// procedure wants done — a downlink NAS message, an Initial Context Setup,
// a UE context release, starting or stopping a timer — goes out through
// the Shell the AMF provides. This is what lets the tests replay a
// procedure as a transcript, timers included, without a clock or a
// socket.
//
// # Concurrency
//
// A Machine is not safe for concurrent use: the AMF runs each UE's events
// one at a time on that UE's serial executor. The machine never calls the
// AUSF or the UDM (Nausf_UEAuthentication, Nudm_UECM, Nudm_SDM) itself:
// it issues each call as a typed Request through Shell.Call, tagged with
// a CallID, and the AMF performs it on a goroutine of its own (Perform)
// and delivers the typed Answer back to the UE's mailbox (Answered), in
// the style of etcd-raft's Step/Ready (calls.go). While a call is out
// the procedure waits in procCall under the SBIDeadline timer
// (Config.Deadlines: per procedure, DefaultSBITimeout by default) and the
// UE's other events run: a UE Context Release, a NAS Non Delivery, a
// DEREGISTRATION REQUEST, a second REGISTRATION REQUEST, a timer. Any of
// them may end the waiting procedure; the answer of a call whose
// procedure is gone is then discarded (Answered reports false). A PDU
// session establishment's Nsmf_PDUSession_CreateSMContext, and the
// UpdateSMContext relaying a 5GSM message of the UE, are calls too, kept
// per establishment or message rather than as the 5GMM procedure, so
// that several run beside each other and beside 5GMM procedures (the AMF
// performs the UE's Nsmf calls in the order issued); an answer finding
// its session gone or the UE deregistered is discarded, and the SM
// context of a discarded CreateSMContext answer released
// (ReleaseSMContext, a notification). Releasing the sessions of a
// deregistered UE, or those its PDU session status no longer lists, is
// one ReleaseSMContext notification per session; the UpdateSMContext
// carrying the gNB's answer for a session (PDU Session Resource Setup,
// Modify, Release, Notify; an Initial Context Setup's session list) is
// a call whose answer goes on if the session is still there, and the
// upCnxState DEACTIVATED of an AN release one whose answer is only
// logged when it failed. The UpdateSMContext ACTIVATING of a Service
// Request's (or a registration update's) reactivated sessions are calls
// too: the procedure waits for their answers under the
// ActivationDeadline timer, the UE's other events running meanwhile, and
// sends its accept with the PDU session reactivation result once they
// are in (activation.go). So are the UpdateSMContext of a PDU Session
// Resource Modify Indication's sessions, whose confirm goes once the SMF
// has answered for each (handle_session_notify.go). The AMF performs the
// UE's Nsmf calls in the order issued, each after those before it: an
// ACTIVATING never overtakes the DEACTIVATED of the release before it.
// The machine makes no SBI call on the executor. The AMF's handover and
// path switch make theirs off the executor too.
//
// # Errors
//
// A service's answer picks the 5GMM cause: a subscriber the home network
// does not know is #7; a temporary failure of the network (sbi.Temporary:
// a peer unavailable — its store's disk full — or silent past the call's
// deadline, ErrNoAnswer) is #22 with T3346, so the UE retries after the back-off; other failures
// are #111. Every REJECT, 5GMM STATUS and returned 5GSM message the
// machine sends is logged once, at info level, with the UE's SUPI (or
// SUCI), the cause's number and name and the reason (reject_log.go); the
// #22 of an outage of the home network is one rate-limited warning.
//
// # Spec conformance
//
//   - TS 24.501 §5.5.1.2 initial registration, §5.5.1.3 mobility and
//     periodic registration update, with the abnormal cases of
//     §5.5.1.2.8 (T3550, a second REGISTRATION REQUEST).
//   - TS 24.501 §5.5.1.2.4 and TS 23.501 §5.15.5.2.1 slices: the NSSF
//     decides the allowed, rejected and configured NSSAI for the UE's TA
//     (Nnssf_NSSelection_Get, TS 29.531 §5.2.2.2.2; TS 23.502 §4.2.2.2.3
//     step 3, nssai.go); the machine sends them, the rejected S-NSSAIs
//     with cause 0 or 1 in the UE's order, and #62 only when nothing can
//     be allowed.
//   - TS 24.501 §8.2.7 Registration Accept IEs from configuration: 5GS
//     network feature support, service area list, T3502, emergency
//     number list.
//   - TS 24.501 §5.4.1.3 5G-AKA (T3560, MAC and synch failure), §5.4.2
//     security mode control (T3560, NIA0 refused, replayed UE security
//     capabilities), §5.4.3 identification (T3570).
//   - TS 24.501 §5.5.2.2 UE-initiated and §5.5.2.3 network-initiated
//     deregistration (T3522).
//   - TS 23.502 §4.2.3.3 network-triggered Service Request: N1N2
//     transfers for an idle UE wait in the machine (paging.go) while it
//     is paged (TS 24.501 §5.6.2.2.1, T3513); TS 24.501 §5.3.7 mobile
//     reachable and implicit deregistration timers (reachability.go).
//   - TS 24.501 §5.6.1 UE-triggered service request (handle_service.go):
//     SERVICE ACCEPT in the Initial Context Setup with the reactivated
//     sessions (TS 23.502 §4.2.3.2) once the SMF has answered their
//     ACTIVATING (or its deadline passed: #92 in the PDU session
//     reactivation result error cause, §9.11.3.43; #43 for a session the
//     network does not have), SERVICE REJECT #9, #10, #22 (T3346),
//     #96, #111; the PDU session status synchronised (§5.6.1.4.1). A
//     SERVICE REQUEST failing the integrity check, or unprotected, is
//     served after 5G-AKA and security mode control (TS 23.502 §4.2.3.2
//     step 4, TS 24.501 §5.6.1.3, service_security.go) with the whole
//     message the UE sends in the SECURITY MODE COMPLETE; until these
//     complete the UE keeps its context, registration and sessions, and
//     their failure only releases the connection.
//   - A NAS Non Delivery Indication (TS 38.413 §8.6) leaves the waiting
//     procedure to its timer, or aborts it on a lower layer failure
//     (TS 24.501 §5.4.1.3.7 a, §5.4.2.7 a, §5.4.3.5 a, §5.5.1.2.8 a).
//   - TS 24.501 §5.4.4 generic UE configuration update
//     (handle_configuration_update.go): NITZ after an initial
//     registration, a new 5G-GUTI or allowed NSSAI under T3555, waiting
//     for a paged UE's Service Request.
//   - TS 24.501 §5.5.1.2.4, §5.5.1.3.4: the N2 connection released after
//     a registration without follow-on request (Config.AfterRegistration).
//   - TS 24.501 §4.4.4.3: after the secure exchange is established only
//     integrity-checked messages are processed.
//   - TS 33.501 §6.1.3.2 (5G-AKA in the SEAF), Annex A.7-A.9 keys.
package gmm
