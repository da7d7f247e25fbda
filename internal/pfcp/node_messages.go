package pfcp

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

// Node related messages (TS 29.244 §7.4).

// AssociationSetupRequest builds a PFCP Association Setup Request
// (§7.4.4.1): Node ID and Recovery Time Stamp.
func AssociationSetupRequest(seq uint32, nodeID netip.Addr, recovery time.Time) (*message.AssociationSetupRequest, error) {
	n, r, err := nodeAndRecovery(nodeID, recovery)
	if err != nil {
		return nil, fmt.Errorf("pfcp: Association Setup Request: %w", err)
	}
	return message.NewAssociationSetupRequest(seq, n, r), nil
}

// AssociationSetupResponse builds a PFCP Association Setup Response
// (§7.4.4.2): Node ID, Cause and Recovery Time Stamp.
func AssociationSetupResponse(seq uint32, nodeID netip.Addr, cause uint8, recovery time.Time) (*message.AssociationSetupResponse, error) {
	n, r, err := nodeAndRecovery(nodeID, recovery)
	if err != nil {
		return nil, fmt.Errorf("pfcp: Association Setup Response: %w", err)
	}
	if cause == 0 {
		return nil, fmt.Errorf("pfcp: Association Setup Response: cause 0 is reserved")
	}
	return message.NewAssociationSetupResponse(seq, n, u8IE(ie.Cause, cause), r), nil
}

func nodeAndRecovery(nodeID netip.Addr, recovery time.Time) (*ie.IE, *ie.IE, error) {
	n, err := nodeIDIE(nodeID)
	if err != nil {
		return nil, nil, err
	}
	r, err := timeIE(ie.RecoveryTimeStamp, recovery)
	if err != nil {
		return nil, nil, fmt.Errorf("Recovery Time Stamp: %w", err)
	}
	return n, r, nil
}

// ParseAssociationSetup reads a PFCP Association Setup Request or
// Response (§7.4.4.1, §7.4.4.2): Node ID and Recovery Time Stamp are
// mandatory, and Cause in the response (0 for a request).
func ParseAssociationSetup(m message.Message) (nodeID netip.Addr, recovery time.Time, cause uint8, err error) {
	var n, r, c *ie.IE
	var where string
	switch m := m.(type) {
	case *message.AssociationSetupRequest:
		n, r, where = m.NodeID, m.RecoveryTimeStamp, "Association Setup Request"
	case *message.AssociationSetupResponse:
		n, r, c, where = m.NodeID, m.RecoveryTimeStamp, m.Cause, "Association Setup Response"
		if m.Cause == nil {
			return netip.Addr{}, time.Time{}, 0, withHeader(errMissing(where, ie.Cause), m)
		}
	default:
		return netip.Addr{}, time.Time{}, 0, fmt.Errorf("pfcp: %T is not an Association Setup message", m)
	}
	nodeID, recovery, err = readNodeAndRecovery(where, n, r)
	if err == nil && c != nil {
		cause, _, err = readCause(where, c, nil)
	}
	return nodeID, recovery, cause, withHeader(err, m)
}

func readNodeAndRecovery(where string, n, r *ie.IE) (netip.Addr, time.Time, error) {
	if n == nil {
		return netip.Addr{}, time.Time{}, errMissing(where, ie.NodeID)
	}
	id, err := readNodeID(n)
	if err != nil {
		return netip.Addr{}, time.Time{}, err
	}
	if r == nil {
		return id, time.Time{}, errMissing(where, ie.RecoveryTimeStamp)
	}
	t, err := readTime(r)
	return id, t, err
}

// UPFeatures are UP Function Features (§8.2.25), octet 5 in the low byte,
// octet 6 in the high byte.
type UPFeatures uint16

// FeatureFTUP (octet 5 bit 5): the UP function allocates F-TEIDs
// (CHOOSE).
const FeatureFTUP UPFeatures = 0x0010

// FeatureUDBC (octet 6 bit 3): the UP function takes the buffering
// control of a BAR, the Suggested Buffering Packets Count.
const FeatureUDBC UPFeatures = 0x0400

// UPFunctionFeaturesIE is the UP Function Features IE a UP function puts
// in its Association Setup Request or Response (§7.4.4.1, §7.4.4.2: "shall
// be present if the UP function supports at least one UP feature").
func UPFunctionFeaturesIE(f UPFeatures) *ie.IE {
	return newIE(ie.UPFunctionFeatures, []byte{byte(f), byte(f >> 8)})
}

// ParseUPFeatures returns the UP Function Features of an Association
// Setup Request or Response, and whether it had them.
func ParseUPFeatures(m message.Message) (UPFeatures, bool) {
	var i *ie.IE
	switch m := m.(type) {
	case *message.AssociationSetupRequest:
		i = m.UPFunctionFeatures
	case *message.AssociationSetupResponse:
		i = m.UPFunctionFeatures
	}
	if i == nil || len(i.Payload) < 1 {
		return 0, false
	}
	f := UPFeatures(i.Payload[0])
	if len(i.Payload) > 1 {
		f |= UPFeatures(i.Payload[1]) << 8
	}
	return f, true
}

// AssociationReleaseRequest builds a PFCP Association Release Request
// (§7.4.4.5): Node ID.
func AssociationReleaseRequest(seq uint32, nodeID netip.Addr) (*message.AssociationReleaseRequest, error) {
	n, err := nodeIDIE(nodeID)
	if err != nil {
		return nil, fmt.Errorf("pfcp: Association Release Request: %w", err)
	}
	return message.NewAssociationReleaseRequest(seq, n), nil
}

// AssociationReleaseResponse builds a PFCP Association Release Response
// (§7.4.4.6): Node ID and Cause.
func AssociationReleaseResponse(seq uint32, nodeID netip.Addr, cause uint8) (*message.AssociationReleaseResponse, error) {
	n, err := nodeIDIE(nodeID)
	if err != nil {
		return nil, fmt.Errorf("pfcp: Association Release Response: %w", err)
	}
	if cause == 0 {
		return nil, fmt.Errorf("pfcp: Association Release Response: cause 0 is reserved")
	}
	return message.NewAssociationReleaseResponse(seq, n, u8IE(ie.Cause, cause)), nil
}

// ParseAssociationRelease reads a PFCP Association Release Request or
// Response: Node ID is mandatory, and Cause in the response (0 for a
// request).
func ParseAssociationRelease(m message.Message) (nodeID netip.Addr, cause uint8, err error) {
	var n, c *ie.IE
	var where string
	switch m := m.(type) {
	case *message.AssociationReleaseRequest:
		n, where = m.NodeID, "Association Release Request"
	case *message.AssociationReleaseResponse:
		n, c, where = m.NodeID, m.Cause, "Association Release Response"
		if c == nil {
			return netip.Addr{}, 0, withHeader(errMissing(where, ie.Cause), m)
		}
	default:
		return netip.Addr{}, 0, fmt.Errorf("pfcp: %T is not an Association Release message", m)
	}
	if n == nil {
		return netip.Addr{}, 0, withHeader(errMissing(where, ie.NodeID), m)
	}
	if nodeID, err = readNodeID(n); err == nil && c != nil {
		cause, _, err = readCause(where, c, nil)
	}
	return nodeID, cause, withHeader(err, m)
}

// AssociationUpdate is what Keel reads of a PFCP Association Update
// Request or Response (§7.4.4.3, §7.4.4.4).
type AssociationUpdate struct {
	NodeID netip.Addr
	// ReleaseRequested: the PFCP Association Release Request IE
	// (§8.2.77) has SARR set — the UP function asks the CP function to
	// release the association (§6.2.7.3). UsageReportsSent is its URSS
	// flag: the UP function sent every non-zero usage report of the
	// sessions affected.
	ReleaseRequested, UsageReportsSent bool
	// GracefulRelease is the Graceful Release Period (§8.2.78) the UP
	// function gives with the release request, 0 when absent.
	GracefulRelease time.Duration
	// Cause is the response's (0 for a request).
	Cause uint8
}

// Flags of the PFCP Association Release Request IE (§8.2.77, octet 5).
const (
	flagSARR = 0x01
	flagURSS = 0x02
)

// AssociationUpdateRequest builds a PFCP Association Update Request
// (§7.4.4.3): Node ID and, when release, the PFCP Association Release
// Request IE with SARR (and URSS: Keel's UP function holds no usage
// report back) — the UP function asks the CP function to release the
// association (§6.2.7.3), as a UPF being taken out of service does.
func AssociationUpdateRequest(seq uint32, nodeID netip.Addr, release bool) (*message.AssociationUpdateRequest, error) {
	n, err := nodeIDIE(nodeID)
	if err != nil {
		return nil, fmt.Errorf("pfcp: Association Update Request: %w", err)
	}
	m := message.NewAssociationUpdateRequest(seq, n)
	if release {
		m.PFCPAssociationReleaseRequest = u8IE(ie.PFCPAssociationReleaseRequest, flagSARR|flagURSS)
	}
	return m, nil
}

// AssociationUpdateResponse builds a PFCP Association Update Response
// (§7.4.4.4): Node ID and Cause.
func AssociationUpdateResponse(seq uint32, nodeID netip.Addr, cause uint8) (*message.AssociationUpdateResponse, error) {
	n, err := nodeIDIE(nodeID)
	if err != nil {
		return nil, fmt.Errorf("pfcp: Association Update Response: %w", err)
	}
	if cause == 0 {
		return nil, fmt.Errorf("pfcp: Association Update Response: cause 0 is reserved")
	}
	return message.NewAssociationUpdateResponse(seq, n, u8IE(ie.Cause, cause)), nil
}

// ParseAssociationUpdate reads a PFCP Association Update Request or
// Response: Node ID is mandatory, and Cause in the response.
func ParseAssociationUpdate(m message.Message) (AssociationUpdate, error) {
	var (
		u           AssociationUpdate
		n, c, r, gp *ie.IE
		where       string
	)
	switch m := m.(type) {
	case *message.AssociationUpdateRequest:
		n, r, gp, where = m.NodeID, m.PFCPAssociationReleaseRequest, m.GracefulReleasePeriod, "Association Update Request"
	case *message.AssociationUpdateResponse:
		n, c, where = m.NodeID, m.Cause, "Association Update Response"
		if c == nil {
			return u, withHeader(errMissing(where, ie.Cause), m)
		}
	default:
		return u, fmt.Errorf("pfcp: %T is not an Association Update message", m)
	}
	if n == nil {
		return u, withHeader(errMissing(where, ie.NodeID), m)
	}
	var err error
	if u.NodeID, err = readNodeID(n); err != nil {
		return u, withHeader(err, m)
	}
	if c != nil {
		if u.Cause, _, err = readCause(where, c, nil); err != nil {
			return u, withHeader(err, m)
		}
	}
	if r != nil {
		if len(r.Payload) < 1 {
			return u, withHeader(errIncorrect(ie.PFCPAssociationReleaseRequest, "%s: empty PFCP Association Release Request", where), m)
		}
		u.ReleaseRequested, u.UsageReportsSent = r.Payload[0]&flagSARR != 0, r.Payload[0]&flagURSS != 0
	}
	if gp != nil {
		// A period the UP function gave wrongly does not stop the
		// release it asks for: it is read as none.
		if d, err := gp.GracefulReleasePeriod(); err == nil {
			u.GracefulRelease = d
		}
	}
	return u, nil
}

// HeartbeatRequest builds a PFCP Heartbeat Request (§7.4.2.1): Recovery
// Time Stamp.
func HeartbeatRequest(seq uint32, recovery time.Time) (*message.HeartbeatRequest, error) {
	r, err := timeIE(ie.RecoveryTimeStamp, recovery)
	if err != nil {
		return nil, fmt.Errorf("pfcp: Heartbeat Request: %w", err)
	}
	return message.NewHeartbeatRequest(seq, r, nil), nil
}

// HeartbeatResponse builds a PFCP Heartbeat Response (§7.4.2.2): Recovery
// Time Stamp.
func HeartbeatResponse(seq uint32, recovery time.Time) (*message.HeartbeatResponse, error) {
	r, err := timeIE(ie.RecoveryTimeStamp, recovery)
	if err != nil {
		return nil, fmt.Errorf("pfcp: Heartbeat Response: %w", err)
	}
	return message.NewHeartbeatResponse(seq, r), nil
}

// ParseHeartbeat reads the Recovery Time Stamp, mandatory in a Heartbeat
// Request or Response.
func ParseHeartbeat(m message.Message) (recovery time.Time, err error) {
	var r *ie.IE
	var where string
	switch m := m.(type) {
	case *message.HeartbeatRequest:
		r, where = m.RecoveryTimeStamp, "Heartbeat Request"
	case *message.HeartbeatResponse:
		r, where = m.RecoveryTimeStamp, "Heartbeat Response"
	default:
		return time.Time{}, fmt.Errorf("pfcp: %T is not a Heartbeat message", m)
	}
	if r == nil {
		return time.Time{}, withHeader(errMissing(where, ie.RecoveryTimeStamp), m)
	}
	recovery, err = readTime(r)
	return recovery, withHeader(err, m)
}

// Response builds the response refusing the request e describes, with
// e's cause and offending IE: seid goes in the header of a session
// response (the peer's SEID, 0 when unknown, §7.2.2.4.2), nodeID and
// recovery where the response needs them. It returns nil and no error
// when the request has no response carrying a cause (Heartbeat) or e is
// not Answerable.
func (e *CauseError) Response(seid uint64, nodeID netip.Addr, recovery time.Time) (message.Message, error) {
	if !e.Answerable() {
		return nil, nil
	}
	seq := e.Sequence
	cause := u8IE(ie.Cause, e.Cause)
	var off *ie.IE
	if e.OffendingIE != 0 {
		off = offendingIE(e.OffendingIE)
	}
	opt := func(ies ...*ie.IE) []*ie.IE {
		if off != nil {
			ies = append(ies, off)
		}
		return ies
	}
	node := func() (*ie.IE, error) { return nodeIDIE(nodeID) }
	switch e.MessageType {
	case message.MsgTypePFDManagementRequest:
		return message.NewPFDManagementResponse(seq, cause, off), nil
	case message.MsgTypeAssociationSetupRequest:
		return AssociationSetupResponse(seq, nodeID, e.Cause, recovery)
	case message.MsgTypeAssociationUpdateRequest:
		n, err := node()
		if err != nil {
			return nil, err
		}
		return message.NewAssociationUpdateResponse(seq, n, cause), nil
	case message.MsgTypeAssociationReleaseRequest:
		return AssociationReleaseResponse(seq, nodeID, e.Cause)
	case message.MsgTypeNodeReportRequest:
		n, err := node()
		if err != nil {
			return nil, err
		}
		return message.NewNodeReportResponse(seq, n, cause, off), nil
	case message.MsgTypeSessionSetDeletionRequest:
		n, err := node()
		if err != nil {
			return nil, err
		}
		return message.NewSessionSetDeletionResponse(seq, n, cause, off), nil
	case message.MsgTypeSessionEstablishmentRequest:
		n, err := node()
		if err != nil {
			return nil, err
		}
		return message.NewSessionEstablishmentResponse(0, 0, seid, seq, 0, opt(n, cause)...), nil
	case message.MsgTypeSessionModificationRequest:
		return message.NewSessionModificationResponse(0, 0, seid, seq, 0, opt(cause)...), nil
	case message.MsgTypeSessionDeletionRequest:
		return message.NewSessionDeletionResponse(0, 0, seid, seq, 0, opt(cause)...), nil
	case message.MsgTypeSessionReportRequest:
		return message.NewSessionReportResponse(0, 0, seid, seq, 0, opt(cause)...), nil
	}
	return nil, nil
}
