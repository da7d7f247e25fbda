package sbi

import (
	"github.com/keelcore/keel/internal/ident"
	"net/netip"
)

// SessionInfo describes a PDU session for the management API.
type SessionInfo struct {
	SUPI         string
	PDUSessionID uint8
	DNN          string
	SNSSAI       ident.SNSSAI
	PDUType      string // "ipv4", "ipv6", "ipv4v6"
	IPv4         netip.Addr
	IPv6Prefix   netip.Prefix
	UPF          string // N4 address of the UPF
	SEID         uint64 // CP F-SEID
	UPSEID       uint64
	ULTEID       uint32 // N3 TEID at the UPF
	DLTEID       uint32 // N3 TEID at the gNB (0 until known)
	GNBAddr      netip.Addr
	ULBytes      uint64
	DLBytes      uint64
	State        string // "active", "inactive", "releasing"
	// UpCnxState is the user plane connection's state (ACTIVATING until
	// the gNB's tunnel is known, ACTIVATED, DEACTIVATED while the UE is
	// idle); UpCnxNone while releasing.
	UpCnxState UpCnxState
}
