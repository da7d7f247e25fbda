// Package gtpu is Keel's own GTP-U (TS 29.281) header code for N3 and N9:
// a parser that reads a message in place, builders that append the
// signalling messages a UPF sends, and a G-PDU header writer for the
// datapath, which reserves headroom before the T-PDU and writes the
// header there.
//
// # Spec conformance
//
//   - Header (TS 29.281 §5.1, Figure 5.1-1): version 1 and PT 1 are
//     required, the spare bit is ignored; when any of E, S, PN is set the
//     sequence number, N-PDU number and next extension header type octets
//     are present, and each is read only if its own flag is set. The
//     Length field counts the octets after the first 8; octets beyond it
//     are not part of the message.
//   - Extension headers (§5.2.1): the chain is walked to its end, each
//     header being a Length octet in 4-octet units (0 is refused), its
//     contents and the next type. Parse reads the PDU Session Container
//     (type 0x85, §5.2.2.7, contents from TS 38.415 §5.5.2.1 DL PDU
//     SESSION INFORMATION and §5.5.2.2 UL PDU SESSION INFORMATION: PDU
//     type in bits 8-5 of the first octet, QFI in bits 6-1 of the second)
//     and the UDP Port header (0x40, §5.2.2.1); it reports the first other
//     header whose type has bit 8 set (comprehension required by the
//     receiving endpoint) in Packet.UnsupportedExt, so that the caller can
//     discard the message and send a Supported Extension Headers
//     Notification (§5.2.1, §7.2.3). A container of a reserved PDU type
//     (TS 38.415 §5.5.3.1) is skipped.
//   - G-PDU (§6.1, §5.2.2.7): PutGPDUHeader writes E=1, S=0, PN=0 and one
//     4-octet PDU Session Container: DL (PDU type 0, PPP 0, RQI 0) from
//     the UPF, UL (PDU type 1) from the simulated gNB.
//   - Echo Request and Echo Response (§7.2.1, §7.2.2): TEID 0, S=1; the
//     response carries the Recovery IE (type 14, §8.2), whose restart
//     counter GTP-U does not use (§7.2.2: sent as 0, ignored on receipt).
//   - Error Indication (§7.3.1): header TEID 0, S=1, sequence number 0;
//     Tunnel Endpoint Identifier Data I (type 16, TV, §8.3) and GTP-U Peer
//     Address (type 133, TLV, 4 or 16 octets, §8.4) in ascending type order
//     (§8.1). ParseErrorIndication also accepts a Recovery or Private
//     Extension IE and the UDP Port extension header (§5.2.2.1).
//   - End Marker (§7.3.2): the 8 mandatory octets with the tunnel's TEID.
//   - Not built here: Supported Extension Headers Notification (§7.2.3),
//     Tunnel Status (§7.3.3), N-PDU numbers, sequence numbers on G-PDUs.
//
// Every builder is pinned by hand-laid golden bytes (golden_test.go), and
// tshark, a decoder written independently of this one, reads every golden
// message without complaint, with an ICMP echo request as the T-PDU of the
// G-PDUs (tshark_test.go).
//
// # Errors
//
// Parse never panics and never allocates: it returns one of ErrShort (fewer
// than 8 octets), ErrVersion (not version 1 with PT 1), ErrLength (Length
// field beyond the input, or too short for the optional fields its flags
// announce) or ErrExtension (an extension header of Length 0 or running
// past the message). FuzzParse checks that no input makes it panic and
// that Payload always lies inside the input. TS 29.281 §4.3.1 and §7.3.1
// leave the answer to the caller: a G-PDU for an unknown TEID gets an
// Error Indication; a malformed message is dropped.
//
// ParseErrorIndication returns errors that wrap ErrIE.
//
// The builders cannot fail on what a peer sends; they panic only on
// arguments a correct caller never passes: a T-PDU longer than
// MaxGPDUPayload (the 16-bit Length field cannot express it), or an
// invalid peer address for an Error Indication.
//
// # Concurrency
//
// The package has no state: every function is a pure function of its
// arguments. Parse writes only the Packet it is given, and the builders
// write only the buffer they are given, so goroutines that use distinct
// Packets and buffers need no locking.
package gtpu
