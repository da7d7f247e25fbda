package ue

import (
	"fmt"
	"github.com/keelcore/keel/internal/ident"
	"net/netip"
)

// PDU session types (TS 24.501 §9.11.4.11).
const (
	PDUTypeIPv4         = 1
	PDUTypeIPv6         = 2
	PDUTypeIPv4v6       = 3
	PDUTypeUnstructured = 4
	PDUTypeEthernet     = 5
)

// PDUSession is an established PDU session as the network accepted it
// (TS 24.501 §8.3.2).
type PDUSession struct {
	ID      uint8
	Type    uint8 // selected PDU session type, PDUTypeIPv4 ...
	SSCMode uint8
	// IPv4 is the UE's address (PDU address IE, §9.11.4.10) for types
	// IPv4 and IPv4v6; IPv6IID the interface identifier for IPv6 and
	// IPv4v6.
	IPv4    netip.Addr
	IPv6IID [8]byte
	// IPv6Prefix and IPv6 are the /64 and the UE's address in it, from
	// the network's Router Advertisement (HandleRouterAdvertisement);
	// zero until one came.
	IPv6Prefix netip.Prefix
	IPv6       netip.Addr
	// QFI is the QoS flow of the default QoS rule, FiveQI its 5QI from the
	// authorized QoS flow descriptions (0 when the network gave none).
	QFI    uint8
	FiveQI uint8
	// Session-AMBR in bit/s (§9.11.4.14).
	AMBRUplink, AMBRDownlink uint64
	// From the extended protocol configuration options (TS 24.008
	// §10.5.6.3A): DNS servers, IPv4 before IPv6, and the IPv4 link MTU
	// (0 when absent).
	DNS []netip.Addr
	MTU uint16
	// DNN and SNSSAI are the ones the accept names, or else the ones the
	// UE asked for.
	DNN    string
	SNSSAI ident.SNSSAI
	// QoSRules and QoSFlows are the authorized QoS rules (§9.11.4.13) and
	// QoS flow descriptions (§9.11.4.12) of the accept.
	QoSRules []QoSRule
	QoSFlows []QoSFlow
}

// QoSRule is one authorized QoS rule (TS 24.501 §9.11.4.13).
type QoSRule struct {
	ID          uint8
	Default     bool // DQR bit
	Precedence  uint8
	Segregation bool
	QFI         uint8
	Filters     []PacketFilter
}

// PacketFilter is one packet filter of a QoS rule. Contents are the
// packet filter components as sent (type identifier and value each).
type PacketFilter struct {
	ID        uint8
	Direction uint8 // 1 downlink only, 2 uplink only, 3 bidirectional
	Contents  []byte
}

// MatchAll reports whether the filter is the match-all packet filter
// (component type 0x01).
func (f PacketFilter) MatchAll() bool { return len(f.Contents) == 1 && f.Contents[0] == 0x01 }

// QoSFlow is one authorized QoS flow description (TS 24.501 §9.11.4.12).
// Bit rates are in bit/s, 0 when absent.
type QoSFlow struct {
	QFI                      uint8
	FiveQI                   uint8
	GFBRUplink, GFBRDownlink uint64
	MFBRUplink, MFBRDownlink uint64
	EBI                      uint8
}

// SMState is the 5GSM state of one PDU session in the UE (TS 24.501
// §6.1.3.2.1), without PDU SESSION MODIFICATION PENDING.
//
//	             EstablishPDUSession()
//	Inactive ─────────────────────────► ActivePending
//	 ▲  ▲  ▲        Establishment Reject,      │
//	 │  │  └────── 5GMM cause in DL NAS ───────┤ Establishment Accept
//	 │  │                                      ▼
//	 │  │      Release Command (PTI 0)      Active ◄────────────┐
//	 │  └──────────────────────────────────────┤                │ Release Reject
//	 │                                         │ ReleasePDUSession()
//	 │  Release Command, 5GMM cause            ▼                │
//	 └─────────────────────────────────── InactivePending ──────┘
//
// smProcedures lists the states in which each downlink 5GSM message is
// accepted.
type SMState int

// 5GSM states of a PDU session.
const (
	SessionInactive        SMState = iota // PDU SESSION INACTIVE
	SessionActivePending                  // PDU SESSION ACTIVE PENDING
	SessionActive                         // PDU SESSION ACTIVE
	SessionInactivePending                // PDU SESSION INACTIVE PENDING
)

func (s SMState) String() string {
	switch s {
	case SessionInactive:
		return "PDU-SESSION-INACTIVE"
	case SessionActivePending:
		return "PDU-SESSION-ACTIVE-PENDING"
	case SessionActive:
		return "PDU-SESSION-ACTIVE"
	case SessionInactivePending:
		return "PDU-SESSION-INACTIVE-PENDING"
	}
	return fmt.Sprintf("SMState(%d)", int(s))
}

// smSession is the UE's 5GSM context of one PDU session ID. It holds no
// pointers the UE mutates in place, so copying the UE copies it.
type smSession struct {
	state SMState
	// pti is the procedure transaction identity of the UE-requested
	// procedure under way (§6.1.3.3), 0 when none.
	pti     uint8
	pduType uint8
	dnn     string
	snssai  ident.SNSSAI
	info    PDUSession // when active
}

// maxPSI is the highest PDU session ID (TS 24.501 §9.4: 1 to 15).
const maxPSI = 15

// smContext is every PDU session of the UE, indexed by PDU session ID:
// sessions is as long as the highest ID used yet needs (a UE with one
// session holds two entries, not sixteen), and an ID beyond it is a
// session in PDU SESSION INACTIVE.
type smContext struct {
	sessions []smSession
	lastPTI  uint8
}

// at returns session psi (1 to maxPSI), making room for it. The pointer
// holds until the next at of a higher ID.
func (c *smContext) at(psi uint8) *smSession {
	if n := int(psi) + 1; n > len(c.sessions) {
		c.sessions = append(c.sessions, make([]smSession, n-len(c.sessions))...)
	}
	return &c.sessions[psi]
}

// stateOf is the 5GSM state of session psi.
func (c *smContext) stateOf(psi uint8) SMState {
	if int(psi) >= len(c.sessions) {
		return SessionInactive
	}
	return c.sessions[psi].state
}

// nextPTI allocates a procedure transaction identity for a UE-requested
// procedure: 1 to 254, TS 24.007 §11.2.3.1a (0 means none, 255 is reserved).
func (c *smContext) nextPTI() uint8 {
	c.lastPTI = c.lastPTI%254 + 1
	return c.lastPTI
}

// PDUSession returns the PDU session psi if it is active.
func (u *UE) PDUSession(psi uint8) (PDUSession, bool) {
	if psi == 0 || u.sm.stateOf(psi) != SessionActive {
		return PDUSession{}, false
	}
	return u.sm.sessions[psi].info, true
}

// SessionState returns the 5GSM state of PDU session psi.
func (u *UE) SessionState(psi uint8) SMState {
	return u.sm.stateOf(psi)
}

// releaseSessions releases every PDU session locally, without signalling.
func (u *UE) releaseSessions() { u.sm = smContext{lastPTI: u.sm.lastPTI} }
