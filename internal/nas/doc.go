// Package nas is the network side of NAS-5GS (TS 24.501) for the AMF: the
// 5G NAS security layer (integrity protection, ciphering and NAS COUNT
// handling), the decoder entry point for uplink messages with the
// protocol's error classification, the 5GS mobile identities, and builders
// for the downlink 5GMM messages Keel sends. Identities decode to
// internal/ident's SUCI and GUTI; the package depends on no other codec
// and not on internal/sbi.
//
// Message bodies are encoded and decoded by github.com/free5gc/nas; this
// package owns everything around them that carries protocol meaning.
//
// # Concurrency
//
// A Context belongs to one UE and is used by that UE's serial executor
// only; it is not safe for concurrent use. Everything else is stateless.
//
// # Errors
//
// Decode returns *Error carrying the 5GMM cause TS 24.501 §7 prescribes
// (#95 semantically incorrect, #96 invalid mandatory information, #97
// message type non-existent), or Ignore when §7 says to discard the
// message silently (too short, unknown extended protocol discriminator).
// Unprotect returns ErrMAC when integrity fails: TS 24.501 §4.4.4.3 says
// such a message is discarded.
//
// # Spec conformance
//
//   - TS 24.501 §4.4.3: NAS COUNT, 24 bits, overflow || sequence number;
//     the receiver estimates the overflow from the 8-bit sequence number and
//     never accepts a COUNT twice (replay protection, §4.4.3.2).
//   - TS 24.501 §4.4.4, §4.4.5, §9.1.1: security header types 1-4; the MAC
//     covers the sequence number and the (ciphered) message.
//   - TS 33.501 §6.4.3: COUNT, BEARER (NAS connection identifier, 1 for
//     3GPP access), DIRECTION inputs to 128-NIA/NEA.
//   - TS 24.501 §9.11.3.4: 5GS mobile identity (SUCI, 5G-GUTI, 5G-S-TMSI).
//   - TS 24.501 §8.2.16-§8.2.18: SERVICE REQUEST (ParseServiceRequest; the
//     PSI bitmaps of §9.11.3.44, §9.11.3.57, §9.11.3.13; service type
//     §9.11.3.50; the NAS message container §9.11.3.33, deciphered with
//     the carrying message's COUNT as §4.4.6 has it), SERVICE ACCEPT
//     (PDU session status, reactivation result §9.11.3.42 and its error
//     cause §9.11.3.43) and SERVICE REJECT (T3346 with #22).
//   - TS 24.501 §8.2.19: CONFIGURATION UPDATE COMMAND (ConfigurationUpdateCommand):
//     configuration update indication §9.11.3.18, 5G-GUTI, TAI list,
//     allowed NSSAI, network names §9.11.3.35 (GSM 7-bit default alphabet,
//     else UCS2), local time zone §9.11.3.52, universal time and local time
//     zone §9.11.3.53, network daylight saving time §9.11.3.19 (NITZ).
package nas
