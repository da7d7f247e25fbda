// Package ue is the simulated UE of Keel's gNB/UE simulator: a USIM
// (Milenage, 5G AKA, SUCI concealment), the UE side of 5G mobility
// management (TS 24.501) for registration, deregistration and the common
// procedures, with NAS security, and of 5G session management for PDU
// session establishment and release.
//
// # Independence from the core
//
// The simulator is the oracle the core is tested against. Were the UE to
// share the core's code (internal/crypto, internal/nas, internal/amf), a
// bug in that code — a wrong KDF parameter, BEARER or NAS COUNT — would be
// made on both sides of the N1 interface and every test would still pass.
// So this package re-implements, from the specifications and with
// known-answer tests from them, everything where such a bug could hide:
// Milenage on crypto/aes (TS 35.206 §4.1), the generic KDF (TS 33.220
// Annex B.2), the derivations of TS 33.501 Annex A (KAUSF A.2, RES* A.4,
// KSEAF A.6, KAMF A.7, NAS keys A.8, KgNB A.9), SUCI concealment (TS 33.501
// Annex C: null scheme, profiles A and B), the security header framing and
// NAS COUNT handling (TS 24.501 §4.4.3, §9.1.1) and the uplink message
// encoders (TS 24.501 §8.2). A test keeps the core's packages out of its
// imports. It shares only third-party code: github.com/free5gc/nas for
// decoding downlink messages and for the 128-NEA1/2/3 and 128-NIA1/2/3
// primitives (called directly, never through its logging wrappers).
//
// # Spec conformance
//
//   - Authentication (TS 24.501 §5.4.1.3, TS 33.501 §6.1.3.2): AUTN check
//     (MAC → #20, AMF separation bit → #26, SQN → #21 with AUTS per
//     TS 33.102 §6.3.3), ngKSI in use → #71, RES*, KAUSF, KSEAF; Authentication
//     Reject.
//   - Security mode control (§5.4.2): KAMF and NAS keys, MAC check, replayed
//     UE security capabilities (#23), Security Mode Complete with IMEISV and
//     the NAS message container (§4.4.6), or Security Mode Reject #24.
//   - Identity (§5.4.3), configuration update (§5.4.4), 5GMM status (§5.4.6).
//   - Registration (§5.5.1.2 initial, §5.5.1.3 mobility and periodic),
//     deregistration, UE-originating (§5.5.2.2) and network-initiated
//     (§5.5.2.3).
//   - Service request (§5.6.1): SERVICE REQUEST (§8.2.16) from 5GMM-IDLE
//     with ngKSI, service type and 5G-S-TMSI, integrity protected with the
//     current context, and the entire message with the PDU session status
//     and Uplink data status ciphered in a NAS message container (§4.4.6);
//     SERVICE ACCEPT (§8.2.17: PDU session status, PDU session
//     reactivation result and its error cause) and SERVICE REJECT
//     (§8.2.18: 5GMM cause, PDU session status, T3346), decoded by this
//     package's own codec (handle_service.go).
//   - NAS transport (§5.4.5): UL NAS TRANSPORT with N1 SM information
//     (§8.2.10), DL NAS TRANSPORT (§8.2.11), including a 5GSM message
//     returned with a 5GMM cause (#90 ...).
//   - 5GSM (§6.4.1, §6.4.3, §6.3.3, §8.3): PDU SESSION ESTABLISHMENT
//     REQUEST with the integrity protection maximum data rate, PDU session
//     type, SSC mode 1 and ePCO asking for DNS servers and the IPv4 link
//     MTU; the accept decoded in full (QoS rules §9.11.4.13, QoS flow
//     descriptions §9.11.4.12, session AMBR §9.11.4.14, PDU address
//     §9.11.4.10, ePCO of TS 24.008 §10.5.6.3A, DNN, S-NSSAI); reject;
//     UE-requested release with #36 and network-requested release answered
//     with RELEASE COMPLETE; release reject; 5GSM STATUS. A per-session
//     state machine (session.go) and PTI checks.
//   - IPv6 on a session (TS 23.501 §5.8.2.2.2, §5.8.2.2.3; router.go):
//     the network's Router Advertisement checked as RFC 4861 §6.1.2 asks
//     of a host, the address formed from its /64 (A flag) and the
//     accept's interface identifier (RFC 4862 §5.5.3); a Router
//     Solicitation from the link-local address (§4.1).
//   - NAS security (§4.4): integrity checking of downlink messages and the
//     list of messages accepted plain (§4.4.4.2), ciphering, NAS COUNT
//     estimation and replay rejection (§4.4.3), BEARER = NAS connection
//     identifier 0x01 of 3GPP access (TS 33.501 §6.4.3.1).
//
// Simplified on purpose: one SQNms instead of TS 33.102 Annex C's SEQ array
// and without its limit on SQN jumps; no EAP-AKA'; no timers or
// retransmissions (the caller owns time); 3GPP access only, no roaming
// (the serving network is the home PLMN); a Security Mode Command takes
// into use the context of the last 5G AKA or repeats the current one, with
// no re-activation of a stored context and no KAMF re-keying (KACF,
// horizontal derivation); after a reject or a deregistration
// the UE forgets its 5G-GUTI and starts the next registration as an
// initial one with the SUCI; unknown or unexpected messages are reported as
// errors, not answered with 5GMM or 5GSM STATUS (§7); the service request
// is sent only from 5GMM-IDLE (never to re-activate user planes in
// 5GMM-CONNECTED), without T3517 and its retries, a Service Reject other
// than #3, #6, #7, #9, #10 and #11 leaves the UE registered and idle
// whatever the cause asks of it, and 5GSM procedures need a connected UE; no PDU session modification, no secondary authentication
// (EAP), no always-on or multi-access sessions, no back-off timers; the
// 5QI of a session without a QoS flow description for its default rule is
// reported as 0; a 5GSM message the network could not forward ends the
// procedure and leaves the session inactive.
//
// # Errors
//
// Handle returns an error and no uplink for a message the UE discards:
// failed integrity check (ErrIntegrity), a plain message that must be
// protected (ErrNotProtected), no security context (ErrNoContext), a
// message not compatible with the 5GMM state or with the PDU session's
// 5GSM state, or a 5GSM answer with another PTI (ErrUnexpected), a message
// type it does not implement (ErrNotImplemented), or one that does not
// decode. The 5GMM and 5GSM states are left as they were. A 5GMM STATUS
// from the network is a *StatusError, a 5GSM STATUS an *SMStatusError.
// Refusals the protocol answers itself — Authentication Failure, Security
// Mode Reject — and the network's 5GSM rejects are results with an Event
// and a Cause, not errors.
//
// # Concurrency
//
// A UE is not safe for concurrent use: the caller serialises all calls on
// one UE (one goroutine per UE or a serial executor). Different UEs share
// nothing and run in parallel. The package starts no goroutines and has no
// mutable package-level state.
package ue
