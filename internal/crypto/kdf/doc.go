// Package kdf implements the generic key derivation function of TS 33.220
// Annex B.2 and the 5G key hierarchy built on it in TS 33.501 Annex A:
// RES*/XRES*, HRES*/HXRES*, KAUSF, KSEAF, KAMF, the NAS algorithm keys,
// KgNB and NH.
//
// # Spec conformance
//
//   - KDF: TS 33.220 Annex B.2.0. Output = HMAC-SHA-256(Key, S) with
//     S = FC || P0 || L0 || P1 || L1 || ... and each Li the length of Pi in
//     octets as a two-octet big-endian integer.
//   - ServingNetworkName: TS 33.501 §6.1.1.4 and TS 24.501 §9.12.1,
//     "5G:mnc<MNC>.mcc<MCC>.3gppnetwork.org" with a two-digit MNC padded to
//     three digits with a leading zero.
//   - KAUSF: Annex A.2 (FC 0x6A, key CK || IK, P0 serving network name,
//     P1 SQN ⊕ AK).
//   - RESStar: Annex A.4 (FC 0x6B, key CK || IK, P0 serving network name,
//     P1 RAND, P2 RES), the 128 least significant bits of the output.
//   - HXRESStar: Annex A.5, the 128 least significant bits of
//     SHA-256(RAND || XRES*).
//   - KSEAF: Annex A.6 (FC 0x6C, key KAUSF, P0 serving network name).
//   - KAMF: Annex A.7 (FC 0x6D, key KSEAF, P0 the SUPI without its type
//     prefix, e.g. the IMSI digits as a character string, P1 ABBA). The ABBA
//     value the SEAF sends is 0x0000 (Annex A.7.1).
//   - AlgorithmKey: Annex A.8 (FC 0x69, P0 algorithm type distinguisher,
//     P1 algorithm identity), the 128 least significant bits.
//   - KgNB: Annex A.9 (FC 0x6E, P0 uplink NAS COUNT, P1 access type
//     distinguisher).
//   - NH: Annex A.10 (FC 0x6F, P0 SYNC-input).
//
// No specification publishes test vectors for KAUSF, KSEAF or KAMF; the
// tests check every derivation against a separate, byte-by-byte
// construction of S and against fixed answers computed independently with
// Python's hmac and hashlib modules.
//
// # Concurrency
//
// Every function is a pure computation on its arguments and is safe for
// concurrent use.
package kdf
