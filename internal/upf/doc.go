// Package upf is Keel's User Plane Function. Its N4 side (UPF, files
// upf.go and n4*.go) speaks PFCP (TS 29.244) with the CP functions — the
// SMFs — through a pfcp.Node: it keeps their PFCP associations and their
// PFCP sessions, and drives a Datapath with each session's rules. The
// Datapath (datapath*.go, n3*.go, tun*.go, tables*.go) forwards user
// traffic between N3 (GTP-U, TS 29.281) and N6 (a TUN device) by the rule
// model of rules.go.
//
// # Spec conformance
//
// TS 29.244 §6.2.2 Heartbeat: answered with the UPF's Recovery Time
// Stamp, association or not; an associated CP function's new Recovery
// Time Stamp means it restarted: its sessions are deleted and its
// association dropped. §6.2.6 Association Setup from a CP function:
// accepted, with UP Function Features FTUP (§8.2.25); its Node ID,
// address and Recovery Time Stamp are kept; a new Recovery Time Stamp
// from a known Node ID means the CP function restarted, and the sessions
// it had are deleted (§6.2.6.2), while an unchanged one keeps them. §6.2.8
// Association Release from the CP function: its sessions are deleted.
// §6.2.7.3 leaving service (Leave, at a graceful stop): an Association
// Update Request with SARR (§8.2.77) to each associated CP function,
// new associations refused, until each has released its association.
// §6.3.2 Session Establishment: a random UP SEID, a TEID per CHOOSE F-TEID on
// the datapath's N3 address (the same for PDRs of one request with the
// same CHOOSE ID, §8.2.3), the rules installed, the UP F-SEID and Created
// PDRs returned. §6.3.3 Session Modification: removals, updates (only the
// IEs sent, §7.5.4.2–§7.5.4.5) and creations applied to the session's
// rules and installed as one change; usage reports for the removed URRs
// (trigger termination) and, with QAURR, for all (trigger immediate
// report). §6.3.4 Session Deletion: the datapath's final counters as usage
// reports with trigger termination (§7.5.7.2). §6.3.5 Session Report: a
// URR that reaches its volume threshold is reported to the CP function in
// a Session Report Request (Report Type USAR, trigger VOLTH). A usage
// report carries the volume since the URR's previous report, between its
// Start Time and End Time, with UR-SEQN counting its reports (§7.5.8.3).
//
// Idle UEs (§5.2.1, §5.2.4.1; TS 23.502 §4.2.3.3): a downlink FAR with
// Apply Action BUFF keeps the session's downlink, bounded per session
// (DatapathOptions.Buffer; a BAR's Suggested Buffering Packets Count,
// §8.2.112, lowers the packets, and the UPF announces UDBC); with NOCP
// the first packet of a buffering period is reported to the CP function
// in a Session Report Request with Report Type DLDR and a Downlink Data
// Report (the PDR ID, and the QFI in the Downlink Data Service
// Information, §7.5.8.2), sent like the usage reports, off the packet
// path. A modification with PFCPSMReq-Flags DROBU (§8.2.31) drops what
// the session buffers before its FARs apply, ending the period (so does
// the expiry of everything the period kept); a FAR
// that forwards again sends what is kept, in order. A session has at most
// one BAR; removing it leaves the FARs that named it without one.
//
// IPv6 router (router.go; TS 23.501 §5.8.2.2.3, RFC 4861): a session
// whose downlink PDR carries a UE IPv6 /64 prefix — the SMF's signal of
// an IPv6 or IPv4v6 PDU session, TS 29.244 having no IE to ask for Router
// Advertisements — gets one RA with that prefix (and the resolvers and
// MTU of the PDR's network instance, Options.DNNs) when its downlink FAR
// first forwards, in a G-PDU with the PDU Session Container's QFI; the
// UE's Router Solicitations are answered the same way and never
// forwarded to N6.
//
// N4 peers. PFCP has no authentication of its own (TS 33.501 §9.9 leaves
// N4 to network domain security), so the UPF trusts addresses, not
// claims: a request from a source address Options.Peers does not list is
// refused "Request rejected" (64; a Heartbeat goes unanswered), and so is
// an Association Setup for a Node ID it does not list. An association is
// bound to the address that set it up: a setup or release for its Node
// ID from another address is refused "Request rejected" (unless
// Options.AllowAddressChange lets the association move); an
// establishment is taken only from the address bound to its Node ID
// ("No established PFCP Association" otherwise); a modification or
// deletion of a session of another association is answered "Session
// context not found", as for an unknown SEID, so that SEIDs cannot be
// probed. UP SEIDs come from crypto/rand (never 0, never one in use).
// Each refusal is counted in keel_upf_pfcp_refused_total{reason}.
//
// Not supported: UE address allocation by the UPF, CHOOSE in an Update
// PDR (refused "Invalid F-TEID allocation option"), the Updated PDR and
// Failed Rule ID IEs, the BAR parameters other than Suggested Buffering
// Packets Count (Downlink Data Notification Delay, DL Buffering Duration:
// ignored), buffering in the CP function (BUCP), PFD management, Association Update from the CP
// function and Session Set Deletion (refused "Service not supported"), UP function initiated
// association setup and heartbeats. What the pfcp package does not read
// (pfcp/doc.go) is refused "Mandatory IE incorrect".
//
// # Errors
//
// Every N4 request gets the response of its type, with the cause TS
// 29.244 §8.2.1 gives: "No established PFCP Association" (72) for a
// session request from a peer without one, "Session context not found"
// (65, header SEID 0) for an unknown SEID, "Mandatory IE missing" (66)
// and the others of §7.6 with the offending IE for a malformed request
// (the pfcp package finds them, the UPF answers), "Rule
// creation/modification Failure" (73) for rules that do not apply (an
// unknown rule ID, a TEID of another session, rules the datapath refuses
// with ErrRules) or the cause of a *pfcp.CauseError the datapath returns.
// A refused establishment or modification leaves nothing behind: no
// session, no TEID, the previous rules. Each answer is counted in
// keel_upf_pfcp_requests_total{type,cause}.
//
// # Concurrency
//
// The pfcp.Node runs each request on its own goroutine. The UPF's state
// (associations, the session index, the TEIDs taken) is guarded by
// UPF.state, held only for map operations, never across a Datapath call
// or I/O. Each session has its own mutex, held for the whole of a
// procedure on it (Datapath calls included), so the procedures of one
// session run one at a time and those of different sessions in parallel.
// Lock order: session.mu before UPF.state. The datapath's reporter only
// queues the report (a full queue drops it, counted in
// keel_upf_usage_reports_total{result="dropped"}, or
// keel_upf_downlink_data_reports_total for a Downlink Data Report); the
// report loop sends
// the Session Report Requests, at most 64 at once, each on a goroutine of
// its own. Close stops the Node (joining its handlers) and the report
// goroutines; the Datapath is the caller's to close.
package upf
