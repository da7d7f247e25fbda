package pfcp

import (
	"context"
	"net/netip"
	"testing"

	"github.com/wmnsk/go-pfcp/message"
)

// BenchmarkEstablishmentRequest measures the SMF's and the UPF's work for
// the Session Establishment Request of a 5G PDU session: Message, marshal,
// Decode and Parse.
func BenchmarkEstablishmentRequest(b *testing.B) {
	r := testEstablishmentRequest()
	b.ReportAllocs()
	for b.Loop() {
		m, err := r.Message(1)
		if err != nil {
			b.Fatal(err)
		}
		buf, err := Marshal(m)
		if err != nil {
			b.Fatal(err)
		}
		dm, err := Decode(buf)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ParseEstablishmentRequest(dm.(*message.SessionEstablishmentRequest)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEstablishmentRequestParts splits the same work.
func BenchmarkEstablishmentRequestParts(b *testing.B) {
	r := testEstablishmentRequest()
	m, _ := r.Message(1)
	buf, _ := Marshal(m)
	b.Run("Message", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r.Message(1)
		}
	})
	b.Run("Marshal", func(b *testing.B) {
		b.ReportAllocs()
		out := make([]byte, 0, len(buf))
		for b.Loop() {
			out, _ = AppendMessage(out[:0], m)
		}
	})
	b.Run("Decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Decode(buf)
		}
	})
	dm, _ := Decode(buf)
	b.Run("Parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ParseEstablishmentRequest(dm.(*message.SessionEstablishmentRequest))
		}
	})
}

// BenchmarkHeartbeatExchange measures a request and its response between
// two Nodes on loopback.
func BenchmarkHeartbeatExchange(b *testing.B) {
	server, err := Listen(b.Context(), loopback, func(ctx context.Context, peer netip.AddrPort, req message.Message) message.Message {
		m, _ := HeartbeatResponse(0, testRecovery)
		return m
	}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer server.Close()
	client, err := Listen(b.Context(), loopback, nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	b.ReportAllocs()
	for b.Loop() {
		req, _ := HeartbeatRequest(0, testRecovery)
		if _, err := client.Request(b.Context(), server.Addr(), req); err != nil {
			b.Fatal(err)
		}
	}
}
