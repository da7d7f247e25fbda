//go:build !linux

package pfcp

import "net"

// raiseBuffers sets the socket's receive and send buffers to n bytes as
// far as the system lets them go; it returns 0, the size being unknown.
func raiseBuffers(conn *net.UDPConn, n int) int {
	conn.SetReadBuffer(n)
	conn.SetWriteBuffer(n)
	return 0
}
