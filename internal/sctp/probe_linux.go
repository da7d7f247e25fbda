package sctp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"syscall"
)

// KernelSCTP reports whether the kernel provides SCTP. It creates and
// closes a one-to-many SCTP socket (socket(AF_INET, SOCK_SEQPACKET,
// IPPROTO_SCTP)); where SCTP is a loadable module this may load it, which is
// the intent: a kernel that can speak SCTP is a kernel-SCTP host. If the
// socket cannot be created for another reason (a seccomp filter, say) it
// falls back on /proc/net/protocols, which lists SCTP once registered.
func KernelSCTP() (bool, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_SEQPACKET|syscall.SOCK_CLOEXEC, syscall.IPPROTO_SCTP)
	if err == nil {
		syscall.Close(fd)
		return true, nil
	}
	listed, perr := protocolsListSCTP()
	if perr == nil && listed {
		return true, nil
	}
	if errors.Is(err, syscall.EPROTONOSUPPORT) || errors.Is(err, syscall.ESOCKTNOSUPPORT) ||
		errors.Is(err, syscall.EAFNOSUPPORT) {
		return false, nil
	}
	return false, fmt.Errorf("sctp: probing kernel SCTP: socket: %w", err)
}

// protocolsListSCTP reads /proc/net/protocols, whose first column names
// every registered socket protocol.
func protocolsListSCTP() (bool, error) {
	b, err := os.ReadFile("/proc/net/protocols")
	if err != nil {
		return false, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, _, _ := bytes.Cut(sc.Bytes(), []byte(" "))
		if string(name) == "SCTP" || string(name) == "SCTPv6" {
			return true, nil
		}
	}
	return false, sc.Err()
}
