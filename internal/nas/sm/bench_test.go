package sm

import "testing"

// BenchmarkEstablishmentAccept builds the accept of an IPv4v6 session
// with two DNS servers into a reused buffer, as the SMF does for every
// new session.
func BenchmarkEstablishmentAccept(b *testing.B) {
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EstablishmentAccept(buf, acceptIPv4v6); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseEstablishmentRequest parses a request with PDU session
// type, SSC mode and an ePCO of three requests.
func BenchmarkParseEstablishmentRequest(b *testing.B) {
	req := AppendEstablishmentRequest(nil, requestAll)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseEstablishmentRequest(req); err != nil {
			b.Fatal(err)
		}
	}
}
