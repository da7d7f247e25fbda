package kdf

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"strings"
)

// FC values of TS 33.501 Annex A used by this package.
const (
	fcAlgorithmKey byte = 0x69 // Annex A.8
	fcKAUSF        byte = 0x6A // Annex A.2
	fcRESStar      byte = 0x6B // Annex A.4
	fcKSEAF        byte = 0x6C // Annex A.6
	fcKAMF         byte = 0x6D // Annex A.7
	fcKgNB         byte = 0x6E // Annex A.9
	fcNH           byte = 0x6F // Annex A.10
)

// Algorithm type distinguishers (TS 33.501 Annex A.8, table A.8-1).
const (
	NASEncAlg byte = 0x01 // N-NAS-enc-alg
	NASIntAlg byte = 0x02 // N-NAS-int-alg
	RRCEncAlg byte = 0x03 // N-RRC-enc-alg
	RRCIntAlg byte = 0x04 // N-RRC-int-alg
	UPEncAlg  byte = 0x05 // N-UP-enc-alg
	UPIntAlg  byte = 0x06 // N-UP-int-alg
)

// Access type distinguishers (TS 33.501 Annex A.9, table A.9-1).
const (
	Access3GPP    byte = 0x01
	AccessNon3GPP byte = 0x02
)

// maxParamLen is the largest Pi a two-octet Li can describe (TS 33.220 B.2.0).
const maxParamLen = 0xFFFF

// KDF is the generic key derivation function of TS 33.220 Annex B.2.0:
// HMAC-SHA-256(key, FC || P0 || L0 || P1 || L1 || ...), where Li is the
// length of Pi in octets as a two-octet big-endian integer. A parameter
// longer than 65535 octets cannot be described by Li; only its first 65535
// octets are used.
func KDF(key []byte, fc byte, params ...[]byte) [32]byte {
	mac := hmac.New(sha256.New, key)
	var l [2]byte
	l[0] = fc
	mac.Write(l[:1])
	for _, p := range params {
		if len(p) > maxParamLen {
			p = p[:maxParamLen]
		}
		mac.Write(p)
		binary.BigEndian.PutUint16(l[:], uint16(len(p)))
		mac.Write(l[:])
	}
	var out [32]byte
	mac.Sum(out[:0])
	return out
}

// ServingNetworkName returns the serving network name of TS 33.501
// §6.1.1.4: the service code "5G", a colon and the SNN-network-identifier of
// TS 24.501 §9.12.1, "mnc<MNC>.mcc<MCC>.3gppnetwork.org", with the MNC
// padded to three digits by leading zeros.
func ServingNetworkName(mcc, mnc string) string {
	if len(mnc) < 3 {
		mnc = strings.Repeat("0", 3-len(mnc)) + mnc
	}
	return "5G:mnc" + mnc + ".mcc" + mcc + ".3gppnetwork.org"
}
