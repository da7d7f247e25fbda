package gnb

import (
	"context"
	"errors"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ngap"
)

// Bearer is what the gNB keeps of one PDU session of a UE: the UPF's
// uplink tunnel, the gNB's downlink TEID and the QoS flow uplink packets
// are marked with.
type Bearer struct {
	PDUSessionID uint8
	UL           ngap.Tunnel
	DLTEID       uint32
	QFI          uint8
}

// Session returns the bearer of PDU session psi, if the AMF set it up.
func (c *UEConn) Session(psi uint8) (Bearer, bool) {
	c.g.bearers.mu.Lock()
	defer c.g.bearers.mu.Unlock()
	b := c.sessions[psi]
	if b == nil {
		return Bearer{}, false
	}
	return b.Bearer, true
}

var (
	errNoUserPlane = errors.New("gnb: no N3 address configured")
	errDuplicate   = errors.New("gnb: PDU session already has resources")
)

// handleSessionSetup runs PDU Session Resource Setup (TS 38.413 §8.2.1):
// for each session a DL TEID on the gNB's N3 address for the UPF's UL
// tunnel, the answer, then the NAS PDUs to the UE. A session the gNB
// cannot set up is in the failed list and its NAS PDU is not delivered.
func (g *GNB) handleSessionSetup(ctx context.Context, a *assoc, m *message.PDUSessionResourceSetupRequest) {
	amfUE, ranUE, items, err := ngap.DecodePDUSessionResourceSetupRequest(m)
	if err != nil {
		g.log.Warn("gnb: PDU Session Resource Setup Request", "err", err)
		return
	}
	c := g.ueOn(a, ranUE)
	if c == nil {
		g.log.Warn("gnb: PDU Session Resource Setup Request for an unknown UE", "ran_ue_ngap_id", ranUE)
		return
	}
	var nas [][]byte
	if m.NASPDU != nil && len(m.NASPDU.Value) > 0 {
		nas = append(nas, append([]byte(nil), m.NASPDU.Value...))
	}
	results, sessionNAS := g.setupSessions(c, items)
	nas = append(nas, sessionNAS...)
	resp, err := ngap.PDUSessionResourceSetupResponse(amfUE, ranUE, results)
	if err != nil {
		g.log.Warn("gnb: PDU Session Resource Setup Response", "err", err)
		return
	}
	if err := a.sendUE(ctx, ranUE, resp); err != nil {
		g.log.Warn("gnb: PDU Session Resource Setup Response", "err", err)
	}
	for _, pdu := range nas {
		g.deliver(a, amfUE, ranUE, Downlink{NAS: pdu})
	}
}

// setupSessions sets up the resources of the sessions of a PDU Session
// Resource Setup Request or an Initial Context Setup Request: the
// results to answer with, and the NAS PDUs of the sessions set up, for
// the UE once the answer is sent.
func (g *GNB) setupSessions(c *UEConn, items []ngap.SessionItem) ([]ngap.SessionResult, [][]byte) {
	var nas [][]byte
	results := make([]ngap.SessionResult, 0, len(items))
	var seen [256]bool
	for _, it := range items {
		// §8.2.1.4, §8.3.1.4: a PDU session ID listed twice is answered once.
		if seen[it.PDUSessionID] {
			continue
		}
		seen[it.PDUSessionID] = true
		res, err := g.setupBearer(c, it)
		if err != nil {
			g.log.Warn("gnb: PDU session resource not set up", "ran_ue_ngap_id", c.ranID, "pdu_session_id", it.PDUSessionID, "err", err)
			if res.Transfer == nil {
				continue
			}
		} else if len(it.NASPDU) > 0 {
			nas = append(nas, append([]byte(nil), it.NASPDU...))
		}
		results = append(results, res)
	}
	return results, nas
}

// setupBearer sets up one PDU session's resources: the result carries
// the Setup Response Transfer (TS 38.413 §9.3.4.2), or, with an error,
// the Setup Unsuccessful Transfer (§9.3.4.16) with a cause.
func (g *GNB) setupBearer(c *UEConn, it ngap.SessionItem) (ngap.SessionResult, error) {
	res := ngap.SessionResult{PDUSessionID: it.PDUSessionID}
	out, err := g.trySetupBearer(c, it)
	if err == nil {
		res.Transfer = out
		return res, nil
	}
	cause := ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentUnspecified)
	switch {
	case errors.Is(err, errNoUserPlane):
		cause = &ie.Cause{Choice: &ie.CauseTransport{Value: ie.CauseTransportPresentTransportResourceUnavailable}}
	case errors.Is(err, errDuplicate):
		cause = ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentMultiplePDUSessionIDInstances)
	}
	res.Failed = true
	res.Transfer, _ = ngap.SetupUnsuccessfulTransfer{Cause: cause}.Encode()
	return res, err
}

func (g *GNB) trySetupBearer(c *UEConn, it ngap.SessionItem) ([]byte, error) {
	if g.up == nil {
		return nil, errNoUserPlane
	}
	tr, err := ngap.DecodeSetupRequestTransfer(it.Transfer)
	if err != nil {
		return nil, err
	}
	if !tr.UL.Addr.IsValid() || len(tr.Flows) == 0 {
		return nil, errors.New("gnb: setup request transfer without an UL tunnel or a QoS flow")
	}
	qfis := make([]uint8, 0, len(tr.Flows))
	var failed map[uint8]*ie.Cause
	for _, f := range tr.Flows {
		if f.GBR != nil && g.cfg.RefuseGBR {
			if failed == nil {
				failed = map[uint8]*ie.Cause{}
			}
			failed[f.QFI] = ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable)
			continue
		}
		qfis = append(qfis, f.QFI)
	}
	b, err := g.addBearer(c, Bearer{PDUSessionID: it.PDUSessionID, UL: tr.UL, QFI: tr.Flows[0].QFI})
	if err != nil {
		return nil, err
	}
	out, err := ngap.SetupResponseTransfer{DL: ngap.Tunnel{Addr: g.up.addr, TEID: b.DLTEID}, QFIs: qfis, Failed: failed}.Encode()
	if err != nil {
		g.removeBearer(c, it.PDUSessionID)
		return nil, err
	}
	return out, nil
}

// handleSessionRelease runs PDU Session Resource Release (TS 38.413
// §8.2.2): the bearers go, the answer, then the NAS PDU to the UE.
func (g *GNB) handleSessionRelease(ctx context.Context, a *assoc, m *message.PDUSessionResourceReleaseCommand) {
	amfUE, ranUE, nasPDU, items, err := ngap.DecodePDUSessionResourceReleaseCommand(m)
	if err != nil {
		g.log.Warn("gnb: PDU Session Resource Release Command", "err", err)
		return
	}
	c := g.ueOn(a, ranUE)
	if c == nil {
		g.log.Warn("gnb: PDU Session Resource Release Command for an unknown UE", "ran_ue_ngap_id", ranUE)
		return
	}
	transfer, err := ngap.ReleaseResponseTransfer{}.Encode()
	if err != nil {
		g.log.Warn("gnb: PDU Session Resource Release Response Transfer", "err", err)
		return
	}
	results := make([]ngap.SessionResult, 0, len(items))
	for _, it := range items {
		g.removeBearer(c, it.PDUSessionID)
		results = append(results, ngap.SessionResult{PDUSessionID: it.PDUSessionID, Transfer: transfer})
	}
	resp, err := ngap.PDUSessionResourceReleaseResponse(amfUE, ranUE, results)
	if err != nil {
		g.log.Warn("gnb: PDU Session Resource Release Response", "err", err)
		return
	}
	if err := a.sendUE(ctx, ranUE, resp); err != nil {
		g.log.Warn("gnb: PDU Session Resource Release Response", "err", err)
	}
	if len(nasPDU) > 0 {
		g.deliver(a, amfUE, ranUE, Downlink{NAS: append([]byte(nil), nasPDU...)})
	}
}
