// Package pfcp is Keel's PFCP layer (TS 29.244), the N4 protocol between
// the SMF and the UPF, over the github.com/wmnsk/go-pfcp codec: decoding
// with the error classification of TS 29.244 §7.6, the session rules
// (PDR, FAR, QER, URR) and the messages Keel exchanges as plain Go
// values, and Node, a PFCP entity on a UDP socket with the transaction
// layer of §6.4 (retransmission, sequence numbers, duplicate detection).
// The SMF builds messages and parses responses with it; the UPF parses
// requests and builds responses.
//
// # Spec conformance
//
// Header (§7.2.2): version 1, S flag by message kind, 24-bit sequence
// numbers, bundled messages split on the FO flag (§7.2.1A). Node related
// messages (§7.4): Heartbeat Request/Response (§7.4.2), Association Setup
// and Release Request/Response (§7.4.4), UP Function Features (§8.2.25)
// with FTUP. Session related messages (§7.5): Establishment (§7.5.2,
// §7.5.3), Modification (§7.5.4, §7.5.5), Deletion (§7.5.6, §7.5.7) and
// Report (§7.5.8, §7.5.9) with usage reports (USAR) and the Downlink
// Data Report (DLDR, §7.5.8.2: PDR ID and the QFI in the Downlink Data
// Service Information, §8.2.27). The builders put in every mandatory IE; the
// parsers check every mandatory IE and the conditional ones Keel relies
// on. IE encodings follow §8.2 (F-TEID with CHOOSE and CHOOSE ID, F-SEID,
// Node ID, UE IP Address with S/D, Outer Header Creation and Removal,
// Apply Action with DROP, FORW, BUFF and NOCP (NOCP only with BUFF,
// §8.2.26), Create/Update/Remove BAR with BAR ID and Suggested Buffering
// Packets Count (§7.5.2.6, §7.5.4.14, §8.2.112) and a FAR's BAR ID,
// PFCPSMReq-Flags DROBU and QAURR (§8.2.31), Gate Status, MBR in kbit/s, Volume Threshold and
// Measurement, Usage Report Trigger, UR-SEQN, 32-bit NTP timestamps with
// the era rollover of RFC 5905 §6). testdata/*.hex pins each encoding,
// TestKnownBytes checks a few against bytes worked out by hand from the
// figures, and tshark decodes all of them (tshark_test.go).
//
// Transaction layer (§6.4): a request is sent again every T1 (3 s) up to
// N1 (3) times, then abandoned with ErrTimeout; the response is the
// message of the matching type with the request's sequence number from
// the peer's address. A request received again within the response cache
// time gets the same response bytes without its handler running again.
//
// Not supported, and refused with "Mandatory IE incorrect" when a peer
// sends them: FQDN Node IDs, IPv6 F-TEIDs and outer headers, UE address
// allocation by the UP function (CHV4/CHV6), outer header removal or
// creation other than GTP-U, uplink- or downlink-only volume thresholds,
// measurement other than volume. Query URR for chosen URRs is read as a
// query of all of them.
//
// # Errors
//
// Decode and the Parse functions never panic on wire input (FuzzDecode).
// Every refusal is a *CauseError holding the cause to answer with, the
// offending IE and, when the header was readable, the message type,
// sequence number and SEID, so that CauseError.Response can build the
// refusal: "Invalid length" for a message length that does not match the
// datagram or an IE overrunning its container (§7.6.3), "Mandatory IE
// missing" or "Conditional IE missing" with the missing IE (§7.6.6),
// "Mandatory IE incorrect" for an IE too short or with a value Keel does
// not take. Input too short for a header, unknown message types and
// unexpected responses are silently discarded (§7.6.3–§7.6.5), the
// latter after Options.Unmatched has seen them (a late answer may report
// a session the application must undo); another
// PFCP version gets a Version Not Supported Response (§7.6.2). A Node
// answers refused requests itself, or through Options.Refused. A malformed
// response to a pending request ends its retransmissions (§7.6.1) and is
// returned by Request.
//
// The message builders return errors for values they cannot encode; they
// never hand a nil IE to go-pfcp, whose constructors panic on one.
//
// # Concurrency
//
// Message builders and parsers are pure functions. A Node is safe for
// concurrent use: one reader goroutine decodes datagrams, delivers
// responses to the Request waiting for them and runs each new request's
// handler in its own goroutine (at most MaxHandlers at once; beyond, the
// request is answered "PFCP entity in congestion"). The pending requests
// are guarded by Node.out, the response cache by Node.in; neither lock is
// held while sending or running a handler. Close cancels the handlers'
// context and joins the reader and every handler.
package pfcp
