package h2wire

import (
	"bytes"
	"strconv"
)

// Indexes of the HPACK static table (RFC 7541 Appendix A) for the names
// WriteLiteral writes.
const (
	StaticPath          = 4  // :path
	StaticContentLength = 28 // content-length
	StaticLocation      = 46 // location
)

// WriteLiteral writes to a header block a field whose name is entry
// nameIndex of the static table, as a Literal Header Field without
// Indexing (RFC 7541 §6.2.2), its value a plain string literal (§5.2,
// no Huffman coding). It is for values that seldom repeat: a request's
// :path (it names the UE or the context), content-length, location.
// Indexed as hpack.Encoder would, each would enter the dynamic table of
// both ends and push out fields that do repeat (content-type, the user
// agent, :authority), and cost the encoder and the decoder a table
// insertion and an eviction each; plain, it costs neither a table
// search nor Huffman coding, for a few bytes more on the wire.
//
// The block must have had its first field written by the encoder, which
// writes a pending Dynamic Table Size Update first (§4.2).
func WriteLiteral(b *bytes.Buffer, nameIndex uint64, value string) {
	appendInt(b, 0x00, 4, nameIndex)
	appendInt(b, 0x00, 7, uint64(len(value)))
	b.WriteString(value)
}

// WriteLiteralUint is WriteLiteral of v in decimal (a content-length),
// without making a string of it.
func WriteLiteralUint(b *bytes.Buffer, nameIndex uint64, v uint64) {
	var digits [20]byte
	d := strconv.AppendUint(digits[:0], v, 10)
	appendInt(b, 0x00, 4, nameIndex)
	appendInt(b, 0x00, 7, uint64(len(d)))
	b.Write(d)
}

// appendInt writes i as an HPACK integer with an n-bit prefix (RFC 7541
// §5.1), first ORed with the pattern bits above the prefix.
func appendInt(b *bytes.Buffer, first byte, n uint, i uint64) {
	limit := uint64(1)<<n - 1
	if i < limit {
		b.WriteByte(first | byte(i))
		return
	}
	b.WriteByte(first | byte(limit))
	for i -= limit; i >= 128; i >>= 7 {
		b.WriteByte(byte(i&0x7f) | 0x80)
	}
	b.WriteByte(byte(i))
}
