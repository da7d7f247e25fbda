package ngap

import (
	"testing"

	"github.com/free5gc/ngap/message"
)

// BenchmarkInitialContextSetupRequest builds, encodes and decodes an
// Initial Context Setup Request with a NAS-PDU and two slices: the AMF's
// side and the gNB's side of one registration's context setup.
func BenchmarkInitialContextSetupRequest(b *testing.B) {
	c := testContext()
	b.ReportAllocs()
	for b.Loop() {
		m, err := InitialContextSetupRequest(c)
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
		if _, err := DecodeInitialContextSetupRequest(d.(*message.InitialContextSetupRequest)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUplinkNASTransport builds, encodes and decodes an Uplink NAS
// Transport and reads its UE NGAP IDs and location, as the AMF does for
// every uplink NAS message.
func BenchmarkUplinkNASTransport(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		m, err := UplinkNASTransport(testAMFUE, testRANUE, nasAuthenticationResponse, testLoc)
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
		if _, ok, _, _ := UEIDs(d); !ok {
			b.Fatal("no AMF UE NGAP ID")
		}
		if _, err := DecodeUELocation(d.(*message.UplinkNASTransport).UserLocationInformation); err != nil {
			b.Fatal(err)
		}
	}
}
