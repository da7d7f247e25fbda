package pfcp

import (
	"net"

	"golang.org/x/sys/unix"
)

// raiseBuffers sets the socket's receive and send buffers to n bytes:
// with the FORCE options past net.core.[rw]mem_max where the process may
// (CAP_NET_ADMIN), else as far as those limits let SO_RCVBUF and
// SO_SNDBUF go. It returns the receive buffer the kernel gave (which
// Linux reports doubled, its bookkeeping included).
func raiseBuffers(conn *net.UDPConn, n int) int {
	raw, err := conn.SyscallConn()
	if err != nil {
		return 0
	}
	var got int
	raw.Control(func(fd uintptr) {
		for _, o := range [][2]int{{unix.SO_RCVBUFFORCE, unix.SO_RCVBUF}, {unix.SO_SNDBUFFORCE, unix.SO_SNDBUF}} {
			if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, o[0], n) != nil {
				unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, o[1], n)
			}
		}
		got, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
	})
	return got
}
