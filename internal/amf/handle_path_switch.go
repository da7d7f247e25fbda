package amf

import (
	"context"
	"errors"
	"slices"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
)

// handlePathSwitch runs the AMF's side of an Xn handover (TS 23.502
// §4.9.1.2.2, TS 38.413 §8.4.4): the target gNB r names the UE by the
// AMF UE NGAP ID its source gNB used and lists the PDU sessions whose
// downlink it took, each with its new tunnel.
//
// On the UE's executor (pathSwitch) the request is checked: the UE must
// be connected, registered and have an AS security context; the target
// must serve the tracking area of the User Location Information; each
// listed session must be the UE's. The SMF then switches each session's
// path (Nsmf_PDUSession_UpdateSMContext with the Path Switch Request
// Transfer, TS 29.502 PATH_SWITCH_REQ) on a goroutine of its own, so
// that the executor never waits for the SMF and the UPF; the result
// comes back to the executor (pathSwitched), which moves the UE's N2
// connection from the source association to the target — same AMF UE
// NGAP ID, the target's RAN UE NGAP ID; the source gNB releases its side
// over Xn, the AMF sends it nothing — and answers with Path Switch
// Request Acknowledge: the next {NH, NCC} (TS 33.501 §6.9.2.3.3), the
// switched and released sessions and, when the target's UE security
// capabilities differ from those the AMF holds, the AMF's (TS 33.501
// §6.7.3.1, logged). Without a session switched, or for a UE that
// cannot be handed over, the answer is Path Switch Request Failure
// (§8.4.4.3) and the UE stays on its source connection.
func (a *AMF) handlePathSwitch(ctx context.Context, r *ran, msg *message.PathSwitchRequest) {
	if msg.SourceAMFUENGAPID == nil || msg.RANUENGAPID == nil {
		a.abstractSyntax(ctx, r, msg)
		return
	}
	amfID, ranID := msg.SourceAMFUENGAPID.Value, msg.RANUENGAPID.Value
	a.ues.Lock()
	u := a.ues.byAMFID[amfID]
	a.ues.Unlock()
	if u == nil {
		a.metrics.pathSwitches.WithLabelValues("unknown-ue").Inc()
		a.unknownUE(ctx, r, amfID, ranID)
		return
	}
	p, err := ngap.DecodePathSwitchRequest(msg)
	if err != nil {
		r.logger().Info("amf: Path Switch Request refused", "cause", "abstract-syntax", "err", err)
		a.abstractSyntax(ctx, r, msg)
		return
	}
	u.do(func() { a.pathSwitch(u, r, p) })
}

// pathSwitchFailure answers with Path Switch Request Failure, every
// listed session released with cause. Run on u's executor.
func (a *AMF) pathSwitchFailure(u *ueContext, target *ran, p ngap.PathSwitch, result string, cause *ie.Cause) {
	a.metrics.pathSwitches.WithLabelValues(result).Inc()
	u.log.Info("amf: Path Switch Request failed", "cause", result, "answer", ngap.CauseString(cause), "ran_ue_ngap_id", p.RANUE)
	psis := make([]uint8, 0, len(p.Sessions)+len(p.Failed))
	for _, s := range append(slices.Clone(p.Sessions), p.Failed...) {
		psis = append(psis, s.PDUSessionID)
	}
	fail, err := ngap.PathSwitchRequestFailure(p.SourceAMFUE, p.RANUE, psis, cause)
	if err != nil {
		u.log.Error("amf: building Path Switch Request Failure", "err", err)
		return
	}
	a.sendUE(&ueConn{ran: target, amfID: p.SourceAMFUE, ranID: p.RANUE}, fail)
}

// errNoSMF is the answer for every session when the AMF has no SMF.
var errNoSMF = errors.New("amf: no SMF to switch the path")

// switchItem is one PDU session of a path switch and what the SMF
// answered for it.
type switchItem struct {
	psi      uint8
	ref      string
	transfer []byte
	failed   bool // listed in the Failed to Setup List
	answer   sbi.SmContextUpdatedData
	err      error
}

// pathSwitch checks a Path Switch Request on u's executor and hands the
// sessions to the SMF (see handlePathSwitch).
func (a *AMF) pathSwitch(u *ueContext, target *ran, p ngap.PathSwitch) {
	hoFailure := ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHoFailureInTarget5GCNgranNodeOrTargetSystem)
	c := u.conn.Load()
	hc, ok := u.m.Handover()
	switch {
	case c == nil || c.amfID != p.SourceAMFUE || !ok:
		a.pathSwitchFailure(u, target, p, "not-connected", hoFailure)
		return
	case u.switching:
		a.pathSwitchFailure(u, target, p, "busy", hoFailure)
		return
	case target.down.Load() || !target.isSetUp():
		return // the target is gone: nothing to answer
	case !target.serves(p.Location.TAI):
		// TS 23.502 §4.9.1.2.2: the AMF checks the UE may be served at
		// the target; a tracking area the target did not announce in NG
		// Setup or RAN Configuration Update is not one it serves.
		a.pathSwitchFailure(u, target, p, "ta-not-served", ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHoTargetNotAllowed))
		return
	}
	var items []switchItem
	var released []ngap.SessionResult
	for _, s := range p.Sessions {
		ref, mine := hc.Sessions[s.PDUSessionID]
		if !mine {
			// TS 38.413 §8.4.4.2: a session the UE does not have is
			// listed as released, with "unknown PDU session ID".
			tr, err := ngap.PathSwitchUnsuccessfulTransfer(ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentUnknownPDUSessionID))
			if err != nil {
				u.log.Error("amf: building Path Switch Request Unsuccessful Transfer", "err", err)
				return
			}
			u.log.Info("amf: Path Switch Request names a PDU session the UE does not have", "pdu_session_id", s.PDUSessionID)
			released = append(released, ngap.SessionResult{PDUSessionID: s.PDUSessionID, Transfer: tr, Failed: true})
			continue
		}
		items = append(items, switchItem{psi: s.PDUSessionID, ref: ref, transfer: s.Transfer})
	}
	for _, s := range p.Failed {
		if ref, mine := hc.Sessions[s.PDUSessionID]; mine {
			items = append(items, switchItem{psi: s.PDUSessionID, ref: ref, transfer: s.Transfer, failed: true})
		}
	}
	if !slices.ContainsFunc(items, func(it switchItem) bool { return !it.failed }) {
		a.pathSwitchFailure(u, target, p, "no-session-switched", ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentUnknownPDUSessionID))
		if len(items) > 0 {
			// The sessions the target failed to set up still go to the
			// SMF, which releases them.
			a.smfInOrder(u, func(ctx context.Context) {
				a.smfPathSwitch(ctx, items, userLocation(p.Location))
				u.do(func() {
					for _, it := range items {
						if it.err != nil || it.answer.Released {
							u.m.SessionGone(it.psi)
						}
					}
				})
			})
		}
		return
	}
	if a.smfInOrder(u, func(ctx context.Context) {
		a.smfPathSwitch(ctx, items, userLocation(p.Location))
		u.do(func() { a.pathSwitched(u, c, target, p, hc, items, released) })
	}) {
		u.switching = true
	}
}

// smfPathSwitch calls Nsmf_PDUSession_UpdateSMContext for each item:
// the Path Switch Request Transfer (PATH_SWITCH_REQ) or the Setup Failed
// Transfer (PATH_SWITCH_SETUP_FAIL), from a goroutine of smfInOrder,
// never from the UE's executor: each call waits for the SMF and its
// PFCP exchange with the UPF. loc is the UE's location at the target
// (TS 29.502 §5.2.2.3.1: ueLocation).
func (a *AMF) smfPathSwitch(ctx context.Context, items []switchItem, loc *sbi.UserLocation) {
	if a.services.SMF == nil {
		for i := range items {
			items[i].err = errNoSMF
		}
		return
	}
	for i := range items {
		it := &items[i]
		typ := sbi.N2PathSwitchRequest
		if it.failed {
			typ = sbi.N2PathSwitchSetupFailed
		}
		it.answer, it.err = a.services.SMF.UpdateSMContext(ctx, it.ref, sbi.SmContextUpdateData{N2SmInfoType: typ, N2SmInfo: sbi.N2SM(it.transfer), UeLocation: loc})
	}
}

// pathSwitched finishes a path switch on u's executor once the SMF has
// answered for every session (see handlePathSwitch).
func (a *AMF) pathSwitched(u *ueContext, source *ueConn, target *ran, p ngap.PathSwitch, hc gmm.HandoverContext, items []switchItem, released []ngap.SessionResult) {
	u.switching = false
	var switched []ngap.SessionResult
	for _, it := range items {
		switch {
		case it.failed:
			if it.answer.Released || it.err != nil {
				u.m.SessionGone(it.psi)
			}
		case it.err == nil && it.answer.N2SmInfoType == sbi.N2PathSwitchRequestAck:
			switched = append(switched, ngap.SessionResult{PDUSessionID: it.psi, Transfer: it.answer.N2SmInfo.Bytes()})
		default:
			// Not switched: the SMF released it (TS 23.502 §4.9.1.2.2
			// step 2), or failed; the target gNB releases its resources.
			tr := it.answer.N2SmInfo.Bytes()
			if it.err != nil || it.answer.N2SmInfoType != sbi.N2PathSwitchRequestFailed {
				u.log.Warn("amf: Nsmf_PDUSession_UpdateSMContext of a path switch failed", "pdu_session_id", it.psi, "err", it.err)
				var err error
				if tr, err = ngap.PathSwitchUnsuccessfulTransfer(ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentUnspecified)); err != nil {
					u.log.Error("amf: building Path Switch Request Unsuccessful Transfer", "err", err)
					return
				}
			}
			if it.answer.Released || it.err != nil {
				u.m.SessionGone(it.psi)
			}
			released = append(released, ngap.SessionResult{PDUSessionID: it.psi, Transfer: tr, Failed: true})
		}
	}
	c := u.conn.Load()
	if c != source {
		// The UE left its source connection meanwhile (released, or
		// another handover): the switch is answered as failed.
		a.pathSwitchFailure(u, target, p, "not-connected", ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHoFailureInTarget5GCNgranNodeOrTargetSystem))
		return
	}
	if len(switched) == 0 {
		a.pathSwitchFailure(u, target, p, "no-session-switched", ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHoFailureInTarget5GCNgranNodeOrTargetSystem))
		return
	}
	nh, ncc, ok := u.m.NextHop()
	if !ok {
		a.pathSwitchFailure(u, target, p, "not-connected", ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHoFailureInTarget5GCNgranNodeOrTargetSystem))
		return
	}
	ack := ngap.PathSwitchAck{AMFUE: source.amfID, RANUE: p.RANUE, NCC: ncc, NH: nh, Switched: switched, Released: released, AllowedNSSAI: hc.AllowedNSSAI}
	if p.Security != hc.Capabilities {
		// TS 33.501 §6.7.3.1: the target's copy differs from the
		// AMF's; the AMF's go to the target, and the event is logged.
		caps := hc.Capabilities
		ack.Security = &caps
		u.log.Warn("amf: UE security capabilities from the target gNB differ from the AMF's: the AMF's are sent",
			"gnb", target.gnbID(), "nr_encryption", p.Security.NREncryption, "nr_integrity", p.Security.NRIntegrity,
			"stored_nr_encryption", hc.Capabilities.NREncryption, "stored_nr_integrity", hc.Capabilities.NRIntegrity)
	}
	msg, err := ngap.PathSwitchRequestAcknowledge(ack)
	if err != nil {
		u.log.Error("amf: building Path Switch Request Acknowledge", "err", err)
		return
	}
	// The UE's N2 connection moves to the target: same AMF UE NGAP ID,
	// the target's RAN UE NGAP ID (TS 38.413 §8.4.4.2).
	moved := &ueConn{ran: target, amfID: source.amfID, ranID: p.RANUE, loc: p.Location}
	u.conn.Store(moved)
	source.ran.ues.Add(-1)
	target.ues.Add(1)
	u.loc, u.locAt = p.Location, wallAt(a.now())
	a.metrics.pathSwitches.WithLabelValues("acknowledged").Inc()
	a.sendUE(moved, msg)
}
