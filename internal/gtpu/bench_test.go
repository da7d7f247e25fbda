package gtpu

import "testing"

// BenchmarkParseGPDU parses a downlink G-PDU with a PDU Session Container
// and a 36-octet ICMP echo request.
func BenchmarkParseGPDU(b *testing.B) {
	msg := unhex(b, goldens()[0].hex)
	var p Packet
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := Parse(msg, &p); err != nil || !p.HasQFI {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutGPDUHeader writes a header into the headroom in front of a
// 1400-octet T-PDU, as the UPF downlink path does.
func BenchmarkPutGPDUHeader(b *testing.B) {
	buf := make([]byte, HeaderLen+1400)
	b.ReportAllocs()
	for b.Loop() {
		PutGPDUHeader(buf[:HeaderLen], 0x11223344, 9, false, 1400)
	}
}
