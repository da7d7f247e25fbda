package kdf

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"

	"github.com/keelcore/keel/internal/secret"
)

// ckik returns CK || IK, the input key of TS 33.501 Annex A.2 and A.4.
func ckik(ck, ik secret.Key128) []byte {
	key := make([]byte, 0, 32)
	key = append(key, ck[:]...)
	return append(key, ik[:]...)
}

// KAUSF derives KAUSF for 5G AKA (TS 33.501 Annex A.2) from CK, IK, the
// serving network name and SQN ⊕ AK as carried in AUTN.
func KAUSF(ck, ik secret.Key128, snName string, sqnXorAK [6]byte) secret.Key256 {
	return KDF(ckik(ck, ik), fcKAUSF, []byte(snName), sqnXorAK[:])
}

// RESStar derives RES* (UE) or XRES* (ARPF) from RES or XRES
// (TS 33.501 Annex A.4): the 128 least significant bits of the KDF output.
func RESStar(ck, ik secret.Key128, snName string, rand [16]byte, res []byte) [16]byte {
	out := KDF(ckik(ck, ik), fcRESStar, []byte(snName), rand[:], res)
	return [16]byte(out[16:])
}

// HXRESStar derives HRES* (SEAF) or HXRES* (AUSF) (TS 33.501 Annex A.5):
// the 128 least significant bits of SHA-256(RAND || (X)RES*).
func HXRESStar(rand, xresStar [16]byte) [16]byte {
	var s [32]byte
	copy(s[:16], rand[:])
	copy(s[16:], xresStar[:])
	sum := sha256.Sum256(s[:])
	return [16]byte(sum[16:])
}

// KSEAF derives the anchor key KSEAF from KAUSF (TS 33.501 Annex A.6).
func KSEAF(kausf secret.Key256, snName string) secret.Key256 {
	return KDF(kausf[:], fcKSEAF, []byte(snName))
}

// supiTypePrefixes are the SUPI type prefixes of TS 29.571 §5.4.2 (Supi).
var supiTypePrefixes = []string{"imsi-", "nai-", "gci-", "gli-"}

// KAMF derives KAMF from KSEAF (TS 33.501 Annex A.7). supi is in the form
// of TS 29.571 ("imsi-<IMSI digits>", "nai-<NAI>", "gci-...", "gli-..."):
// Annex A.7.0 sets P0 to the IMSI, NAI, GCI or GLI itself as a character
// string, so the type prefix is removed. A string without a known prefix is
// used as it is. The SEAF sends ABBA 0x0000 (Annex A.7.1).
func KAMF(kseaf secret.Key256, supi string, abba []byte) secret.Key256 {
	for _, p := range supiTypePrefixes {
		if strings.HasPrefix(supi, p) {
			supi = supi[len(p):]
			break
		}
	}
	return KDF(kseaf[:], fcKAMF, []byte(supi), abba)
}

// AlgorithmKey derives a 128-bit algorithm key (TS 33.501 Annex A.8) from
// KAMF for the NAS keys, or from KgNB for the RRC and UP keys:
// the 128 least significant bits of the KDF output. distinguisher is one of
// NASEncAlg, NASIntAlg, RRCEncAlg, RRCIntAlg, UPEncAlg, UPIntAlg; algID is
// the 4-bit algorithm identity of TS 33.501 §5.11.1.1 (0 for NEA0/NIA0 to 3
// for NEA3/NIA3).
func AlgorithmKey(kamf secret.Key256, distinguisher, algID byte) secret.Key128 {
	out := KDF(kamf[:], fcAlgorithmKey, []byte{distinguisher}, []byte{algID})
	return secret.Key128(out[16:])
}

// KgNB derives KgNB (access type Access3GPP) or KN3IWF (AccessNon3GPP) from
// KAMF and the uplink NAS COUNT (TS 33.501 Annex A.9).
func KgNB(kamf secret.Key256, ulNASCount uint32, accessType byte) secret.Key256 {
	var count [4]byte
	binary.BigEndian.PutUint32(count[:], ulNASCount)
	return KDF(kamf[:], fcKgNB, count[:], []byte{accessType})
}

// NH derives the next hop parameter from KAMF (TS 33.501 Annex A.10).
// syncInput is the fresh KgNB for the first NH and the previous NH after it.
func NH(kamf secret.Key256, syncInput secret.Key256) secret.Key256 {
	return KDF(kamf[:], fcNH, syncInput[:])
}
