package pfcp

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

// Session related messages (TS 29.244 §7.5). Each has a Go struct;
// Message builds the go-pfcp message (an error, never a nil), and the
// Parse function for the receiving side returns a *CauseError with the
// cause to answer with: a missing mandatory IE gives "Mandatory IE
// missing" with that IE as offending IE, a missing conditional IE
// "Conditional IE missing", an IE too short or with content Keel cannot
// take "Mandatory IE incorrect". What was read before the error is
// returned with it.

// EstablishmentRequest is a PFCP Session Establishment Request
// (§7.5.2): the CP function's Node ID and F-SEID, and the session's
// rules. PDNType (§8.2.79: 1 IPv4, 2 IPv6, 3 IPv4v6, 4 Non-IP, 5
// Ethernet) is sent when non-zero.
type EstablishmentRequest struct {
	NodeID  netip.Addr
	CPSEID  uint64
	CPAddr  netip.Addr
	Rules   Rules
	PDNType uint8
}

// Message builds the request; its header SEID is 0 (§7.2.2.4.2: the peer
// has not allocated one yet).
func (r EstablishmentRequest) Message(seq uint32) (*message.SessionEstablishmentRequest, error) {
	const where = "Session Establishment Request"
	ies, err := nodeAndFSEID(r.NodeID, r.CPSEID, r.CPAddr)
	if err != nil {
		return nil, fmt.Errorf("pfcp: %s: %w", where, err)
	}
	if len(r.Rules.PDRs) == 0 || len(r.Rules.FARs) == 0 {
		return nil, fmt.Errorf("pfcp: %s: at least one PDR and one FAR are mandatory", where)
	}
	if ies, err = encodeRules(ies, r.Rules, false); err != nil {
		return nil, fmt.Errorf("pfcp: %s: %w", where, err)
	}
	if r.PDNType != 0 {
		ies = append(ies, u8IE(ie.PDNType, r.PDNType&0x07))
	}
	return message.NewSessionEstablishmentRequest(0, 0, 0, seq, 0, ies...), nil
}

func nodeAndFSEID(node netip.Addr, seid uint64, addr netip.Addr) ([]*ie.IE, error) {
	n, err := nodeIDIE(node)
	if err != nil {
		return nil, err
	}
	f, err := fseidIE(seid, addr)
	if err != nil {
		return nil, err
	}
	return []*ie.IE{n, f}, nil
}

// ParseEstablishmentRequest reads a Session Establishment Request
// (§7.5.2.1): Node ID, CP F-SEID, Create PDR and Create FAR are
// mandatory.
func ParseEstablishmentRequest(m *message.SessionEstablishmentRequest) (EstablishmentRequest, error) {
	r, err := parseEstablishmentRequest(m)
	return r, withHeader(err, m)
}

func parseEstablishmentRequest(m *message.SessionEstablishmentRequest) (EstablishmentRequest, error) {
	const where = "Session Establishment Request"
	var r EstablishmentRequest
	var err error
	if m.NodeID == nil {
		return r, errMissing(where, ie.NodeID)
	}
	if r.NodeID, err = readNodeID(m.NodeID); err != nil {
		return r, err
	}
	if m.CPFSEID == nil {
		return r, errMissing(where, ie.FSEID)
	}
	if r.CPSEID, r.CPAddr, err = readFSEID(m.CPFSEID); err != nil {
		return r, err
	}
	if len(m.CreatePDR) == 0 {
		return r, errMissing(where, ie.CreatePDR)
	}
	if len(m.CreateFAR) == 0 {
		return r, errMissing(where, ie.CreateFAR)
	}
	if r.Rules, err = parseRules(where, m.CreatePDR, m.CreateFAR, m.CreateQER, m.CreateURR, m.CreateBAR, false); err != nil {
		return r, err
	}
	if m.PDNType != nil {
		v, err := readU8(m.PDNType)
		if err != nil {
			return r, err
		}
		r.PDNType = v & 0x07
	}
	return r, nil
}

// EstablishmentResponse is a PFCP Session Establishment Response
// (§7.5.3): UPSEID and UPAddr form the UP F-SEID, sent when the request
// is accepted, with a Created PDR for each F-TEID the UP function chose.
type EstablishmentResponse struct {
	NodeID      netip.Addr
	Cause       uint8
	OffendingIE uint16
	UPSEID      uint64
	UPAddr      netip.Addr
	CreatedPDRs []CreatedPDR
}

// CreatedPDR is a Created PDR (§7.5.3.2): the F-TEID the UP function
// allocated for a PDR that asked it to CHOOSE.
type CreatedPDR struct {
	ID    uint16
	FTEID FTEID
}

// Message builds the response; seid is the CP SEID of the request's
// F-SEID (0 when it could not be read).
func (r EstablishmentResponse) Message(seid uint64, seq uint32) (*message.SessionEstablishmentResponse, error) {
	const where = "Session Establishment Response"
	n, err := nodeIDIE(r.NodeID)
	if err != nil {
		return nil, fmt.Errorf("pfcp: %s: %w", where, err)
	}
	ies, err := causeIEs(r.Cause, r.OffendingIE)
	if err != nil {
		return nil, fmt.Errorf("pfcp: %s: %w", where, err)
	}
	ies = append([]*ie.IE{n}, ies...)
	if Accepted(r.Cause) {
		f, err := fseidIE(r.UPSEID, r.UPAddr)
		if err != nil {
			return nil, fmt.Errorf("pfcp: %s: UP %w", where, err)
		}
		ies = append(ies, f)
		for _, c := range r.CreatedPDRs {
			i, err := createdPDRIE(c)
			if err != nil {
				return nil, fmt.Errorf("pfcp: %s: %w", where, err)
			}
			ies = append(ies, i)
		}
	}
	return message.NewSessionEstablishmentResponse(0, 0, seid, seq, 0, ies...), nil
}

func causeIEs(cause uint8, offending uint16) ([]*ie.IE, error) {
	if cause == 0 {
		return nil, fmt.Errorf("cause 0 is reserved")
	}
	ies := []*ie.IE{u8IE(ie.Cause, cause)}
	if offending != 0 && !Accepted(cause) {
		ies = append(ies, offendingIE(offending))
	}
	return ies, nil
}

// ParseEstablishmentResponse reads a Session Establishment Response
// (§7.5.3.1): Node ID and Cause are mandatory, the UP F-SEID is when the
// cause accepts.
func ParseEstablishmentResponse(m *message.SessionEstablishmentResponse) (EstablishmentResponse, error) {
	r, err := parseEstablishmentResponse(m)
	return r, withHeader(err, m)
}

func parseEstablishmentResponse(m *message.SessionEstablishmentResponse) (EstablishmentResponse, error) {
	const where = "Session Establishment Response"
	var r EstablishmentResponse
	var err error
	if m.NodeID == nil {
		return r, errMissing(where, ie.NodeID)
	}
	if r.NodeID, err = readNodeID(m.NodeID); err != nil {
		return r, err
	}
	if r.Cause, r.OffendingIE, err = readCause(where, m.Cause, m.OffendingIE); err != nil {
		return r, err
	}
	if !Accepted(r.Cause) {
		return r, nil
	}
	if m.UPFSEID == nil {
		return r, errConditional(where, ie.FSEID, "the request was accepted")
	}
	if r.UPSEID, r.UPAddr, err = readFSEID(m.UPFSEID); err != nil {
		return r, err
	}
	for _, g := range m.CreatedPDR {
		c, err := parseCreatedPDR(where+": Created PDR", g)
		if err != nil {
			return r, err
		}
		r.CreatedPDRs = append(r.CreatedPDRs, c)
	}
	return r, nil
}

// ModificationRequest is a PFCP Session Modification Request (§7.5.4).
// SEID is the UP SEID, which goes in the header. QueryURRs asks for a
// usage report of every URR (PFCPSMReq-Flags QAURR, §8.2.31); a request
// with Query URR IEs for some URRs is read as QueryURRs too.
// DropBuffered asks the UP function to drop the packets it buffers for
// the session before it applies the FARs (PFCPSMReq-Flags DROBU). A
// message carries at most one Remove BAR.
type ModificationRequest struct {
	SEID         uint64
	Create       Rules
	Update       Rules
	RemovePDRs   []uint16
	RemoveFARs   []uint32
	RemoveQERs   []uint32
	RemoveURRs   []uint32
	RemoveBARs   []uint8
	QueryURRs    bool
	DropBuffered bool
}

// PFCPSMReq-Flags (§8.2.31): bit 1 DROBU, bit 2 SNDEM (in Update
// Forwarding Parameters), bit 3 QAURR.
const (
	smReqDROBU = 0x01
	smReqSNDEM = 0x02
	smReqQAURR = 0x04
)

// Empty reports whether the request neither changes nor queries
// anything: a CP function asking whether the UP function still has the
// session.
func (r ModificationRequest) Empty() bool {
	return r.Create.empty() && r.Update.empty() && len(r.RemovePDRs) == 0 && len(r.RemoveFARs) == 0 &&
		len(r.RemoveQERs) == 0 && len(r.RemoveURRs) == 0 && len(r.RemoveBARs) == 0 && !r.QueryURRs && !r.DropBuffered
}

// Message builds the request.
func (r ModificationRequest) Message(seq uint32) (*message.SessionModificationRequest, error) {
	const where = "Session Modification Request"
	var ies []*ie.IE
	add := func(t, idt uint16, ids []uint32) error {
		for _, id := range ids {
			var idIE *ie.IE
			if idt == ie.PDRID {
				idIE = u16IE(idt, uint16(id))
			} else {
				idIE = u32IE(idt, id)
			}
			g, err := removeIE(t, idIE)
			if err != nil {
				return err
			}
			ies = append(ies, g)
		}
		return nil
	}
	pdrs := make([]uint32, len(r.RemovePDRs))
	for i, id := range r.RemovePDRs {
		pdrs[i] = uint32(id)
	}
	for _, x := range []struct {
		t, idt uint16
		ids    []uint32
	}{
		{ie.RemovePDR, ie.PDRID, pdrs}, {ie.RemoveFAR, ie.FARID, r.RemoveFARs},
		{ie.RemoveURR, ie.URRID, r.RemoveURRs}, {ie.RemoveQER, ie.QERID, r.RemoveQERs},
	} {
		if err := add(x.t, x.idt, x.ids); err != nil {
			return nil, fmt.Errorf("pfcp: %s: %w", where, err)
		}
	}
	if len(r.RemoveBARs) > 1 {
		return nil, fmt.Errorf("pfcp: %s: %d Remove BARs: a message carries one", where, len(r.RemoveBARs))
	}
	for _, id := range r.RemoveBARs {
		g, err := removeIE(ie.RemoveBAR, u8IE(ie.BARID, id))
		if err != nil {
			return nil, fmt.Errorf("pfcp: %s: %w", where, err)
		}
		ies = append(ies, g)
	}
	var err error
	if ies, err = encodeRules(ies, r.Create, false); err != nil {
		return nil, fmt.Errorf("pfcp: %s: %w", where, err)
	}
	if ies, err = encodeRules(ies, r.Update, true); err != nil {
		return nil, fmt.Errorf("pfcp: %s: %w", where, err)
	}
	var flags uint8
	if r.DropBuffered {
		flags |= smReqDROBU
	}
	if r.QueryURRs {
		flags |= smReqQAURR
	}
	if flags != 0 {
		ies = append(ies, u8IE(ie.PFCPSMReqFlags, flags))
	}
	return message.NewSessionModificationRequest(0, 0, r.SEID, seq, 0, ies...), nil
}

// ParseModificationRequest reads a Session Modification Request
// (§7.5.4.1); all its IEs are conditional, the rules' own IEs as §7.5.4.2
// to §7.5.4.9 require.
func ParseModificationRequest(m *message.SessionModificationRequest) (ModificationRequest, error) {
	r, err := parseModificationRequest(m)
	return r, withHeader(err, m)
}

func parseModificationRequest(m *message.SessionModificationRequest) (ModificationRequest, error) {
	const where = "Session Modification Request"
	r := ModificationRequest{SEID: m.SEID()}
	var err error
	for _, g := range m.RemovePDR {
		id, err := parseRemove(where+": Remove PDR", g, ie.PDRID)
		if err != nil {
			return r, err
		}
		r.RemovePDRs = append(r.RemovePDRs, uint16(id))
	}
	for _, x := range []struct {
		name string
		ies  []*ie.IE
		idt  uint16
		dst  *[]uint32
	}{
		{"Remove FAR", m.RemoveFAR, ie.FARID, &r.RemoveFARs},
		{"Remove URR", m.RemoveURR, ie.URRID, &r.RemoveURRs},
		{"Remove QER", m.RemoveQER, ie.QERID, &r.RemoveQERs},
	} {
		for _, g := range x.ies {
			id, err := parseRemove(where+": "+x.name, g, x.idt)
			if err != nil {
				return r, err
			}
			*x.dst = append(*x.dst, id)
		}
	}
	if m.RemoveBAR != nil {
		id, err := parseRemove(where+": Remove BAR", m.RemoveBAR, ie.BARID)
		if err != nil {
			return r, err
		}
		r.RemoveBARs = append(r.RemoveBARs, uint8(id))
	}
	if r.Create, err = parseRules(where, m.CreatePDR, m.CreateFAR, m.CreateQER, m.CreateURR, m.CreateBAR, false); err != nil {
		return r, err
	}
	if r.Update, err = parseRules(where, m.UpdatePDR, m.UpdateFAR, m.UpdateQER, m.UpdateURR, m.UpdateBAR, true); err != nil {
		return r, err
	}
	if m.PFCPSMReqFlags != nil {
		v, err := readU8(m.PFCPSMReqFlags)
		if err != nil {
			return r, err
		}
		r.DropBuffered, r.QueryURRs = v&smReqDROBU != 0, v&smReqQAURR != 0
	}
	for _, g := range m.QueryURR {
		if _, err := parseRemove(where+": Query URR", g, ie.URRID); err != nil {
			return r, err
		}
		r.QueryURRs = true
	}
	return r, nil
}

// ModificationResponse is a PFCP Session Modification Response (§7.5.5).
type ModificationResponse struct {
	Cause       uint8
	OffendingIE uint16
	CreatedPDRs []CreatedPDR
	Usage       []UsageReport
}

// Message builds the response; seid is the CP SEID (0 when the session is
// unknown).
func (r ModificationResponse) Message(seid uint64, seq uint32) (*message.SessionModificationResponse, error) {
	const where = "Session Modification Response"
	ies, err := causeIEs(r.Cause, r.OffendingIE)
	if err != nil {
		return nil, fmt.Errorf("pfcp: %s: %w", where, err)
	}
	for _, c := range r.CreatedPDRs {
		i, err := createdPDRIE(c)
		if err != nil {
			return nil, fmt.Errorf("pfcp: %s: %w", where, err)
		}
		ies = append(ies, i)
	}
	if ies, err = appendUsage(ies, ie.UsageReportWithinSessionModificationResponse, r.Usage); err != nil {
		return nil, fmt.Errorf("pfcp: %s: %w", where, err)
	}
	return message.NewSessionModificationResponse(0, 0, seid, seq, 0, ies...), nil
}

// ParseModificationResponse reads a Session Modification Response
// (§7.5.5.1): Cause is mandatory.
func ParseModificationResponse(m *message.SessionModificationResponse) (ModificationResponse, error) {
	r, err := parseModificationResponse(m)
	return r, withHeader(err, m)
}

func parseModificationResponse(m *message.SessionModificationResponse) (ModificationResponse, error) {
	const where = "Session Modification Response"
	var r ModificationResponse
	var err error
	if r.Cause, r.OffendingIE, err = readCause(where, m.Cause, m.OffendingIE); err != nil {
		return r, err
	}
	for _, g := range m.CreatedPDR {
		c, err := parseCreatedPDR(where+": Created PDR", g)
		if err != nil {
			return r, err
		}
		r.CreatedPDRs = append(r.CreatedPDRs, c)
	}
	r.Usage, err = parseUsage(where, m.UsageReport)
	return r, err
}

// DeletionRequest builds a PFCP Session Deletion Request (§7.5.6) for the
// UP SEID seid; it has no IEs.
func DeletionRequest(seid uint64, seq uint32) *message.SessionDeletionRequest {
	return message.NewSessionDeletionRequest(0, 0, seid, seq, 0)
}

// DeletionResponse is a PFCP Session Deletion Response (§7.5.7), with the
// final usage reports.
type DeletionResponse struct {
	Cause       uint8
	OffendingIE uint16
	Usage       []UsageReport
}

// Message builds the response; seid is the CP SEID.
func (r DeletionResponse) Message(seid uint64, seq uint32) (*message.SessionDeletionResponse, error) {
	const where = "Session Deletion Response"
	ies, err := causeIEs(r.Cause, r.OffendingIE)
	if err != nil {
		return nil, fmt.Errorf("pfcp: %s: %w", where, err)
	}
	if ies, err = appendUsage(ies, ie.UsageReportWithinSessionDeletionResponse, r.Usage); err != nil {
		return nil, fmt.Errorf("pfcp: %s: %w", where, err)
	}
	return message.NewSessionDeletionResponse(0, 0, seid, seq, 0, ies...), nil
}

// ParseDeletionResponse reads a Session Deletion Response (§7.5.7.1):
// Cause is mandatory.
func ParseDeletionResponse(m *message.SessionDeletionResponse) (DeletionResponse, error) {
	r, err := parseDeletionResponse(m)
	return r, withHeader(err, m)
}

func parseDeletionResponse(m *message.SessionDeletionResponse) (DeletionResponse, error) {
	const where = "Session Deletion Response"
	var r DeletionResponse
	var err error
	if r.Cause, r.OffendingIE, err = readCause(where, m.Cause, m.OffendingIE); err != nil {
		return r, err
	}
	r.Usage, err = parseUsage(where, m.UsageReport)
	return r, err
}

// Usage report triggers (§8.2.41) Keel sends.
const (
	TriggerVolumeThreshold = "volume-threshold" // VOLTH
	TriggerTermination     = "termination"      // TERMR
	TriggerQuery           = "query"            // IMMER
)

// UsageReport is a Usage Report (§7.5.5.2, §7.5.7.2, §7.5.8.3): the
// volumes (bytes) and packets one URR measured. SeqN is the UR-SEQN
// (§8.2.77), counting the reports of the URR; Start and End (§8.2.79,
// §8.2.80) bound the measurement and are sent when set.
type UsageReport struct {
	URRID                    uint32
	Trigger                  string // TriggerVolumeThreshold, TriggerTermination, TriggerQuery; "other" for the rest when read
	Uplink, Downlink, Total  uint64
	UplinkPkts, DownlinkPkts uint64
	SeqN                     uint32
	Start, End               time.Time
}

func appendUsage(ies []*ie.IE, t uint16, us []UsageReport) ([]*ie.IE, error) {
	for _, u := range us {
		trig, err := usageTriggerIE(u.Trigger)
		if err != nil {
			return nil, err
		}
		c := []*ie.IE{u32IE(ie.URRID, u.URRID), u32IE(ie.URSEQN, u.SeqN), trig}
		for _, x := range []struct {
			t uint16
			v time.Time
		}{{ie.StartTime, u.Start}, {ie.EndTime, u.End}} {
			if x.v.IsZero() {
				continue
			}
			i, err := timeIE(x.t, x.v)
			if err != nil {
				return nil, err
			}
			c = append(c, i)
		}
		c = append(c, volumeMeasurementIE(u))
		g, err := group(t, c...)
		if err != nil {
			return nil, err
		}
		ies = append(ies, g)
	}
	return ies, nil
}

// parseUsage reads Usage Report IEs: URR ID, UR-SEQN and Usage Report
// Trigger are mandatory.
func parseUsage(where string, gs []*ie.IE) ([]UsageReport, error) {
	var out []UsageReport
	for _, g := range gs {
		c, err := children(g)
		if err != nil {
			return out, err
		}
		var u UsageReport
		w := where + ": Usage Report"
		id, seqn, trig := first(c, ie.URRID), first(c, ie.URSEQN), first(c, ie.UsageReportTrigger)
		switch {
		case id == nil:
			return out, errMissing(w, ie.URRID)
		case seqn == nil:
			return out, errMissing(w, ie.URSEQN)
		case trig == nil:
			return out, errMissing(w, ie.UsageReportTrigger)
		}
		if u.URRID, err = readU32(id); err != nil {
			return out, err
		}
		if u.SeqN, err = readU32(seqn); err != nil {
			return out, err
		}
		if u.Trigger, err = readUsageTrigger(trig); err != nil {
			return out, err
		}
		if i := first(c, ie.StartTime); i != nil {
			if u.Start, err = readTime(i); err != nil {
				return out, err
			}
		}
		if i := first(c, ie.EndTime); i != nil {
			if u.End, err = readTime(i); err != nil {
				return out, err
			}
		}
		if i := first(c, ie.VolumeMeasurement); i != nil {
			if err := readVolumeMeasurement(i, &u); err != nil {
				return out, err
			}
		}
		out = append(out, u)
	}
	return out, nil
}

// ReportRequest is a PFCP Session Report Request (§7.5.8): usage reports
// (Report Type USAR) and/or a Downlink Data Report (Report Type DLDR).
// SEID is the CP SEID, which goes in the header.
type ReportRequest struct {
	SEID         uint64
	Usage        []UsageReport
	DownlinkData *DownlinkDataReport
}

// DownlinkDataReport is a Downlink Data Report (§7.5.8.2): the PDR that
// detected the first downlink packet buffered for a FAR with NOCP
// (§5.2.4.1) and, when not 0, the QFI of that packet, sent in the
// Downlink Data Service Information (§8.2.27). A report read with several
// PDR IDs keeps the first.
type DownlinkDataReport struct {
	PDRID uint16
	QFI   uint8
}

// Report Type (§8.2.21): bit 1 DLDR, bit 2 USAR.
const (
	reportDLDR = 0x01
	reportUSAR = 0x02
)

// Message builds the request.
func (r ReportRequest) Message(seq uint32) (*message.SessionReportRequest, error) {
	const where = "Session Report Request"
	var t uint8
	if r.DownlinkData != nil {
		t |= reportDLDR
	}
	if len(r.Usage) > 0 {
		t |= reportUSAR
	}
	if t == 0 {
		return nil, fmt.Errorf("pfcp: %s: neither a usage nor a downlink data report", where)
	}
	ies := []*ie.IE{u8IE(ie.ReportType, t)}
	if d := r.DownlinkData; d != nil {
		c := []*ie.IE{u16IE(ie.PDRID, d.PDRID)}
		if d.QFI != 0 {
			// §8.2.27: flags (QFII), then the QFI in 6 bits.
			c = append(c, newIE(ie.DownlinkDataServiceInformation, []byte{0x02, d.QFI & 0x3f}))
		}
		g, err := group(ie.DownlinkDataReport, c...)
		if err != nil {
			return nil, fmt.Errorf("pfcp: %s: %w", where, err)
		}
		ies = append(ies, g)
	}
	ies, err := appendUsage(ies, ie.UsageReportWithinSessionReportRequest, r.Usage)
	if err != nil {
		return nil, fmt.Errorf("pfcp: %s: %w", where, err)
	}
	return message.NewSessionReportRequest(0, 0, r.SEID, seq, 0, ies...), nil
}

// ParseReportRequest reads a Session Report Request (§7.5.8.1): Report
// Type is mandatory, Usage Report present when it has USAR, Downlink
// Data Report (with its mandatory PDR ID) when it has DLDR. Other report
// types are read without their content.
func ParseReportRequest(m *message.SessionReportRequest) (ReportRequest, error) {
	r, err := parseReportRequest(m)
	return r, withHeader(err, m)
}

func parseReportRequest(m *message.SessionReportRequest) (ReportRequest, error) {
	const where = "Session Report Request"
	r := ReportRequest{SEID: m.SEID()}
	if m.ReportType == nil {
		return r, errMissing(where, ie.ReportType)
	}
	t, err := readU8(m.ReportType)
	if err != nil {
		return r, err
	}
	if t&reportUSAR != 0 && len(m.UsageReport) == 0 {
		return r, errConditional(where, ie.UsageReportWithinSessionReportRequest, "Report Type has USAR")
	}
	if t&reportDLDR != 0 {
		if m.DownlinkDataReport == nil {
			return r, errConditional(where, ie.DownlinkDataReport, "Report Type has DLDR")
		}
		if r.DownlinkData, err = parseDownlinkDataReport(where+": Downlink Data Report", m.DownlinkDataReport); err != nil {
			return r, err
		}
	}
	r.Usage, err = parseUsage(where, m.UsageReport)
	return r, err
}

func parseDownlinkDataReport(where string, g *ie.IE) (*DownlinkDataReport, error) {
	c, err := children(g)
	if err != nil {
		return nil, err
	}
	id := first(c, ie.PDRID)
	if id == nil {
		return nil, errMissing(where, ie.PDRID)
	}
	d := &DownlinkDataReport{}
	if d.PDRID, err = readU16(id); err != nil {
		return nil, err
	}
	if i := first(c, ie.DownlinkDataServiceInformation); i != nil {
		// §8.2.27: flags; then PPI when PPI is set; then QFI when QFII is.
		if err := need(i, 1); err != nil {
			return nil, err
		}
		p := i.Payload
		off := 1
		if p[0]&0x01 != 0 {
			off++
		}
		if p[0]&0x02 != 0 {
			if len(p) <= off {
				return nil, errIncorrect(i.Type, "QFII set without a QFI")
			}
			d.QFI = p[off] & 0x3f
		}
	}
	return d, nil
}

// ReportResponse is a PFCP Session Report Response (§7.5.9).
type ReportResponse struct {
	Cause       uint8
	OffendingIE uint16
}

// Message builds the response; seid is the UP SEID.
func (r ReportResponse) Message(seid uint64, seq uint32) (*message.SessionReportResponse, error) {
	ies, err := causeIEs(r.Cause, r.OffendingIE)
	if err != nil {
		return nil, fmt.Errorf("pfcp: Session Report Response: %w", err)
	}
	return message.NewSessionReportResponse(0, 0, seid, seq, 0, ies...), nil
}

// ParseReportResponse reads a Session Report Response (§7.5.9.1): Cause
// is mandatory.
func ParseReportResponse(m *message.SessionReportResponse) (ReportResponse, error) {
	var r ReportResponse
	var err error
	r.Cause, r.OffendingIE, err = readCause("Session Report Response", m.Cause, m.OffendingIE)
	return r, withHeader(err, m)
}
