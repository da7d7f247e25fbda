// Package suci conceals and de-conceals the subscription identifier of a
// SUPI with the protection schemes of TS 33.501 Annex C: the null-scheme,
// ECIES profile A (X25519) and ECIES profile B (secp256r1). The home
// network side (the SIDF in the UDM) uses Deconceal; the UE side (the
// simulator, tools and tests) uses Conceal.
//
// # Spec conformance
//
//   - ECIES per SECG SEC 1 v2 with the changes of TS 33.501 Annex C.3.2 and
//     C.3.3: the keying data K of enckeylen + icblen + mackeylen octets is
//     split, left to right, into the AES key EK, the initial counter block
//     ICB and the MAC key MK.
//   - Profiles (Annex C.3.4.1, C.3.4.2): ANSI-X9.63-KDF with SHA-256 and
//     SharedInfo1 = the ephemeral public key octet string as sent, AES-128 in
//     CTR mode, HMAC-SHA-256 truncated to its 8 most significant octets,
//     SharedInfo2 empty. Profile A uses X25519 (RFC 7748) with the raw
//     32-octet ephemeral key; profile B uses secp256r1 ECDH (cofactor 1, so
//     the cofactor and plain primitives agree) with the ephemeral key
//     point-compressed to 33 octets.
//   - CTR mode increments the rightmost 32 bits of the counter block only
//     (Annex C.3.4.0: NIST SP 800-38A Appendix B.1 with m = 32).
//   - The scheme output is ephemeral public key || ciphertext || MAC tag
//     (Annex C.3.2). The home network verifies the tag before decrypting.
//   - The null-scheme output equals its input (Annex C.2); Conceal supports
//     it, Deconceal does not need to.
//   - An IMSI-based scheme input is the MSIN in packed BCD, digit order as in
//     TS 24.501 Figure 9.11.3.4.3a (first digit in the low nibble), odd
//     length filled with 0xF in the last high nibble (Annex C.3.1). MSIN and
//     EncodeMSIN convert it.
//   - Verified against every test set of Annex C.4.3 and C.4.4 (IMSI and
//     network specific identifier, profiles A and B), both directions,
//     byte-exact, including the intermediate shared key, EK, ICB and MK.
//
// Deconceal parses the home network private key on each call; a
// Deconcealer, made once per key, saves that scalar multiplication.
//
// # Errors
//
// Deconceal never panics: it returns ErrShort for an output too short to
// hold a key, one octet of ciphertext and a tag, ErrPoint for an ephemeral
// public key that is not a valid point (or gives an all-zero X25519 shared
// secret), ErrMAC for a tag mismatch and ErrScheme for a scheme other than
// profile A or B. Key constructors return ErrKey. Errors wrap these
// sentinels, so test with errors.Is; no error text contains key material.
//
// # Concurrency
//
// HomeNetworkKey and Deconcealer are read-only after construction and can be
// used by any number of goroutines at once.
package suci
