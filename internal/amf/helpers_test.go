package amf_test

import "github.com/free5gc/ngap/aper"

// bitString36 is an NR Cell Identity (36 bits, TS 38.413 §9.3.1.7).
func bitString36() aper.BitString {
	return aper.BitString{Bytes: []byte{0, 0, 0, 0x10, 0}, BitLength: 36}
}
