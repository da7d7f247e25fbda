// Package sm is the network side of 5GS session management (5GSM, TS
// 24.501 §6, §8.3, §9.11.4) for the SMF: the decoders of the messages a
// UE sends with the error classification of TS 24.501 §7, and builders
// that append the messages the SMF sends to a caller's buffer. It also
// has the UE side of the messages the simulator exchanges
// (AppendEstablishmentRequest, ParseEstablishmentAccept, ...).
//
// 5GSM messages travel as the payload container of the 5GMM UL and DL
// NAS TRANSPORT messages (payload container type 1, "N1 SM
// information", TS 24.501 §8.2.10, §8.2.11); the AMF relays them to and
// from the SMF unchanged.
//
// # Errors
//
// The parsers never panic. They return Ignore when TS 24.501 §7 says to
// discard the message without an answer (shorter than a 5GSM header,
// §7.2, or not a 5GSM message), and *Error otherwise, carrying the 5GSM
// cause to answer with and the message's header:
//
//   - #97 message type non-existent or not implemented (§7.4): a type the
//     UE does not send;
//   - #98 message type not compatible: a parser of one message given
//     another;
//   - #81 invalid PTI value (§7.3.1): a PDU SESSION ESTABLISHMENT or
//     RELEASE REQUEST whose PTI is 0 (none assigned) or 255 (reserved);
//   - #43 invalid PDU session identity (§7.3.2): a PDU session ID of 0
//     or above 15;
//   - #96 invalid mandatory information (§7.5, §7.6.1): a missing
//     mandatory IE, or an unknown IE whose IEI says comprehension
//     required.
//
// The SMF answers an *Error for a PDU SESSION ESTABLISHMENT REQUEST with
// EstablishmentReject, for a PDU SESSION RELEASE REQUEST with
// ReleaseReject, for a PDU SESSION MODIFICATION REQUEST with
// ModificationReject, and for anything else with Status. Unknown optional IEs
// are skipped (§7.6.1), only the first of repeated IEs is read (§7.6.3),
// and a malformed or truncated optional IE is treated as absent (§7.7.1).
//
// The builders return an error only for values that cannot be encoded
// (EstablishmentAccept); the fixed-layout ones cannot fail.
//
// # Spec conformance
//
//   - §8.3.1 PDU SESSION ESTABLISHMENT REQUEST: PDU session type, SSC
//     mode and the DNS server, P-CSCF and IPv4 link MTU requests of the
//     extended protocol configuration options (§9.11.4.6, TS 24.008 §10.5.6.3)
//     are read; SSC mode values 4 to 6 are read as modes 1 to 3
//     (§9.11.4.16).
//   - §8.3.2 PDU SESSION ESTABLISHMENT ACCEPT: one QoS flow, the default
//     one: a default QoS rule (§9.11.4.13: rule 1, create, DQR, one
//     bidirectional match-all packet filter, precedence 255) and its
//     authorized QoS flow description (§9.11.4.12) with the 5QI; session
//     AMBR (§9.11.4.14) in the finest unit that holds it, rounded down;
//     PDU address (§9.11.4.10) for IPv4, IPv6 (interface identifier) and
//     IPv4v6; S-NSSAI (§9.11.2.8); DNN (§9.11.2.1B); DNS servers,
//     P-CSCF addresses and IPv4 link MTU in the extended PCO; an
//     optional 5GSM cause.
//   - §8.3.3 ESTABLISHMENT REJECT, §8.3.13 RELEASE REJECT, §8.3.14
//     RELEASE COMMAND, §8.3.16 5GSM STATUS: header and 5GSM cause.
//   - §8.3.12 RELEASE REQUEST and §8.3.15 RELEASE COMPLETE: the optional
//     5GSM cause.
//   - §8.3.7 to §8.3.11 PDU session modification: the SMF reads the
//     REQUEST (5GSM capability, cause, maximum number of packet filters,
//     requested QoS rules and QoS flow descriptions), COMPLETE and
//     COMMAND REJECT (its mandatory cause) and builds the COMMAND
//     (cause, Session-AMBR, authorized QoS rules and QoS flow
//     descriptions) and the REJECT (cause, optional back-off timer);
//     the UE side is the inverse of each.
//
// Not implemented: secondary authentication
// (EAP), back-off timers, always-on indication, mapped EPS bearer
// contexts, QoS rules other than the default one.
//
// # Concurrency
//
// Everything here is a pure function of its arguments.
package sm
