package ngap

import (
	"fmt"

	"github.com/free5gc/ngap/aper"
)

// bitString returns the n low bits of v as a BIT STRING of n bits,
// first bit = most significant (X.691 §16: bits are laid out in order,
// leading bit first).
func bitString(v uint64, n uint64) aper.BitString {
	b := make([]byte, (n+7)/8)
	v <<= 64 - n
	for i := range b {
		b[i] = byte(v >> (56 - 8*i))
	}
	return aper.BitString{Bytes: b, BitLength: n}
}

// bitStringValue is the inverse of bitString: bs as a number, refused
// unless it has exactly n bits.
func bitStringValue(bs aper.BitString, n uint64, what string) (uint64, error) {
	if bs.BitLength != n || uint64(len(bs.Bytes))*8 < n {
		return 0, fmt.Errorf("ngap: %s of %d bits, want %d", what, bs.BitLength, n)
	}
	var v uint64
	for i := range (n + 7) / 8 {
		v = v<<8 | uint64(bs.Bytes[i])
	}
	return v >> ((8 - n%8) % 8), nil
}
