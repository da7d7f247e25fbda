package scenario

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
)

// DiscardPort is the UDP port the data network's downlink goes to: the
// discard service (RFC 863), which a UE would drop.
const DiscardPort = 9

// DataNetwork sends downlink to UEs from the data network's side: UDP
// datagrams from an ordinary socket of this host to a UE's address. The
// host routes them like any packet for the UE pools: when the core runs
// on this host, its UPF's N6 TUN device holds the route to the pools, so
// the datagrams enter the core through N6 exactly as traffic from the
// data network does (the UPF buffers them for an idle UE and has it
// paged); with the core elsewhere, this host needs a route to the pools
// through the core's N6. Its methods are safe for concurrent use.
type DataNetwork struct {
	conn *net.UDPConn
}

// ListenDataNetwork opens the data network's socket.
func ListenDataNetwork() (*DataNetwork, error) {
	conn, err := net.ListenUDP("udp4", nil)
	if err != nil {
		return nil, fmt.Errorf("scenario: data network socket: %w", err)
	}
	return &DataNetwork{conn: conn}, nil
}

// Send sends payload to the UE address to, port DiscardPort.
func (d *DataNetwork) Send(to netip.Addr, payload []byte) error {
	if !to.Is4() {
		return fmt.Errorf("scenario: downlink to %v: IPv4 only", to)
	}
	if _, err := d.conn.WriteToUDPAddrPort(payload, netip.AddrPortFrom(to, DiscardPort)); err != nil {
		return fmt.Errorf("scenario: downlink to %v: %w", to, err)
	}
	return nil
}

// Close closes the socket.
func (d *DataNetwork) Close() error { return d.conn.Close() }

// MatchUDP reports whether the IPv4 packet pkt (as a UE receives it) is
// a UDP datagram to address to, port DiscardPort, carrying payload.
func MatchUDP(pkt []byte, to netip.Addr, payload []byte) bool {
	const protoUDP, udpHeaderLen = 17, 8
	if len(pkt) < 20 || pkt[0]>>4 != 4 || pkt[9] != protoUDP {
		return false
	}
	hl, total := int(pkt[0]&0x0F)*4, int(binary.BigEndian.Uint16(pkt[2:4]))
	if hl < 20 || total < hl+udpHeaderLen || total > len(pkt) || netip.AddrFrom4([4]byte(pkt[16:20])) != to {
		return false
	}
	udp := pkt[hl:total]
	return binary.BigEndian.Uint16(udp[2:4]) == DiscardPort && bytes.Equal(udp[udpHeaderLen:], payload)
}
