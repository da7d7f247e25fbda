package scenario

import (
	"context"
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/ue"
)

func TestIdleProceduresNeedIdle(t *testing.T) {
	s := &Session{Conn: &gnb.UEConn{}}
	ctx := context.Background()
	if _, err := s.ServiceRequest(ctx, ue.ServiceData, 1); Cause(err) != "connected" {
		t.Errorf("ServiceRequest when connected: %v, want cause connected", err)
	}
	if _, err := s.Paging(ctx, 1, nil, nil); Cause(err) != "connected" {
		t.Errorf("Paging when connected: %v, want cause connected", err)
	}
}

func TestRRCCause(t *testing.T) {
	for st, want := range map[ue.ServiceType]int64{
		ue.ServiceMobileTerminated: int64(ngap.RRCCauseMTAccess),
		ue.ServiceData:             int64(ngap.RRCCauseMOData),
		ue.ServiceSignalling:       int64(ngap.RRCCauseMOSignalling),
		ue.ServiceEmergency:        int64(ngap.RRCCauseEmergency),
	} {
		if got := int64(rrcCause(st)); got != want {
			t.Errorf("rrcCause(%v) = %d, want %d", st, got, want)
		}
	}
}

// udpPacket builds an IPv4 packet with a UDP datagram, as the UPF
// delivers downlink from the data network.
func udpPacket(to netip.Addr, port uint16, payload string) []byte {
	p := []byte{0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 10, 45, 0, 1}
	a := to.As4()
	p = append(p, a[:]...)
	p = binary.BigEndian.AppendUint16(p, 40000)
	p = binary.BigEndian.AppendUint16(p, port)
	p = binary.BigEndian.AppendUint16(p, uint16(8+len(payload)))
	p = append(p, 0, 0)
	p = append(p, payload...)
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	return p
}

func TestMatchUDP(t *testing.T) {
	ueAddr := netip.MustParseAddr("10.45.0.7")
	want := []byte("keel sim downlink to imsi-001010000000001")
	if !MatchUDP(udpPacket(ueAddr, DiscardPort, string(want)), ueAddr, want) {
		t.Error("the datagram sent is not recognised")
	}
	for name, p := range map[string][]byte{
		"other address": udpPacket(netip.MustParseAddr("10.45.0.8"), DiscardPort, string(want)),
		"other port":    udpPacket(ueAddr, 7, string(want)),
		"other payload": udpPacket(ueAddr, DiscardPort, "keel sim downlink to imsi-001010000000002"),
		"truncated":     udpPacket(ueAddr, DiscardPort, string(want))[:30],
		"ICMP":          append([]byte{0x45, 0, 0, 28, 0, 0, 0, 0, 64, 1}, make([]byte, 18)...),
		"empty":         nil,
	} {
		if MatchUDP(p, ueAddr, want) {
			t.Errorf("%s: recognised as the downlink", name)
		}
	}
}
