// Package smf is Keel's Session Management Function: the Nsmf_PDUSession
// service (TS 29.502 §5.2.2) the AMF uses for the PDU sessions of its UEs,
// with the UPF driven over N4 (PFCP, TS 29.244), the policy from the PCF
// (Npcf_SMPolicyControl) and the subscription from the UDM (Nudm_SDM
// sm-data). UE addresses come from per-DNN pools (internal/ippool),
// optionally per DNN and slice, and per UPF.
//
// # UPFs
//
// The SMF knows several UPFs (Options.UPF, Options.UPFs: each with its
// N4 address, DNNs and their pools, slices and tracking areas), holds a
// PFCP association with each, and gives every new PDU session one of
// them (select_upf.go; TS 23.501 §6.3.3.2, §6.3.3.3): of the associated
// UPFs serving the DNN in the slice, one serving the UE's tracking area
// first, then the least loaded (fewest sessions); none associated: #26.
// A UPF that stops answering heartbeats is lost (handle_upf_lost.go):
// its sessions that another UPF can serve are released with 5GSM cause
// #39 "reactivation requested" (TS 24.501 §6.3.3.2) so that the UEs
// establish them again on a live UPF; the others are kept until it
// answers again, and the N4 sessions of those released are deleted
// there then.
//
// # Procedures
//
//   - PDU session establishment (handle_create.go; TS 23.502 §4.3.2.2.1,
//     TS 24.501 §6.4.1): the 5GSM request is checked (TS 24.501 §7), the
//     DNN and S-NSSAI against the SMF's DNNs and the subscription (#27
//     missing or unknown DNN; #70 when the DNN is subscribed in another
//     slice), the SSC mode (only mode 1: #68), the PDU session type
//     against the DNN's pools (§6.4.1.3: IPv4v6 asked of a one-family DNN
//     is accepted with #50 or #51; one family asked of a DNN without it
//     is rejected with #51 or #50; non-IP types #28). A request with the
//     PDU session ID of an existing session releases that one locally
//     first (TS 24.501 §6.4.1.7). Then the policy (PCF), the addresses
//     (the subscription's static ones or the pool; an empty pool #26),
//     and the N4 session: uplink PDR (source Access, F-TEID CHOOSE, outer
//     header removal, QFI 1) with a FAR forwarding to Core; downlink PDR
//     (source Core, the UE's address) with a FAR buffering until the
//     gNB's tunnel is known; one QER (gates open, MBR the session AMBR,
//     QFI 1); one URR measuring volume (rules.go). The answer carries the
//     PDU SESSION ESTABLISHMENT ACCEPT (QFI 1 with the policy's 5QI,
//     session AMBR, address, S-NSSAI, DNN, and the DNS servers and MTU of
//     the DNN when the UE asked) and the PDU Session Resource Setup
//     Request Transfer (the UPF's N3 tunnel, the flow with 5QI and ARP,
//     session AMBR). Any failure after the policy undoes what was done
//     and rejects: #26 when the UPF is unreachable (no answer after the
//     N4 retransmissions, TS 29.244 §6.4), not associated (the SMF's
//     view or the UPF's cause 72), out of resources (75) or congested
//     (74), #31 when it refuses otherwise or the PCF refuses. A UPF that
//     answers after the SMF gave up has set up a session no PDU session
//     owns: the SMF deletes it when the late answer comes
//     (handle_orphan.go).
//   - User plane activation and deactivation (handle_update.go): the
//     gNB's PDU Session Resource Setup Response Transfer points the
//     downlink FAR at its tunnel (forward, outer header creation; N4
//     modification), and the UPF sends what it buffered, in order; a
//     Setup Unsuccessful Transfer releases a session never active, and
//     leaves one being reactivated deactivated (its buffer dropped, as
//     after an AN release during the reactivation). AN
//     release (upCnxState DEACTIVATED, TS 23.502 §4.2.6) keeps the
//     session and sets the downlink FAR to buffer and notify (BUFF|NOCP,
//     TS 29.244 §5.2.1) under the session's BAR, created with it. A
//     Service Request (upCnxState ACTIVATING, TS 23.502 §4.2.3.2 steps
//     4-5) is answered with the PDU Session Resource Setup Request
//     Transfer of the establishment and upCnxState ACTIVATING; the same
//     answer goes to a session already active or activating (the gNB's
//     answer moves the downlink), none to one being released.
//   - Network-triggered Service Request (handle_paging.go; TS 23.502
//     §4.2.3.3): a Downlink Data Report from the UPF (TS 29.244
//     §5.2.4.1) is answered at once; a paging worker then sends the AMF
//     an N1N2MessageTransfer with the PDU Session Resource Setup Request
//     Transfer and the SMF as failure notifier, one at a time per
//     session until the session is active again or the UE could not be
//     reached. When it cannot — the AMF refuses the transfer, or
//     notifies N1N2TransferFailed — the SMF has the UPF drop the
//     buffered packets (Session Modification with PFCPSMReq-Flags DROBU,
//     §8.2.31: the FAR stays BUFF|NOCP, so the next downlink packet is
//     reported again).
//   - UE-requested release (handle_update.go; TS 23.502 §4.3.4.2, TS
//     24.501 §6.4.3): N4 deletion, then PDU SESSION RELEASE COMMAND (#36,
//     the UE's PTI) with a Release Command Transfer when the user plane
//     is up; RELEASE COMPLETE ends the context.
//   - Network-requested release (handle_release.go, Release; TS 24.501
//     §6.3.3): N4 deletion, then the command (no PTI) through the AMF's
//     N1N2MessageTransfer. ReleaseSMContext releases without signalling.
//   - N4 node procedures (handle_association.go, n4.go): association set
//     up in the background with a backoff until the UPF answers
//     (establishments get #26 meanwhile); heartbeats every
//     HeartbeatInterval; a new Recovery Time Stamp from the UPF means it
//     restarted: every session is re-established with its rules as they
//     stand and its uplink F-TEID given (not chosen), so the gNB's tunnel
//     still holds; a session the UPF will not take back is released
//     towards the UE with #38. A UPF can lose sessions without
//     restarting: a session request answered "No established PFCP
//     Association" (72) means it dropped the association and the
//     sessions with it, and they are restored in the same way once the
//     association is set up again; a modification answered "Session
//     context not found" (65) re-establishes that session before
//     applying the change. After each heartbeat an audit
//     (handle_audit.go) sends a Session Modification Request changing
//     nothing for the next few sessions in turn, so such losses are
//     found without waiting for a procedure, and the SMF does not go on
//     listing sessions that carry no traffic. Session Report Requests add their usage
//     to the session's counters (handle_report.go). N4 requests are
//     taken from the UPF's address and Options.Peers only; others are
//     refused "Request rejected" (a Heartbeat unanswered) and counted in
//     keel_smf_pfcp_refused_total{reason}.
//
// # Concurrency
//
// An SMF is safe for concurrent use. Each PDU session has a state machine
// (session.go: typed states, one struct type per event, a transition
// table) and a mutex that serialises its procedures: a handler holds it
// from reading the state to its last change, across the session's N4
// requests — so two procedures on one session never interleave, while
// different sessions proceed in parallel — but never across an SBI call,
// so that a slow PCF, UDM or AMF holds no event of the session: the
// UDM's sm-data is read and the SM policy association created
// (Npcf_SMPolicyControl_Create) before the session exists
// (handle_create.go); a UE-requested modification releases the lock
// while the PCF decides (Npcf_SMPolicyControl_Update), the session
// marked authorising so that a second one is refused, and checks on
// relocking that the session is still active with the same policy
// (handle_modify_ue.go); the PCF's rule reports and policy deletions
// decided under the lock are queued on the session and sent by
// SMF.unlock once it is released, in order, on the same goroutine; calls
// to the AMF, which may call back, are made without it. The registry of
// sessions has its own lock, held for map operations only; lock order is
// a session's mutex, then the registry's. A new session may lock the one
// it replaces (newer before older, so no cycle). The PFCP node's handlers
// (heartbeats, usage and downlink data reports from the UPF) take no
// session lock: they touch atomics only, and hand a session with
// downlink data for an idle UE to the paging workers on a bounded
// channel (full: the report is counted as dropped). The paging workers
// (pagingWorkers of them) build the transfer under the session's lock
// and call the AMF without it; N1N2TransferFailed, called by the AMF,
// takes the session's lock for its N4 request and calls nothing back.
// The association loops, one per UPF, are the other
// goroutines the SMF starts; each runs, for its UPF, the restoration after a restart and
// the release of the sessions of a lost UPF with a few workers
// it joins, the audit, the deletion of sessions a late establishment
// answer reported (orphans) and the restoration or release of sessions
// a procedure found lost (vanished), each handed over on a bounded
// channel by handlers that must not wait; Close joins it and the paging
// workers.
//
// # Errors
//
// A request the SMF refuses gets its 5GSM answer (reject, status), not an
// error. Errors are sbi.ErrInvalidRequest (a malformed SUPI, an N1
// message to be ignored under TS 24.501 §7.2, N2 information that does
// not decode or that the state does not allow), sbi.ErrSMContextNotFound,
// and faults (N4 failures during an update). Handlers log the 3GPP cause
// they pick; failures of clean-up (N4 deletion, policy deletion) are
// logged where they happen, nothing better being possible. Every line
// passes a lograte.Limiter keyed by message and "cause" (Options.LogRate),
// so UEs that keep re-registering under a dropping gNB write a burst and
// a count, not a line per replaced session. A call to the
// PCF or the UDM is bounded by Options.SBITimeout; a temporary failure of
// either (sbi.Temporary: unavailable, or no answer in time) refuses the
// session with #26 "insufficient resources", another refusal with #31.
// Every PDU SESSION ESTABLISHMENT REJECT with #26 — a failing PCF or UDM,
// an unreachable or refusing UPF, no PFCP association, an exhausted pool
// — carries the Back-off timer value IE with Options.T3396 (TS 24.501
// §6.4.1.4.2; two minutes by default), so the UE does not ask again for
// the DNN and S-NSSAI before it expires.
//
// # Spec conformance
//
// TS 23.501 §6.3.3.2, §6.3.3.3 (UPF selection); TS 23.527 §4.3 (UPF
// restoration; a UPF failure without restart is left to the
// implementation: release with #39);
// TS 23.502 §4.3.2.2.1, §4.3.4.2, §4.2.6 (user plane deactivation),
// §4.2.3.2 and §4.2.3.3 (the SMF's part of the UE- and network-triggered
// Service Request); TS 24.501 §6.3.3, §6.4.1, §6.4.3, §7; TS 29.244
// §5.2.1 and §5.2.4.1 (buffering, downlink data notification), §6.2.2
// (heartbeat), §6.2.6 (association setup), §6.3.2–§6.3.4 (session
// establishment, modification, deletion), §6.3.6 (session report),
// §8.2.31 (DROBU); TS 29.502 §5.2.2.3 (upCnxState); TS 29.518
// §5.2.2.3.1 (N1N2MessageTransfer, its failure notification); TS 38.413
// §9.3.4.1, §9.3.4.2, §9.3.4.12. UPFs may be added after New (AddUPF,
// found at the NRF by the caller) and retired (RetireUPF); a UPF asking
// for the release of its association (TS 29.244 §6.2.7.3, SARR) has its
// sessions released with #39 at once (handle_upf_released.go). Not
// implemented: SSC modes 2 and 3, secondary authentication, UPF
// relocation of a live session (a lost UPF's sessions are released
// with #39 instead), N2 modification when the UPF cannot keep a
// session's F-TEID, extended buffering and the BAR's Downlink Data
// Notification Delay (the UPF's own bounds apply), paging policy
// differentiation.
package smf
