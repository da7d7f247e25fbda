package gtpu

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
)

// PutGPDUHeader writes a G-PDU header with a PDU Session Container (QFI;
// uplink selects PDU type 1, else 0) into b[:HeaderLen] for a T-PDU of
// payloadLen bytes that follows it; b must have HeaderLen bytes. Zero
// allocation: the datapath reserves headroom and writes the header in
// place. Only the low 6 bits of qfi are sent (TS 38.415 §5.5.3.3).
//
// It panics if payloadLen is negative or above MaxGPDUPayload, which the
// 16-bit Length field cannot express: the caller drops such packets first.
func PutGPDUHeader(b []byte, teid uint32, qfi uint8, uplink bool, payloadLen int) {
	if uint(payloadLen) > MaxGPDUPayload {
		panic(fmt.Sprintf("gtpu: PutGPDUHeader: T-PDU of %d octets does not fit the Length field (max %d)", payloadLen, MaxGPDUPayload))
	}
	_ = b[HeaderLen-1]
	// TS 29.281 §5.1, Figure 5.1-1. Octet 1: version 1, PT 1, E 1; S and
	// PN 0, so octets 9-11 (sequence number, N-PDU number) are sent as
	// zero and not evaluated.
	b[0] = flagsV1 | flagE
	b[1] = MsgGPDU
	binary.BigEndian.PutUint16(b[2:4], uint16(HeaderLen-minLen+payloadLen))
	binary.BigEndian.PutUint32(b[4:8], teid)
	b[8], b[9], b[10] = 0, 0, 0
	b[11] = ExtPDUSessionContainer
	// §5.2.1 and §5.2.2.7: Length 1 (4 octets), then TS 38.415 §5.5.2.1
	// (DL: PDU Type 0, QMP/SNP/MSNP 0; PPP 0, RQI 0, QFI) or §5.5.2.2
	// (UL: PDU Type 1, QMP/delay/SNP indications 0; N3/N9 Delay Ind 0,
	// New IE Flag 0, QFI), then Next Extension Header Type 0. The two
	// octets of frame make the (n*4 - 2) length of TS 38.415 with n = 1.
	b[12] = 1
	b[13] = pduTypeDL << 4
	if uplink {
		b[13] = pduTypeUL << 4
	}
	b[14] = qfi & 0x3f
	b[15] = ExtNone
}

// AppendGPDU appends a G-PDU carrying payload, with the header of
// PutGPDUHeader, to dst. It panics like PutGPDUHeader.
func AppendGPDU(dst []byte, teid uint32, qfi uint8, uplink bool, payload []byte) []byte {
	dst = slices.Grow(dst, HeaderLen+len(payload))
	n := len(dst)
	dst = dst[:n+HeaderLen]
	PutGPDUHeader(dst[n:], teid, qfi, uplink, len(payload))
	return append(dst, payload...)
}

// appendSignallingHeader appends the 12-octet header of a signalling
// message with the S flag set (TS 29.281 §5.1: S is 1 in Echo Request,
// Echo Response, Error Indication and Supported Extension Headers
// Notification), N-PDU number 0 and no extension header; ieLen octets of
// IEs follow.
func appendSignallingHeader(dst []byte, typ uint8, teid uint32, seq uint16, ieLen int) []byte {
	l := optLen - minLen + ieLen
	return append(dst,
		flagsV1|flagS, typ, byte(l>>8), byte(l),
		byte(teid>>24), byte(teid>>16), byte(teid>>8), byte(teid),
		byte(seq>>8), byte(seq), 0, ExtNone)
}

// AppendEchoRequest appends an Echo Request (TS 29.281 §7.2.1) to dst:
// TEID 0, sequence number seq, no IE.
func AppendEchoRequest(dst []byte, seq uint16) []byte {
	return appendSignallingHeader(dst, MsgEchoRequest, 0, seq, 0)
}

// AppendEchoResponse appends an Echo Response (TS 29.281 §7.2.2) to dst:
// TEID 0, the sequence number of the request, and the Recovery IE (type
// 14, §8.2). §7.2.2 says the GTP-U restart counter is not used: senders
// put 0 there and receivers ignore it.
func AppendEchoResponse(dst []byte, seq uint16, restartCounter uint8) []byte {
	dst = appendSignallingHeader(dst, MsgEchoResponse, 0, seq, 2)
	return append(dst, ieRecovery, restartCounter)
}

// AppendErrorIndication appends an Error Indication (TS 29.281 §7.3.1) to
// dst: header TEID 0 and sequence number 0 with the S flag set, then
// Tunnel Endpoint Identifier Data I (type 16, §8.3) with teid, the TEID of
// the G-PDU that found no tunnel, and GTP-U Peer Address (type 133, §8.4)
// with peer, the address that G-PDU was sent to. IEs are in ascending
// type order (§8.1). An IPv4-mapped IPv6 peer is sent as IPv4.
//
// It panics if peer is not a valid address.
func AppendErrorIndication(dst []byte, teid uint32, peer netip.Addr) []byte {
	if !peer.IsValid() {
		panic("gtpu: AppendErrorIndication: invalid GTP-U peer address")
	}
	peer = peer.Unmap()
	n := 4
	if peer.Is6() {
		n = 16
	}
	dst = appendSignallingHeader(dst, MsgErrorIndication, 0, 0, 5+3+n)
	dst = append(dst, ieTEIDDataI, byte(teid>>24), byte(teid>>16), byte(teid>>8), byte(teid))
	dst = append(dst, iePeerAddress, 0, byte(n))
	if n == 4 {
		a := peer.As4()
		return append(dst, a[:]...)
	}
	a := peer.As16()
	return append(dst, a[:]...)
}

// AppendEndMarker appends an End Marker (TS 29.281 §7.3.2) for the tunnel
// teid to dst: the 8 mandatory header octets with no optional field and
// no IE.
func AppendEndMarker(dst []byte, teid uint32) []byte {
	return append(dst, flagsV1, MsgEndMarker, 0, 0,
		byte(teid>>24), byte(teid>>16), byte(teid>>8), byte(teid))
}
