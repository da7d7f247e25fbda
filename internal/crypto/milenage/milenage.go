package milenage

import (
	"crypto/aes"
	"crypto/subtle"
	"errors"
	"fmt"

	wmnsk "github.com/wmnsk/milenage"

	"github.com/keelcore/keel/internal/secret"
)

// Vector is the output of f1..f5* (TS 35.206) for one RAND.
type Vector struct {
	MACA, MACS [8]byte
	RES        [8]byte
	CK, IK     secret.Key128
	AK, AKStar [6]byte
}

// ErrMACS is returned by VerifyAUTS when the MAC-S of an AUTS does not verify.
var ErrMACS = errors.New("milenage: AUTS MAC-S mismatch")

// OPc derives the operator variant OPc from the subscriber key K and OP
// (TS 35.206 §4.1: OPc = E[OP]K ⊕ OP).
func OPc(k, op secret.Key128) secret.Key128 {
	// aes.NewCipher fails only for a key length other than 16, 24 or 32 octets.
	block, _ := aes.NewCipher(k[:])
	var opc secret.Key128
	block.Encrypt(opc[:], op[:])
	subtle.XORBytes(opc[:], opc[:], op[:])
	return opc
}

// Generate computes f1, f1*, f2, f3, f4, f5 and f5* (TS 35.206 §4.1) for
// subscriber key k, operator variant opc, challenge rand, sequence number sqn
// and authentication management field amf.
func Generate(k, opc secret.Key128, rand [16]byte, sqn [6]byte, amf [2]byte) (Vector, error) {
	var sqn64 uint64
	for _, b := range sqn {
		sqn64 = sqn64<<8 | uint64(b)
	}
	m := wmnsk.NewWithOPc(k[:], opc[:], rand[:], sqn64, uint16(amf[0])<<8|uint16(amf[1]))
	if err := m.ComputeAll(); err != nil {
		return Vector{}, fmt.Errorf("milenage: %w", err)
	}
	var v Vector
	if copy(v.MACA[:], m.MACA) != len(v.MACA) ||
		copy(v.MACS[:], m.MACS) != len(v.MACS) ||
		copy(v.RES[:], m.RES) != len(v.RES) ||
		copy(v.CK[:], m.CK) != len(v.CK) ||
		copy(v.IK[:], m.IK) != len(v.IK) ||
		copy(v.AK[:], m.AK) != len(v.AK) ||
		copy(v.AKStar[:], m.AKS) != len(v.AKStar) {
		return Vector{}, errors.New("milenage: short output from f1..f5*")
	}
	return v, nil
}

// AUTN builds the authentication token SQN ⊕ AK || AMF || MAC-A
// (TS 33.102 §6.3.2) from a vector computed with the same sqn and amf.
func (v Vector) AUTN(sqn [6]byte, amf [2]byte) [16]byte {
	var autn [16]byte
	subtle.XORBytes(autn[0:6], sqn[:], v.AK[:])
	copy(autn[6:8], amf[:])
	copy(autn[8:16], v.MACA[:])
	return autn
}

// resyncAMF is the dummy AMF of a re-synchronisation token (TS 33.102 §6.3.3).
var resyncAMF = [2]byte{0x00, 0x00}

// AUTS builds the re-synchronisation token SQN_MS ⊕ AK* || MAC-S
// (TS 33.102 §6.3.3), with MAC-S computed over the dummy AMF 0x0000.
// It is the USIM side of the procedure.
func AUTS(k, opc secret.Key128, rand [16]byte, sqnMS [6]byte) ([14]byte, error) {
	v, err := Generate(k, opc, rand, sqnMS, resyncAMF)
	if err != nil {
		return [14]byte{}, err
	}
	var auts [14]byte
	subtle.XORBytes(auts[0:6], sqnMS[:], v.AKStar[:])
	copy(auts[6:14], v.MACS[:])
	return auts, nil
}

// VerifyAUTS recovers SQN_MS from an AUTS and checks its MAC-S
// (TS 33.102 §6.3.5). It is the HE/AuC side of re-synchronisation.
func VerifyAUTS(k, opc secret.Key128, rand [16]byte, auts [14]byte) ([6]byte, error) {
	// AK* depends on RAND only, so a first run with any SQN yields it.
	v, err := Generate(k, opc, rand, [6]byte{}, resyncAMF)
	if err != nil {
		return [6]byte{}, err
	}
	var sqnMS [6]byte
	subtle.XORBytes(sqnMS[:], auts[0:6], v.AKStar[:])
	v, err = Generate(k, opc, rand, sqnMS, resyncAMF)
	if err != nil {
		return [6]byte{}, err
	}
	if subtle.ConstantTimeCompare(v.MACS[:], auts[6:14]) != 1 {
		return [6]byte{}, ErrMACS
	}
	return sqnMS, nil
}
