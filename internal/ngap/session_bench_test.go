package ngap

import (
	"testing"

	"github.com/free5gc/ngap/message"
)

// BenchmarkSetupRequestTransfer encodes a Setup Request Transfer (the
// SMF's side) and decodes it (the gNB's side).
func BenchmarkSetupRequestTransfer(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		out, err := testSetupXfer.Encode()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := DecodeSetupRequestTransfer(out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPDUSessionResourceSetupRequest builds, encodes and decodes a
// PDU Session Resource Setup Request of one session with its NAS-PDU and
// transfer (the transfer already encoded, as the AMF receives it from
// the SMF), and reads its items: the AMF's and the gNB's side.
func BenchmarkPDUSessionResourceSetupRequest(b *testing.B) {
	items := testSessionItems(b)[:1]
	b.ReportAllocs()
	for b.Loop() {
		m, err := PDUSessionResourceSetupRequest(testAMFUE, testRANUE, items)
		if err != nil {
			b.Fatal(err)
		}
		pdu, err := Encode(m)
		if err != nil {
			b.Fatal(err)
		}
		d, err := Decode(pdu)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, _, err := DecodePDUSessionResourceSetupRequest(d.(*message.PDUSessionResourceSetupRequest)); err != nil {
			b.Fatal(err)
		}
	}
}
