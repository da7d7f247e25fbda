package upf

import (
	"errors"
	"net/netip"
)

// Interface is a PDR's source or a FAR's destination interface (TS
// 29.244 §8.2.2): Access is N3 (the gNB side), Core is N6 (the data
// network).
type Interface uint8

const (
	Access Interface = 0
	Core   Interface = 1
)

// PDR is a packet detection rule (TS 29.244 §5.2.1, §7.5.2.2) in the
// form the datapath matches: uplink PDRs (Source Access) match a local
// TEID and optionally a QFI; downlink PDRs (Source Core) match the UE's
// address as the packet's destination.
type PDR struct {
	ID         uint16
	Precedence uint32
	Source     Interface
	TEID       uint32     // Access: the local N3 TEID
	UEAddr     netip.Addr // the UE's IPv4 address, or
	UEPrefix   netip.Prefix
	QFI        uint8 // 0: any
	// SDFFilters are flow descriptions (package ipfilter, TS 29.244
	// §8.2.5): when there are any, the packet must match one of them
	// besides the address (a downlink PDR of a QoS flow other than the
	// default one, TS 23.501 §5.7.1.1).
	SDFFilters []string
	// RemoveOuterHeader strips GTP-U/UDP/IP (uplink).
	RemoveOuterHeader bool
	FARID             uint32
	QERIDs            []uint32
	URRIDs            []uint32
}

// Action is what a FAR does with matched packets.
type Action uint8

const (
	Drop Action = iota
	Forward
	Buffer
)

// OuterHeader is a FAR's outer header creation (GTP-U/UDP/IPv4, TS
// 29.244 §8.2.56): the gNB's TEID and address.
type OuterHeader struct {
	TEID uint32
	Addr netip.Addr
}

// FAR is a forwarding action rule (TS 29.244 §5.2.1, §7.5.2.3). Notify
// (Apply Action NOCP) goes with Buffer: the first packet buffered is
// reported to the function given to SetDownlinkNotifier.
type FAR struct {
	ID          uint32
	Action      Action
	Notify      bool
	Destination Interface
	Outer       *OuterHeader // Destination Access: encapsulate
}

// QER is a QoS enforcement rule (TS 29.244 §5.2.1, §7.5.2.5): gates, the
// maximum bit rates in bit/s (0: no limit) and the QFI to mark on
// downlink packets.
type QER struct {
	ID             uint32
	GateUL, GateDL bool // true: open
	MBRUL, MBRDL   uint64
	QFI            uint8
}

// URR is a usage reporting rule (TS 29.244 §5.2.2, §7.5.2.4): volume
// measurement with an optional threshold (bytes, total) that triggers a
// report.
type URR struct {
	ID              uint32
	VolumeThreshold uint64
}

// Rules are all the rules of one PFCP session. BufferPackets, when not
// 0, lowers the packets the session may buffer (a BAR's Suggested
// Buffering Packets Count, TS 29.244 §8.2.112).
type Rules struct {
	PDRs          []PDR
	FARs          []FAR
	QERs          []QER
	URRs          []URR
	BufferPackets int
	// Router, when set, makes the datapath the session's IPv6 router
	// (router.go): a Router Advertisement with it goes to the UE once the
	// downlink PDR holding Router.Prefix forwards to Access, and the
	// UE's Router Solicitations are answered.
	Router *IPv6Router
	// EndMarkers are the downlink tunnels a modification switched away
	// from with PFCPSMReq-Flags SNDEM (TS 29.244 §5.2.2.4): once the rules
	// are installed, the datapath sends an End Marker (TS 29.281 §7.3.2)
	// on each, after the last downlink packet it sent there. Apply only;
	// not part of the session's rules.
	EndMarkers []OuterHeader
}

// DownlinkData is the first downlink packet a session buffered for a FAR
// with Notify (TS 29.244 §5.2.4.1): the PDR that matched it and the QFI
// it would have been sent with (0: none).
type DownlinkData struct {
	PDRID uint16
	QFI   uint8
}

// Usage is the volume one URR measured (TS 29.244 §8.2.40).
type Usage struct {
	URRID                uint32
	Uplink, Downlink     uint64 // bytes
	UplinkPkts, DownPkts uint64
	ThresholdReached     bool
}

// Datapath is the user plane a PFCP session drives. Implementations are
// safe for concurrent use; packet processing never waits for Apply.
type Datapath interface {
	// Apply installs the complete rule set of a session, replacing any
	// earlier one atomically. It refuses a set that does not hang
	// together (a PDR naming a missing FAR, ...) with an error wrapping
	// ErrRules.
	Apply(seid uint64, r Rules) error
	// Delete removes a session and returns its final usage.
	Delete(seid uint64) ([]Usage, error)
	// Usage reads a session's counters.
	Usage(seid uint64) ([]Usage, error)
	// SetReporter sets the function called (from the datapath's
	// goroutines, never blocking them for long) when a URR reaches its
	// volume threshold.
	SetReporter(func(seid uint64, u Usage))
	// SetDownlinkNotifier sets the function called (from the datapath's
	// goroutines, never the packet path's) with the first packet of a
	// session's buffering period, for a FAR with Notify.
	SetDownlinkNotifier(func(seid uint64, d DownlinkData))
	// DropBuffered drops the packets a session buffers and ends its
	// buffering period (TS 29.244 §8.2.31 DROBU); it returns how many.
	DropBuffered(seid uint64) (int, error)
	// N3Addr is the address GTP-U is received on.
	N3Addr() netip.AddrPort
	Close() error
}

// ErrRules reports an inconsistent rule set.
var ErrRules = errors.New("upf: inconsistent rules")
