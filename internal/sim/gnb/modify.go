package gnb

import (
	"context"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ngap"
)

// handleSessionModify runs PDU Session Resource Modify (TS 38.413
// §8.2.3): every QoS flow of a session the gNB has resources for is
// admitted, with its NAS-PDU then delivered to the UE after the answer;
// a session it has none for is in the Failed to Modify List
// (unknown-PDU-session-ID) and its NAS-PDU is not delivered (§8.2.3.2).
func (g *GNB) handleSessionModify(ctx context.Context, a *assoc, m *message.PDUSessionResourceModifyRequest) {
	amfUE, ranUE, items, err := ngap.DecodePDUSessionResourceModifyRequest(m)
	if err != nil {
		g.log.Warn("gnb: PDU Session Resource Modify Request", "err", err)
		return
	}
	c := g.ueOn(a, ranUE)
	if c == nil {
		g.log.Warn("gnb: PDU Session Resource Modify Request for an unknown UE", "ran_ue_ngap_id", ranUE)
		return
	}
	var nas [][]byte
	results := make([]ngap.SessionResult, 0, len(items))
	for _, it := range items {
		res := ngap.SessionResult{PDUSessionID: it.PDUSessionID}
		x, derr := ngap.DecodeModifyRequestTransfer(it.Transfer)
		_, known := c.Session(it.PDUSessionID)
		switch {
		case derr != nil || !known || g.cfg.FailModify:
			cause := ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentUnknownPDUSessionID)
			if derr == nil && known {
				cause = ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable)
			}
			res.Failed = true
			res.Transfer, err = ngap.ModifyUnsuccessfulTransfer(cause)
		default:
			var admitted []uint8
			for _, f := range x.Flows {
				admitted = append(admitted, f.QFI)
			}
			res.Transfer, err = ngap.ModifyResponseTransfer{Admitted: admitted}.Encode()
			if len(it.NASPDU) > 0 {
				nas = append(nas, append([]byte(nil), it.NASPDU...))
			}
		}
		if err != nil {
			g.log.Warn("gnb: PDU Session Resource Modify transfer", "err", err)
			return
		}
		results = append(results, res)
	}
	resp, err := ngap.PDUSessionResourceModifyResponse(amfUE, ranUE, results)
	if err != nil {
		g.log.Warn("gnb: PDU Session Resource Modify Response", "err", err)
		return
	}
	if err := a.sendUE(ctx, ranUE, resp); err != nil {
		g.log.Warn("gnb: PDU Session Resource Modify Response", "err", err)
	}
	for _, pdu := range nas {
		g.deliver(a, amfUE, ranUE, Downlink{NAS: pdu})
	}
}

// handleContextModify runs UE Context Modification (TS 38.413 §8.3.4):
// the gNB takes the new UE-AMBR (UEAMBR reports it) and answers with the
// Response, or with the Failure (radio-network/unspecified) when its
// configuration says to fail.
func (g *GNB) handleContextModify(ctx context.Context, a *assoc, m *message.UEContextModificationRequest) {
	amfID, _, ranID, _ := ngap.UEIDs(m)
	dl, ul, has, err := ngap.DecodeUEContextModificationRequest(m)
	if err != nil {
		g.log.Warn("gnb: UE Context Modification Request", "err", err)
		return
	}
	c := g.ueOn(a, ranID)
	if c == nil || g.cfg.FailModify {
		cause := ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentUnspecified)
		if c == nil {
			cause = ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentUnknownLocalUENGAPID)
		}
		if f, err := ngap.UEContextModificationFailure(amfID, ranID, cause); err == nil {
			a.sendUE(ctx, ranID, f)
		}
		return
	}
	if has {
		c.ambr.Store(&[2]uint64{dl, ul})
	}
	a.sendUE(ctx, ranID, ngap.UEContextModificationResponse(amfID, ranID))
}

// UEAMBR returns the UE-AMBR (downlink, uplink, bit/s) the last UE
// Context Modification gave the connection; ok is false before one.
func (c *UEConn) UEAMBR() (downlink, uplink uint64, ok bool) {
	p := c.ambr.Load()
	if p == nil {
		return 0, 0, false
	}
	return p[0], p[1], true
}
