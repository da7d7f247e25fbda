// Package nassec applies the 5G NAS ciphering (128-NEA) and integrity
// (128-NIA) algorithms with the NAS input parameters of TS 33.501 §6.4.
// The algorithms themselves are those of github.com/free5gc/nas/security,
// called directly (not through its NASEncrypt/NASMacCalculate wrappers,
// which log through a global logger).
//
// # Spec conformance
//
//   - Algorithm identifiers: TS 33.501 §5.11.1.1 (NEA0..NEA3, NIA0..NIA3).
//   - Inputs: KEY = KNASenc or KNASint; COUNT = 0x00 || NAS COUNT (24 bits:
//     NAS OVERFLOW || NAS SQN); BEARER = the NAS connection identifier, 0x01
//     for 3GPP access and 0x02 for non-3GPP access (§6.4.2.2, §6.4.3.1);
//     DIRECTION 0 uplink, 1 downlink; LENGTH the message length in bits
//     (§6.4.4.1). Cipher and MAC take the 32-bit COUNT; NASCount forms it
//     from NAS OVERFLOW and NAS SQN.
//   - 128-NEA1..3 and 128-NIA1..3 are 128-EEA1..3 and 128-EIA1..3 of
//     TS 33.401 Annex B (TS 33.501 Annex D.2.1, D.3.1): SNOW 3G, AES
//     (CTR, CMAC) and ZUC. NEA0 is an all-zero keystream, so it leaves the
//     data as it is; NIA0 gives a NAS-MAC of four zero octets (Annex D.1).
//   - Verified through this package against the 3GPP test data that
//     TS 33.501 Annex D.4 names: TS 35.217 (UEA2) for NEA1, TS 33.401 C.4
//     for NIA1, TS 33.401 C.1 and C.2 for NEA2 and NIA2, and TS 35.223
//     (EEA3/EIA3 test data) for NEA3 and NIA3.
//
// # Errors
//
// Cipher and MAC return an error, prefixed "nassec: ", for an unknown
// algorithm, a BEARER above 31, a DIRECTION above 1 or a message longer
// than 2^32-1 bits; MAC also for an empty message (a NAS MAC always covers at
// least the sequence number octet, TS 24.501 §4.4.3.3). Nothing panics.
//
// # Concurrency
//
// Every function is a pure computation on its arguments (Cipher writes only
// to its data argument) and is safe for concurrent use.
package nassec
