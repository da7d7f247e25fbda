package userspace

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// A raw socket sees every SCTP packet whatever its port, so the kernel
// never tells two userspace SCTP stacks that they listen on the same
// address and port: both would answer the same INITs, and peers would be
// split between them. A listener therefore claims its address and port in
// a space the kernel does keep exclusive: it binds a UDP socket on them
// and holds it until Close.
//
// Why a UDP socket rather than a lock file (under /run, say): the kernel
// scopes UDP ports exactly as it scopes the SCTP packets the raw socket
// sees, per network namespace, where a file would be shared by
// namespaces that share a file system and missed by those that do not;
// the kernel releases it when the process dies, however it dies; it
// applies the same overlap rule as SCTP listeners (a wildcard address
// clashes with every specific one on its port); and it refuses an address
// that is not one of the host's (EADDRNOTAVAIL), which the raw socket
// would accept silently. The bound socket shows in `ss -uanp` with the
// process holding it. Why UDP rather than TCP: either works; UDP's
// holder is the one `ss` lists by default. The cost is that the UDP port
// of the same number is taken, on the same address.
//
// Go's UDP sockets are opened without SO_REUSEADDR or SO_REUSEPORT, so
// every bind on an overlapping address and port fails. The claim is never
// read: datagrams sent to its port wait in its receive buffer until the
// kernel drops them for want of room.

// claimAddr binds the claim of addr; port 0 lets the kernel choose a port
// free in the claim space. The caller closes the claim.
func claimAddr(addr netip.AddrPort) (*net.UDPConn, error) {
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(addr))
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("%w: %v, or an address overlapping it on port %d, is held by another SCTP listener in this network namespace "+
			"(a second keel?) or by a UDP socket, since userspace SCTP claims its listeners' ports in UDP's port space; "+
			"`ss -uanp 'sport = :%d'` names the holder", errPortInUse, addr, addr.Port(), addr.Port())
	}
	if err != nil {
		return nil, fmt.Errorf("claiming the address: %w", err)
	}
	return c, nil
}
