package sctptest

import (
	"bufio"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/keelcore/keel/internal/oracle"
)

// Capture records the frames crossing lo into a pcap file (link type
// Ethernet, which is how lo frames come), for tshark to decode. Each
// frame is kept once: lo shows every packet both outgoing and incoming, and
// only the incoming copy is written.
type Capture struct {
	fd   int
	w    *bufio.Writer
	f    *os.File
	stop chan struct{}
	wg   sync.WaitGroup
	err  error
}

// StartCapture starts recording lo into a pcap file at path; it skips t
// when the process may not open an AF_PACKET socket.
func StartCapture(t testing.TB, path string) *Capture {
	t.Helper()
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	proto := htons(unix.ETH_P_ALL)
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(proto))
	if err != nil {
		oracle.Missing(t, "packet capture needs an AF_PACKET socket: %v", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: proto, Ifindex: lo.Index}); err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	// A burst of a whole-system test (thousands of frames in a few
	// milliseconds, with the race detector slowing the reader) overflows
	// the default receive buffer and the kernel drops frames: the tests
	// that count messages in the capture need every one. Root (which
	// AF_PACKET needs anyway) may exceed net.core.rmem_max.
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, captureBuffer); err != nil {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, captureBuffer)
	}
	// Wake up regularly to notice stop.
	tv := unix.NsecToTimeval((50 * time.Millisecond).Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	c := &Capture{fd: fd, f: f, w: bufio.NewWriter(f), stop: make(chan struct{})}
	// pcap file header: magic, version 2.4, zone, sigfigs, snaplen,
	// link type 1 (Ethernet).
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 262144)
	binary.LittleEndian.PutUint32(hdr[20:], 1)
	c.w.Write(hdr)
	c.wg.Go(c.run)
	return c
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func (c *Capture) run() {
	buf := make([]byte, 262144)
	rec := make([]byte, 16)
	for {
		n, from, err := unix.Recvfrom(c.fd, buf, 0)
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			// Nothing for a while: everything sent before stop is in.
			select {
			case <-c.stop:
				return
			default:
				continue
			}
		}
		if err != nil {
			c.err = err
			return
		}
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		now := time.Now()
		binary.LittleEndian.PutUint32(rec[0:], uint32(now.Unix()))
		binary.LittleEndian.PutUint32(rec[4:], uint32(now.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(rec[8:], uint32(n))
		binary.LittleEndian.PutUint32(rec[12:], uint32(n))
		c.w.Write(rec)
		c.w.Write(buf[:n])
	}
}

// captureBuffer is the capture socket's receive buffer.
const captureBuffer = 64 << 20

// Finish stops the capture and closes the file. Frames the kernel
// dropped because the reader fell behind fail the test: a count taken
// from the capture would be wrong.
func (c *Capture) Finish(t testing.TB) {
	t.Helper()
	close(c.stop)
	c.wg.Wait()
	stats, serr := unix.GetsockoptTpacketStats(c.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	unix.Close(c.fd)
	if serr == nil && stats.Drops > 0 {
		t.Errorf("capture: the kernel dropped %d of %d frames (receive buffer full): counts taken from it are short", stats.Drops, stats.Packets)
	}
	if err := errors.Join(c.err, c.w.Flush(), c.f.Close()); err != nil {
		t.Fatalf("capture: %v", err)
	}
}
