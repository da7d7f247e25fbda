package upf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/keelcore/keel/internal/gtpu"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// BenchmarkForwarding measures packets per second through the UPF, N3 ↔
// TUN ↔ N6, against plain kernel IP forwarding over the same topology:
//
//	gnb namespace          this namespace (UPF / router)          dn namespace
//	n3-gnb 10.0.1.2/24 ─── n3-upf 10.0.1.1/24 (N3 :2152)
//	                       keel0 10.45.0.1/16 (TUN, UE pool)
//	                       n6-upf 10.0.2.1/24 ─────────────────── n6-dn 10.0.2.2/24
//
// The same sender (sendmmsg, batches of 64, flat out) and the same
// receiver (recvmmsg) serve both paths. Uplink: the gnb namespace sends
// UDP to 10.0.2.2:9000, through the UPF as G-PDUs from the UE 10.45.0.2
// or routed by the kernel; downlink: the dn namespace sends UDP to the UE
// (through the TUN, arriving at the gNB as G-PDUs) or to 10.0.1.2:2152
// (routed). Sizes are those of the IP packet the UE sends or receives
// (the G-PDU on N3 is 44 octets longer).
//
// Each iteration sends one packet on each path; the metrics are the
// packets received per second over the whole run (first send to last
// receipt) for each path, their ratio, and the loss on each path.
func BenchmarkForwarding(b *testing.B) {
	sctptest.RequireNetNS(b)
	topo := newForwardingTopology(b)
	for _, dir := range []direction{uplink, downlink} {
		for _, size := range []int{64, 1400} {
			b.Run(fmt.Sprintf("%v/%d", dir, size), func(b *testing.B) {
				b.StopTimer()
				tun := topo.path(b, dir, size, true)
				kernel := topo.path(b, dir, size, false)
				tunPPS, tunLoss := tun.run(b, b.N)
				kernelPPS, kernelLoss := kernel.run(b, b.N)
				b.ReportMetric(tunPPS, "tun-pps")
				b.ReportMetric(kernelPPS, "kernel-pps")
				b.ReportMetric(tunPPS/kernelPPS, "ratio")
				b.ReportMetric(100*tunLoss, "tun-loss%")
				b.ReportMetric(100*kernelLoss, "kernel-loss%")
			})
		}
	}
}

type forwardingTopology struct {
	dp       Datapath
	gnb, dn  *netNS
	gnbSend  *n3Socket // 10.0.1.2, any port
	dnSend   *n3Socket // 10.0.2.2, any port
	gnbSink  *sink     // 10.0.1.2:2152: G-PDUs from the UPF, or routed UDP
	dnSink   *sink     // 10.0.2.2:9000
	n3Addr   netip.AddrPort
	ue       netip.Addr
	gnbAddr  netip.Addr
	dnServer netip.AddrPort
}

func newForwardingTopology(b *testing.B) *forwardingTopology {
	t := &forwardingTopology{
		gnb: newNetNS(b), dn: newNetNS(b),
		n3Addr:   netip.MustParseAddrPort("10.0.1.1:2152"),
		ue:       netip.MustParseAddr("10.45.0.2"),
		gnbAddr:  netip.MustParseAddr("10.0.1.2"),
		dnServer: netip.MustParseAddrPort("10.0.2.2:9000"),
	}
	pfx := netip.MustParsePrefix
	veth(b, "n3-upf", pfx("10.0.1.1/24"), t.gnb, "n3-gnb", pfx("10.0.1.2/24"))
	veth(b, "n6-upf", pfx("10.0.2.1/24"), t.dn, "n6-dn", pfx("10.0.2.2/24"))
	check(b, t.gnb.do(func() error { return addRoute(pfx("10.0.2.0/24"), netip.MustParseAddr("10.0.1.1")) }))
	check(b, t.dn.do(func() error {
		return errors.Join(
			addRoute(pfx("10.0.1.0/24"), netip.MustParseAddr("10.0.2.1")),
			addRoute(pfx("10.45.0.0/16"), netip.MustParseAddr("10.0.2.1")))
	}))
	check(b, os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0))

	dp, err := NewDatapath(DatapathOptions{N3: t.n3Addr, Gateways: []netip.Prefix{pfx("10.45.0.1/16")}})
	check(b, err)
	b.Cleanup(func() { dp.Close() })
	t.dp = dp
	check(b, dp.Apply(1, testRules(0x100, 0x200, t.ue, t.gnbAddr)))

	listen := func(ns *netNS, ap netip.AddrPort) *n3Socket {
		var s *n3Socket
		check(b, ns.do(func() (err error) {
			s, err = listenN3(ap)
			return err
		}))
		b.Cleanup(func() { s.close() })
		return s
	}
	t.gnbSend = listen(t.gnb, netip.AddrPortFrom(t.gnbAddr, 0))
	t.dnSend = listen(t.dn, netip.AddrPortFrom(t.dnServer.Addr(), 0))
	t.gnbSink = newSink(b, listen(t.gnb, netip.AddrPortFrom(t.gnbAddr, gtpu.Port)))
	t.dnSink = newSink(b, listen(t.dn, t.dnServer))
	return t
}

// forwardingPath is one way through the topology.
type forwardingPath struct {
	from *n3Socket
	to   netip.AddrPort
	pkt  []byte
	sink *sink
}

func (t *forwardingTopology) path(b *testing.B, dir direction, size int, viaUPF bool) *forwardingPath {
	payload := make([]byte, size-28) // the UDP payload of a size-octet IP packet
	var p *forwardingPath
	switch {
	case dir == uplink && viaUPF:
		inner := udpPacket(netip.AddrPortFrom(t.ue, 5000), t.dnServer, size)
		p = &forwardingPath{t.gnbSend, t.n3Addr, gtpu.AppendGPDU(nil, 0x100, 9, true, inner), t.dnSink}
	case dir == uplink:
		p = &forwardingPath{t.gnbSend, t.dnServer, payload, t.dnSink}
	case viaUPF:
		p = &forwardingPath{t.dnSend, netip.AddrPortFrom(t.ue, 5001), payload, t.gnbSink}
	default:
		p = &forwardingPath{t.dnSend, netip.AddrPortFrom(t.gnbAddr, gtpu.Port), payload, t.gnbSink}
	}
	// Resolve the neighbours (ARP) before measuring.
	p.run(b, 16)
	return p
}

// run sends n packets as fast as the socket takes them and returns the
// rate at which they arrived and the fraction lost.
// Only the sending counts as the benchmark's time.
func (p *forwardingPath) run(b *testing.B, n int) (pps, loss float64) {
	const batch = 64
	sb := p.from.newSendBatch(batch)
	before := p.sink.n.Load()
	b.StartTimer()
	start := time.Now()
	for sent := 0; sent < n; {
		k := min(batch, n-sent)
		for range k {
			sb.add(p.pkt, p.to)
		}
		p.from.flush(sb)
		sent += k
	}
	b.StopTimer()
	// Wait for the receiver to go quiet.
	for last := int64(-1); ; {
		time.Sleep(50 * time.Millisecond)
		if got := p.sink.n.Load(); got == last {
			break
		} else {
			last = got
		}
	}
	got := p.sink.n.Load() - before
	end := time.Unix(0, p.sink.last.Load())
	if got == 0 || !end.After(start) {
		return 0, 1
	}
	return float64(got) / end.Sub(start).Seconds(), 1 - float64(got)/float64(n)
}

// sink counts the datagrams a socket receives.
type sink struct {
	n    atomic.Int64
	last atomic.Int64 // UnixNano of the last receipt
}

func newSink(b *testing.B, s *n3Socket) *sink {
	k := &sink{}
	var wg sync.WaitGroup
	wg.Go(func() {
		rb := s.newRecvBatch(n3Batch)
		for {
			n, err := s.recv(rb)
			if err != nil {
				return
			}
			k.n.Add(int64(n))
			k.last.Store(time.Now().UnixNano())
		}
	})
	b.Cleanup(func() {
		s.close()
		wg.Wait()
	})
	return k
}

func check(b testing.TB, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

// netNS is a network namespace the test made, held by a file descriptor
// (it goes away with the process).
type netNS struct{ fd int }

// newNetNS makes a network namespace from a thread of its own, which
// comes back to this namespace afterwards (or dies with its goroutine).
func newNetNS(tb testing.TB) *netNS {
	tb.Helper()
	type result struct {
		fd  int
		err error
	}
	c := make(chan result)
	go func() {
		runtime.LockOSThread()
		self, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			c <- result{-1, err}
			return
		}
		defer unix.Close(self)
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			c <- result{-1, fmt.Errorf("unshare: %w", err)}
			return
		}
		fd, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err == nil && unix.Setns(self, unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		c <- result{fd, err}
	}()
	r := <-c
	if r.err != nil {
		tb.Fatalf("creating a network namespace: %v", r.err)
	}
	ns := &netNS{fd: r.fd}
	tb.Cleanup(func() { unix.Close(ns.fd) })
	check(tb, ns.do(func() error {
		nl, err := dialNetlink()
		if err != nil {
			return err
		}
		defer nl.close()
		return nl.setLinkUp(1, 0) // lo
	}))
	return ns
}

// do runs f on a thread in the namespace; sockets f opens stay in it.
func (ns *netNS) do(f func() error) error {
	errc := make(chan error)
	go func() {
		runtime.LockOSThread()
		self, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(self)
		if err := unix.Setns(ns.fd, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns: %w", err)
			return
		}
		err = f()
		if unix.Setns(self, unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// veth makes a veth pair, name here and peer in ns, with their addresses,
// both up.
func veth(tb testing.TB, name string, addr netip.Prefix, ns *netNS, peer string, peerAddr netip.Prefix) {
	tb.Helper()
	const vethInfoPeer = 1 // VETH_INFO_PEER, linux/veth.h
	nsFD := binary.NativeEndian.AppendUint32(nil, uint32(ns.fd))
	body := ifinfomsg(0, 0, 0)
	body = appendAttr(body, unix.IFLA_IFNAME, append([]byte(name), 0))
	body = appendNested(body, unix.IFLA_LINKINFO, func(b []byte) []byte {
		b = appendAttr(b, unix.IFLA_INFO_KIND, []byte("veth"))
		return appendNested(b, unix.IFLA_INFO_DATA, func(b []byte) []byte {
			return appendNested(b, vethInfoPeer, func(b []byte) []byte {
				b = append(b, ifinfomsg(0, 0, 0)...)
				b = appendAttr(b, unix.IFLA_IFNAME, append([]byte(peer), 0))
				return appendAttr(b, unix.IFLA_NET_NS_FD, nsFD)
			})
		})
	})
	nl, err := dialNetlink()
	check(tb, err)
	defer nl.close()
	check(tb, nl.request(unix.RTM_NEWLINK, unix.NLM_F_CREATE|unix.NLM_F_EXCL, body))
	check(tb, addressUp(name, addr))
	check(tb, ns.do(func() error { return addressUp(peer, peerAddr) }))
}

// addressUp puts addr on the interface and sets it up.
func addressUp(name string, addr netip.Prefix) error {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return err
	}
	nl, err := dialNetlink()
	if err != nil {
		return err
	}
	defer nl.close()
	if err := nl.addAddress(ifi.Index, addr); err != nil {
		return err
	}
	return nl.setLinkUp(ifi.Index, 0)
}

// addRoute adds an IPv4 route to dst via gw in the main table.
func addRoute(dst netip.Prefix, gw netip.Addr) error {
	nl, err := dialNetlink()
	if err != nil {
		return err
	}
	defer nl.close()
	// struct rtmsg
	body := []byte{unix.AF_INET, byte(dst.Bits()), 0, 0, unix.RT_TABLE_MAIN, unix.RTPROT_BOOT, unix.RT_SCOPE_UNIVERSE, unix.RTN_UNICAST, 0, 0, 0, 0}
	body = appendAttr(body, unix.RTA_DST, addrBytes(dst.Addr()))
	body = appendAttr(body, unix.RTA_GATEWAY, addrBytes(gw))
	return nl.request(unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_EXCL, body)
}
