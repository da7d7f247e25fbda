//go:build linux

package upf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/keelcore/keel/internal/gtpu"
)

const (
	pingTimeout = time.Second
	// pingWarmUp pings per path, about 12 ms, go before the timed ones:
	// in the first few milliseconds after the datapath starts, 1 to 2 %
	// of the round trips take 30-40 µs, which made p99 of 2000 pings
	// jump between 15 and 45 µs from run to run.
	pingWarmUp = 1000
	pingID     = 0x4b1d
	pingData   = 56 // octets of echo data, as ping(8) sends: 84-octet packets

	// ICMP_FILTER (linux/icmp.h), which x/sys/unix lacks: a mask of the
	// ICMP types a raw socket drops.
	icmpFilter    = 1
	icmpEchoReply = 0
)

// BenchmarkPingLatency measures the round trip of a ping to the gateway
// 10.45.0.1 two ways, in the namespace of TestMain:
//
//   - upf: from a gNB socket on 127.0.0.2:2152, the echo request from
//     UE 10.45.0.2 in a G-PDU to the datapath's N3 socket; the kernel's
//     reply comes back through the TUN device, in a G-PDU.
//   - direct: from a raw ICMP socket, the same echo request straight to
//     the gateway over lo, the floor the UPF adds to.
//
// Each iteration sends one ping on each path, sequentially, and waits
// for its reply (1 s at most, else the benchmark fails); interleaving
// the paths, in alternating order, exposes both to the same machine
// noise. Both sockets are connected, and go through the netpoller, so
// the test's own socket costs are alike. The metrics are nearest-rank
// percentiles of the b.N round trips of each path, in microseconds, and
// their differences ("added"; a difference of percentiles, not a
// percentile of differences). ns/op is the two round trips together.
func BenchmarkPingLatency(b *testing.B) {
	d := newTestDatapathOn(b, "127.0.0.1:0")
	if err := d.Apply(1, testRules(0x100, 0x200, testUE(), mustAddr("127.0.0.2"))); err != nil {
		b.Fatal(err)
	}
	paths := []*pinger{newUPFPinger(b, d.N3Addr()), newDirectPinger(b, testGateway().Addr())}
	// Setting up allocates megabytes (the datapath's buffers): collect
	// now rather than under the pings.
	runtime.GC()
	seq := uint16(0)
	for range pingWarmUp {
		seq++
		for _, p := range paths {
			if _, err := p.ping(seq); err != nil {
				b.Fatal(err)
			}
		}
	}
	for b.Loop() {
		seq++
		for i := range paths {
			p := paths[(i+int(seq))%len(paths)]
			rtt, err := p.ping(seq)
			if err != nil {
				b.Fatal(err)
			}
			p.rtts = append(p.rtts, rtt)
		}
	}
	var p50, p99 [2]float64
	for i, p := range paths {
		slices.Sort(p.rtts)
		p50[i], p99[i] = percentile(p.rtts, 50), percentile(p.rtts, 99)
		b.ReportMetric(p50[i], "p50-µs-"+p.name)
		b.ReportMetric(p99[i], "p99-µs-"+p.name)
	}
	b.ReportMetric(p50[0]-p50[1], "p50-µs-added")
	b.ReportMetric(p99[0]-p99[1], "p99-µs-added")
}

// percentile is the nearest-rank p-th percentile of sorted, in µs.
func percentile(sorted []time.Duration, p float64) float64 {
	i := int(math.Ceil(p / 100 * float64(len(sorted))))
	return float64(sorted[max(i-1, 0)]) / float64(time.Microsecond)
}

// pinger sends echo requests over a connected socket, one at a time.
type pinger struct {
	name string
	conn net.Conn
	req  []byte // the datagram, its echo request at req[icmp:]
	icmp int
	buf  []byte
	// reply checks a received datagram and returns the ICMP message in it.
	reply func(b []byte) ([]byte, error)
	rtts  []time.Duration
}

func newUPFPinger(b *testing.B, n3 netip.AddrPort) *pinger {
	gnb := netip.AddrPortFrom(mustAddr("127.0.0.2"), gtpu.Port)
	c, err := net.DialUDP("udp4", net.UDPAddrFromAddrPort(gnb), net.UDPAddrFromAddrPort(n3))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	req := gtpu.AppendGPDU(nil, 0x100, 9, true, icmpEcho(testUE(), testGateway().Addr(), pingID, 0, pingData))
	return &pinger{
		name: "upf", conn: c, req: req, icmp: len(req) - 8 - pingData, buf: make([]byte, 2048),
		reply: func(b []byte) ([]byte, error) {
			var p gtpu.Packet
			if err := gtpu.Parse(b, &p); err != nil {
				return nil, err
			}
			if p.Type != gtpu.MsgGPDU || p.TEID != 0x200 {
				return nil, fmt.Errorf("message type %d for TEID %#x, want a G-PDU for TEID 0x200", p.Type, p.TEID)
			}
			return icmpIn(p.Payload, testGateway().Addr(), testUE())
		},
	}
}

func newDirectPinger(b *testing.B, gw netip.Addr) *pinger {
	c, err := net.DialIP("ip4:icmp", nil, &net.IPAddr{IP: gw.AsSlice()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	// A raw socket also gets the echo request itself, looped back over
	// lo: only replies wake the reader.
	rc, err := c.SyscallConn()
	if err != nil {
		b.Fatal(err)
	}
	mask := ^uint32(1 << icmpEchoReply)
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_RAW, icmpFilter, int(mask))
	}); err != nil {
		b.Fatal(err)
	}
	if serr != nil {
		b.Fatalf("setsockopt(ICMP_FILTER) = %v", serr)
	}
	return &pinger{
		name: "direct", conn: c, req: icmpEcho(gw, gw, pingID, 0, pingData)[20:], buf: make([]byte, 2048),
		// The kernel picks the gateway as source too.
		reply: func(b []byte) ([]byte, error) { return icmpIn(b, gw, gw) },
	}
}

// ping sends the echo request with sequence number seq and returns the
// time until its reply came.
func (p *pinger) ping(seq uint16) (time.Duration, error) {
	m := p.req[p.icmp:]
	binary.BigEndian.PutUint16(m[6:], seq)
	binary.BigEndian.PutUint16(m[2:], 0)
	binary.BigEndian.PutUint16(m[2:], checksum(m, 0))
	if err := p.conn.SetReadDeadline(time.Now().Add(pingTimeout)); err != nil {
		return 0, err
	}
	start := time.Now()
	if _, err := p.conn.Write(p.req); err != nil {
		return 0, fmt.Errorf("%s: ping %d: %w", p.name, seq, err)
	}
	n, err := p.conn.Read(p.buf)
	rtt := time.Since(start)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return 0, fmt.Errorf("%s: ping %d: no reply within %v", p.name, seq, pingTimeout)
	}
	if err != nil {
		return 0, fmt.Errorf("%s: ping %d: %w", p.name, seq, err)
	}
	rep, err := p.reply(p.buf[:n])
	if err != nil {
		return 0, fmt.Errorf("%s: ping %d: received %x: %w", p.name, seq, p.buf[:n], err)
	}
	if len(rep) != len(m) || rep[0] != icmpEchoReply || rep[1] != 0 || !bytes.Equal(rep[4:8], m[4:8]) || !bytes.Equal(rep[8:], m[8:]) {
		return 0, fmt.Errorf("%s: ping %d: received %x, want the echo reply to %x", p.name, seq, rep, m)
	}
	return rtt, nil
}

// icmpIn returns the ICMP message in IPv4 packet b from src to dst.
func icmpIn(b []byte, src, dst netip.Addr) ([]byte, error) {
	if len(b) < 20 || b[0]>>4 != 4 || len(b) < int(b[0]&0xf)*4 {
		return nil, errors.New("not an IPv4 packet")
	}
	s, d := netip.AddrFrom4([4]byte(b[12:16])), netip.AddrFrom4([4]byte(b[16:20]))
	if b[9] != 1 || s != src || d != dst {
		return nil, fmt.Errorf("protocol %d from %v to %v, want ICMP from %v to %v", b[9], s, d, src, dst)
	}
	return b[int(b[0]&0xf)*4:], nil
}
