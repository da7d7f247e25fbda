// Package milenage computes the 3GPP authentication and key generation
// functions f1, f1*, f2, f3, f4, f5 and f5* with the MILENAGE algorithm set
// (TS 35.205, TS 35.206), as the UDM/ARPF needs them for 5G AKA and
// EAP-AKA' authentication vectors and as the simulated USIM needs them to
// answer a challenge.
//
// The MILENAGE core is github.com/wmnsk/milenage; this package fixes the
// input and output sizes in the types, returns keys as secret types and adds
// the AUTN and AUTS handling of TS 33.102 §6.3.
//
// # Spec conformance
//
//   - OPc = AES_K(OP) ⊕ OP (TS 35.206 §4.1).
//   - Generate returns f1 (MAC-A), f1* (MAC-S), f2 (RES), f3 (CK), f4 (IK),
//     f5 (AK) and f5* (AK*) for one RAND, with the constants c1..c5 and
//     rotations r1..r5 of TS 35.206 §4.1. Verified against all six test sets
//     of TS 35.208 §4.3.
//   - MAC-S is computed with the AMF given to Generate. For a
//     re-synchronisation token TS 33.102 §6.3.3 requires AMF = 0x0000; AUTS
//     and VerifyAUTS apply that rule themselves.
//
// # Errors
//
// Generate reports a failure of the underlying implementation, wrapped and
// prefixed "milenage: "; with the fixed-size inputs of this API it does not
// fail in practice. VerifyAUTS returns ErrMACS when the MAC-S in an AUTS does
// not verify.
//
// # Concurrency
//
// Every function is a pure computation on its arguments and is safe for
// concurrent use.
package milenage
