//go:build !linux

package userspace

import (
	"errors"
	"net/netip"
)

var errNotLinux = errors.New("userspace sctp: raw IP sockets are supported on Linux only")

type rawConn struct{ rcvbuf int }

func openRaw(int) (*rawConn, error) { return nil, errNotLinux }

func (*rawConn) read([]byte) (src, dst netip.Addr, sctp []byte, ok bool, err error) {
	return src, dst, nil, false, errNotLinux
}

func (*rawConn) write([]byte, netip.Addr, netip.Addr) error { return errNotLinux }
func (*rawConn) close() error                               { return nil }

func routeSource(netip.Addr) (netip.Addr, error) { return netip.Addr{}, errNotLinux }
