package ue

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"

	"github.com/keelcore/keel/internal/secret"
)

// Function codes of the 5G key derivations (TS 33.501 Annex A.1).
const (
	fcNASKey = 0x69 // A.8, algorithm key derivation
	fcKAUSF  = 0x6A // A.2
	fcRESs   = 0x6B // A.4, RES* and XRES*
	fcKSEAF  = 0x6C // A.6
	fcKAMF   = 0x6D // A.7
	fcKgNB   = 0x6E // A.9, KgNB and KN3IWF
	fcNH     = 0x6F // A.10, NH
)

// Algorithm type distinguishers (TS 33.501 Annex A.8, table A.8-1).
const (
	algTypeNASEnc = 0x01
	algTypeNASInt = 0x02
)

// accessType3GPP is the access type distinguisher of A.9 (table A.9-1)
// and, by the same value, the NAS connection identifier that is the BEARER
// input of the NAS algorithms for 3GPP access (TS 33.501 §6.4.3.1).
const accessType3GPP = 0x01

// kdf is the generic key derivation function of TS 33.220 Annex B.2:
// HMAC-SHA-256(key, FC || P0 || L0 || P1 || L1 || ...), where Li is the
// length of Pi in octets as two octets, big endian.
func kdf(key []byte, fc byte, params ...[]byte) [32]byte {
	s := make([]byte, 0, 64)
	s = append(s, fc)
	for _, p := range params {
		s = append(s, p...)
		s = binary.BigEndian.AppendUint16(s, uint16(len(p)))
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(s)
	var out [32]byte
	mac.Sum(out[:0])
	return out
}

// servingNetworkName is the SN name of TS 24.501 §9.12.1 used in A.2, A.4
// and A.6: "5G:mnc<MNC>.mcc<MCC>.3gppnetwork.org" with a three-digit MNC
// (a two-digit MNC gets a leading zero).
func servingNetworkName(mcc, mnc string) []byte {
	if len(mnc) == 2 {
		mnc = "0" + mnc
	}
	return []byte("5G:mnc" + mnc + ".mcc" + mcc + ".3gppnetwork.org")
}

// deriveKAUSF implements A.2: KAUSF from CK || IK with P0 = SN name and
// P1 = SQN ⊕ AK (the first six octets of AUTN).
func deriveKAUSF(ck, ik [16]byte, snn []byte, sqnXorAK [6]byte) secret.Key256 {
	return kdf(append(ck[:], ik[:]...), fcKAUSF, snn, sqnXorAK[:])
}

// deriveRESStar implements A.4: the 128 least significant bits of
// KDF(CK || IK, 0x6B, SN name, RAND, RES).
func deriveRESStar(ck, ik [16]byte, snn []byte, rand [16]byte, res []byte) [16]byte {
	out := kdf(append(ck[:], ik[:]...), fcRESs, snn, rand[:], res)
	return [16]byte(out[16:])
}

// deriveKSEAF implements A.6: KSEAF from KAUSF with P0 = SN name.
func deriveKSEAF(kausf secret.Key256, snn []byte) secret.Key256 {
	return kdf(kausf[:], fcKSEAF, snn)
}

// deriveKAMF implements A.7: KAMF from KSEAF with P0 = SUPI (for an
// IMSI, its digits as text, TS 23.003 §2.2) and P1 = ABBA.
func deriveKAMF(kseaf secret.Key256, supi string, abba []byte) secret.Key256 {
	return kdf(kseaf[:], fcKAMF, []byte(supi), abba)
}

// deriveNASKey implements A.8: the 128 least significant bits of
// KDF(KAMF, 0x69, algorithm type distinguisher, algorithm identity).
func deriveNASKey(kamf secret.Key256, algType, alg byte) secret.Key128 {
	out := kdf(kamf[:], fcNASKey, []byte{algType}, []byte{alg})
	return secret.Key128(out[16:])
}

// deriveKgNB implements A.9: KgNB from KAMF with P0 = the uplink NAS
// COUNT and P1 = the access type distinguisher (3GPP).
func deriveKgNB(kamf secret.Key256, ulCount uint32) secret.Key256 {
	return kdf(kamf[:], fcKgNB, binary.BigEndian.AppendUint32(nil, ulCount), []byte{accessType3GPP})
}

// deriveNH implements A.10: NH from KAMF with P0 = the SYNC-input, the
// KgNB of the initial setup for the first NH, the previous NH after it.
func deriveNH(kamf, sync secret.Key256) secret.Key256 {
	return kdf(kamf[:], fcNH, sync[:])
}
