package ue

import (
	"crypto/aes"
	"crypto/cipher"

	"github.com/keelcore/keel/internal/secret"
)

// milenage is the USIM's authentication function set f1, f1*, f2, f3, f4,
// f5 and f5* (TS 35.206 §4.1) with the default rotation and constant
// values r1..r5 = 64, 0, 32, 64, 96 and c1..c5 = 0, 1, 2, 4, 8.
type milenage struct {
	block cipher.Block // E_K
	opc   secret.Key128
}

func newMilenage(k, opc secret.Key128) *milenage {
	return &milenage{block: aes128(k), opc: opc}
}

// aes128 returns the AES block cipher for a 128-bit key. aes.NewCipher
// fails only for key lengths other than 16, 24 or 32 bytes.
func aes128(k [16]byte) cipher.Block {
	b, _ := aes.NewCipher(k[:])
	return b
}

// deriveOPc computes OPc = OP ⊕ E_K(OP) (TS 35.206 §4.1).
func deriveOPc(k, op secret.Key128) secret.Key128 {
	var out secret.Key128
	aes128(k).Encrypt(out[:], op[:])
	xor16(out[:], out[:], op[:])
	return out
}

// temp returns TEMP = E_K(RAND ⊕ OPc).
func (m *milenage) temp(rand [16]byte) [16]byte {
	var t [16]byte
	xor16(t[:], rand[:], m.opc[:])
	m.block.Encrypt(t[:], t[:])
	return t
}

// out computes OUTn = E_K(rot(x ⊕ OPc, r) ⊕ c) ⊕ OPc, with c a constant
// whose only non-zero octet is the last one.
func (m *milenage) out(x [16]byte, rBytes int, c byte) [16]byte {
	var in, rot [16]byte
	xor16(in[:], x[:], m.opc[:])
	for i := range rot {
		rot[i] = in[(i+rBytes)%16]
	}
	rot[15] ^= c
	var o [16]byte
	m.block.Encrypt(o[:], rot[:])
	xor16(o[:], o[:], m.opc[:])
	return o
}

// f1 returns MAC-A (f1) and MAC-S (f1*) for SQN and AMF.
func (m *milenage) f1(rand [16]byte, sqn [6]byte, amf [2]byte) (macA, macS [8]byte) {
	t := m.temp(rand)
	var in1 [16]byte
	copy(in1[0:6], sqn[:])
	copy(in1[6:8], amf[:])
	copy(in1[8:14], sqn[:])
	copy(in1[14:16], amf[:])
	// OUT1 = E_K(TEMP ⊕ rot(IN1 ⊕ OPc, r1) ⊕ c1) ⊕ OPc, r1 = 64 bits, c1 = 0.
	var x, rot [16]byte
	xor16(x[:], in1[:], m.opc[:])
	for i := range rot {
		rot[i] = x[(i+8)%16] ^ t[i]
	}
	var o [16]byte
	m.block.Encrypt(o[:], rot[:])
	xor16(o[:], o[:], m.opc[:])
	copy(macA[:], o[0:8])
	copy(macS[:], o[8:16])
	return macA, macS
}

// f2345 returns RES (f2), CK (f3), IK (f4), AK (f5) and AK* (f5*).
func (m *milenage) f2345(rand [16]byte) (res [8]byte, ck, ik [16]byte, ak, akStar [6]byte) {
	t := m.temp(rand)
	out2 := m.out(t, 0, 1)
	copy(ak[:], out2[0:6])
	copy(res[:], out2[8:16])
	ck = m.out(t, 4, 2)
	ik = m.out(t, 8, 4)
	out5 := m.out(t, 12, 8)
	copy(akStar[:], out5[0:6])
	return res, ck, ik, ak, akStar
}

func xor16(dst, a, b []byte) {
	for i := 0; i < 16; i++ {
		dst[i] = a[i] ^ b[i]
	}
}
