package amf

import (
	"context"
	"time"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
)

// N2 handover (TS 23.502 §4.9.1.3, TS 38.413 §8.4.1–8.4.3, 8.4.5–8.4.7)
// within one AMF:
//
//	source                AMF                        target      SMF
//	Handover Required ──▶ check target, TA, sessions
//	                      UpdateSMContext PREPARING ──────────────▶ setup transfer
//	                      NH/NCC, new UE connection
//	                      Handover Request ─────────▶
//	                      ◀─ Handover Request Acknowledge (or Handover Failure)
//	                      UpdateSMContext PREPARED ───────────────▶ command transfer
//	◀─ Handover Command
//	Uplink RAN Status ──▶ Downlink RAN Status ──────▶
//	                      ◀─ Handover Notify
//	                      UE connection moves to the target
//	                      UpdateSMContext COMPLETED ──────────────▶ path switched, End Markers
//	◀─ UE Context Release Command (successful-handover)
//
// State: ueContext.handover, touched on the UE's executor only. While a
// handover runs the UE has two N2 connections: u.conn on the source and
// handover.target, whose AMF UE NGAP ID routes to the UE (AMF.ues) but
// which carries only the handover's messages until Handover Notify.
// SMF calls run on a goroutine of their own (AMF.runs), never on the
// executor; their results come back to it as events. TNGRELOCprep
// (Config.TNGRELOCprep, through the injected AfterFunc) guards the
// preparation: on expiry the target side is released and the source
// gets Handover Preparation Failure. TNGRELOCoverall is not run: a UE
// that never arrives at the target stays on the source until the source
// releases it or cancels.
//
// Data forwarding: direct forwarding only, relayed transparently by the
// SMF (handle_handover.go in internal/smf); no indirect forwarding.

// hoStage is where an N2 handover is.
type hoStage uint8

const (
	hoPreparing  hoStage = iota // the SMF prepares the sessions
	hoRequested                 // Handover Request sent to the target
	hoCommanding                // the SMF answers the target's admission
	hoCommanded                 // Handover Command sent to the source
)

// DefaultTNGRELOCprep is the default of Config.TNGRELOCprep.
const DefaultTNGRELOCprep = 5 * time.Second

// n2Handover is one N2 handover of a UE.
type n2Handover struct {
	source    *ueConn
	targetRAN *ran
	// target is the UE's connection on the target gNB, bound once the
	// Handover Request goes; its RAN UE NGAP ID comes with the
	// acknowledge.
	target    *ueConn
	stage     hoStage
	req       ngap.HandoverRequired
	items     []hoItem // the sessions being handed over
	released  []ngap.HandoverSession
	stopTimer func() bool
	// cancelled is set when the handover ended while the SMF prepared
	// it: the sessions are cancelled at the SMF once its answers come.
	cancelled bool
}

// hoItem is one PDU session of a handover and the SMF's last answer.
type hoItem struct {
	psi      uint8
	ref      string
	transfer []byte
	failed   bool // not admitted by the target
	answer   sbi.SmContextUpdatedData
	err      error
}

// handleHandoverRequired starts an N2 handover (TS 38.413 §8.4.1).
func (a *AMF) handleHandoverRequired(ctx context.Context, r *ran, msg *message.HandoverRequired) {
	u, c := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	h, err := ngap.DecodeHandoverRequired(msg)
	if err != nil {
		r.logger().Info("amf: Handover Required refused", "cause", "abstract-syntax", "err", err)
		a.abstractSyntax(ctx, r, msg)
		return
	}
	u.do(func() { a.handoverRequired(u, c, h) })
}

// handoverPreparationFailure answers the source (§8.4.1.3).
func (a *AMF) handoverPreparationFailure(u *ueContext, source *ueConn, result string, cause *ie.Cause) {
	a.metrics.handovers.WithLabelValues(result).Inc()
	u.log.Info("amf: N2 handover not prepared", "cause", result, "answer", ngap.CauseString(cause))
	a.sendUE(source, ngap.HandoverPreparationFailure(source.amfID, source.ranID, cause))
}

// handoverRequired checks a Handover Required on u's executor and has
// the SMF prepare each session (TS 23.502 §4.9.1.3.2 steps 1-4).
func (a *AMF) handoverRequired(u *ueContext, c *ueConn, h ngap.HandoverRequired) {
	hoFailure := ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHoFailureInTarget5GCNgranNodeOrTargetSystem)
	hc, ok := u.m.Handover()
	if u.conn.Load() != c || !ok || u.switching || u.handover != nil {
		a.handoverPreparationFailure(u, c, "not-connected", hoFailure)
		return
	}
	if h.Type != ngap.HandoverTypeIntra5GS {
		a.handoverPreparationFailure(u, c, "type-not-supported", ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHoTargetNotAllowed))
		return
	}
	a.mu.Lock()
	target := a.mu.byID[h.Target]
	a.mu.Unlock()
	switch {
	case target == nil || target.down.Load() || !target.isSetUp():
		// §9.3.1.2: the target is not one the AMF knows.
		a.handoverPreparationFailure(u, c, "unknown-target", ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentUnknownTargetID))
		return
	case !target.serves(h.TargetTAI):
		a.handoverPreparationFailure(u, c, "ta-not-served", ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHoTargetNotAllowed))
		return
	}
	ho := &n2Handover{source: c, targetRAN: target, req: h}
	for _, s := range h.Sessions {
		if ref, mine := hc.Sessions[s.PDUSessionID]; mine {
			ho.items = append(ho.items, hoItem{psi: s.PDUSessionID, ref: ref, transfer: s.Transfer})
		}
	}
	if len(ho.items) == 0 {
		a.handoverPreparationFailure(u, c, "no-session", hoFailure)
		return
	}
	items := ho.items
	if !a.smfInOrder(u, func(ctx context.Context) {
		a.smfHandover(ctx, items, func(it hoItem) sbi.SmContextUpdateData {
			return sbi.SmContextUpdateData{HoState: sbi.HOPreparing, N2SmInfoType: sbi.N2HandoverRequired, N2SmInfo: sbi.N2SM(it.transfer)}
		})
		u.do(func() { a.handoverPrepared(u, ho, items) })
	}) {
		return
	}
	u.handover = ho
	a.metrics.handovers.WithLabelValues("required").Inc()
	d := a.cfg.TNGRELOCprep
	if d == 0 {
		d = DefaultTNGRELOCprep
	}
	ho.stopTimer = a.afterFunc(d, func() { u.do(func() { a.handoverTimedOut(u, ho) }) })
}

// smfHandover calls Nsmf_PDUSession_UpdateSMContext for each item from
// a goroutine of smfInOrder, never from the UE's executor.
func (a *AMF) smfHandover(ctx context.Context, items []hoItem, upd func(hoItem) sbi.SmContextUpdateData) {
	for i := range items {
		it := &items[i]
		if a.services.SMF == nil {
			it.err = errNoSMF
			continue
		}
		it.answer, it.err = a.services.SMF.UpdateSMContext(ctx, it.ref, upd(*it))
	}
}

// cancelAtSMF tells the SMF the sessions' handover is cancelled (TS
// 23.502 §4.9.1.3.4 step 2, hoState CANCELLED), from a goroutine of
// smfInOrder. It runs on u's executor.
func (a *AMF) cancelAtSMF(u *ueContext, items []hoItem) {
	items = append([]hoItem(nil), items...)
	if len(items) == 0 {
		return
	}
	a.smfInOrder(u, func(ctx context.Context) {
		a.smfHandover(ctx, items, func(hoItem) sbi.SmContextUpdateData {
			return sbi.SmContextUpdateData{HoState: sbi.HOCancelled, Cause: sbi.CauseHOCancel}
		})
	})
}

// handoverPrepared sends the Handover Request once the SMF has answered
// for every session (TS 23.502 §4.9.1.3.2 step 5, TS 38.413 §8.4.2.2):
// the next {NH, NCC} (TS 33.501 §6.9.2.3.4), the UE's security
// capabilities, UE-AMBR, allowed NSSAI, the AMF's GUAMI, the sessions
// the SMF prepared and the source's container, on a new UE-associated
// connection to the target.
func (a *AMF) handoverPrepared(u *ueContext, ho *n2Handover, items []hoItem) {
	if u.handover != ho || ho.cancelled {
		a.cancelAtSMF(u, items)
		return
	}
	hoFailure := ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHoFailureInTarget5GCNgranNodeOrTargetSystem)
	info := u.m.HandoverRequestInfo()
	hc, ok := u.m.Handover()
	var setup []ngap.SessionItem
	prepared := items[:0:0]
	for _, it := range items {
		if it.err != nil || it.answer.N2SmInfoType != sbi.N2SetupRequest {
			u.log.Info("amf: PDU session not prepared for the handover", "pdu_session_id", it.psi, "err", it.err)
			continue
		}
		setup = append(setup, ngap.SessionItem{PDUSessionID: it.psi, SNSSAI: info.Slices[it.psi], Transfer: it.answer.N2SmInfo.Bytes()})
		prepared = append(prepared, it)
	}
	ho.items = prepared
	if len(setup) == 0 || !ok {
		a.endHandover(u, ho, nil)
		a.handoverPreparationFailure(u, ho.source, "not-prepared", hoFailure)
		return
	}
	nh, ncc, ok := u.m.NextHop()
	if !ok {
		a.endHandover(u, ho, nil)
		a.handoverPreparationFailure(u, ho.source, "not-connected", hoFailure)
		return
	}
	ul, dl := info.UEAMBRUplink, info.UEAMBRDownlink
	if ul == 0 || dl == 0 {
		ul, dl = maxBitRate, maxBitRate
	}
	ho.target = &ueConn{ran: ho.targetRAN, ranID: -1}
	a.bindConn(u, ho.target)
	msg, err := ngap.BuildHandoverRequest(ngap.HandoverRequest{
		AMFUE: ho.target.amfID, Type: ho.req.Type, Cause: ho.req.Cause,
		UEAMBRDownlink: dl, UEAMBRUplink: ul,
		Security: hc.Capabilities, NH: nh, NCC: ncc,
		Sessions: setup, AllowedNSSAI: hc.AllowedNSSAI,
		Container: ho.req.Container, GUAMI: a.cfg.GUAMI,
	})
	if err != nil {
		u.log.Error("amf: building Handover Request", "err", err)
		a.endHandover(u, ho, nil)
		a.handoverPreparationFailure(u, ho.source, "not-prepared", hoFailure)
		return
	}
	ho.stage = hoRequested
	a.sendUE(ho.target, msg)
}

// handoverUE finds the UE whose handover target connection amfID names
// on r, for the target's messages (§8.4.2, §8.4.3).
func (a *AMF) handoverUE(ctx context.Context, r *ran, m message.Message) (*ueContext, int64) {
	amfID, hasAMF, ranID, hasRAN := ngap.UEIDs(m)
	if !hasAMF {
		a.abstractSyntax(ctx, r, m)
		return nil, 0
	}
	if !hasRAN {
		ranID = -1
	}
	a.ues.Lock()
	u := a.ues.byAMFID[amfID]
	a.ues.Unlock()
	if u == nil {
		a.unknownUE(ctx, r, amfID, ranID)
		return nil, 0
	}
	return u, amfID
}

// targetOf returns u's handover whose target connection is amfID on r,
// in stage, or nil. Run on u's executor.
func targetOf(u *ueContext, r *ran, amfID int64, stage hoStage) *n2Handover {
	ho := u.handover
	if ho == nil || ho.target == nil || ho.target.amfID != amfID || ho.target.ran != r || ho.stage != stage {
		return nil
	}
	return ho
}

// handleHandoverRequestAcknowledge takes the target's admission (TS
// 38.413 §8.4.2.2) to the SMF (TS 23.502 §4.9.1.3.2 steps 9-11).
func (a *AMF) handleHandoverRequestAcknowledge(ctx context.Context, r *ran, msg *message.HandoverRequestAcknowledge) {
	u, amfID := a.handoverUE(ctx, r, msg)
	if u == nil {
		return
	}
	ack, err := ngap.DecodeHandoverRequestAcknowledge(msg)
	if err != nil {
		r.logger().Info("amf: Handover Request Acknowledge refused", "cause", "abstract-syntax", "err", err)
		a.abstractSyntax(ctx, r, msg)
		return
	}
	u.do(func() {
		ho := targetOf(u, r, amfID, hoRequested)
		if ho == nil {
			a.incompatible(ctx, r, msg)
			return
		}
		ho.target.ranID = ack.RANUE
		ho.stage = hoCommanding
		var items []hoItem
		for _, it := range ho.items {
			for _, s := range ack.Admitted {
				if s.PDUSessionID == it.psi {
					items = append(items, hoItem{psi: it.psi, ref: it.ref, transfer: s.Transfer})
				}
			}
			for _, s := range ack.Failed {
				if s.PDUSessionID == it.psi {
					items = append(items, hoItem{psi: it.psi, ref: it.ref, transfer: s.Transfer, failed: true})
				}
			}
		}
		a.smfInOrder(u, func(ctx context.Context) {
			a.smfHandover(ctx, items, func(it hoItem) sbi.SmContextUpdateData {
				t := sbi.N2HandoverRequestAck
				if it.failed {
					t = sbi.N2HandoverResourceAllocationFailure
				}
				return sbi.SmContextUpdateData{HoState: sbi.HOPrepared, N2SmInfoType: t, N2SmInfo: sbi.N2SM(it.transfer)}
			})
			u.do(func() { a.handoverCommand(u, ho, items, ack.Container) })
		})
	})
}

// handoverCommand answers the source with Handover Command once the SMF
// has answered for every admitted session (TS 23.502 §4.9.1.3.2 step
// 12, TS 38.413 §8.4.1.2); sessions the target did not admit, or the SMF
// did not prepare, are in its release list and gone from the UE's
// context. Without a session left, the preparation fails.
func (a *AMF) handoverCommand(u *ueContext, ho *n2Handover, items []hoItem, container []byte) {
	if u.handover != ho || ho.stage != hoCommanding {
		a.cancelAtSMF(u, items)
		return
	}
	hoFailure := ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHoFailureInTarget5GCNgranNodeOrTargetSystem)
	var handed []ngap.HandoverSession
	kept := items[:0:0]
	for _, it := range items {
		if !it.failed && it.err == nil && it.answer.N2SmInfoType == sbi.N2HandoverCommand {
			handed = append(handed, ngap.HandoverSession{PDUSessionID: it.psi, Transfer: it.answer.N2SmInfo.Bytes()})
			kept = append(kept, it)
			continue
		}
		tr := it.answer.N2SmInfo.Bytes()
		if it.answer.N2SmInfoType != sbi.N2HandoverPreparationFailure {
			u.log.Warn("amf: PDU session not handed over", "pdu_session_id", it.psi, "err", it.err)
			var err error
			if tr, err = ngap.HandoverPreparationUnsuccessfulTransfer(hoFailure); err != nil {
				u.log.Error("amf: building Handover Preparation Unsuccessful Transfer", "err", err)
				return
			}
		}
		if it.answer.Released {
			u.m.SessionGone(it.psi)
		}
		ho.released = append(ho.released, ngap.HandoverSession{PDUSessionID: it.psi, Transfer: tr})
	}
	ho.items = kept
	if len(handed) == 0 {
		a.endHandover(u, ho, ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHoFailureInTarget5GCNgranNodeOrTargetSystem))
		a.handoverPreparationFailure(u, ho.source, "not-admitted", hoFailure)
		return
	}
	msg, err := ngap.BuildHandoverCommand(ngap.HandoverCommand{
		AMFUE: ho.source.amfID, RANUE: ho.source.ranID, Type: ho.req.Type,
		Sessions: handed, Released: ho.released, Container: container,
	})
	if err != nil {
		u.log.Error("amf: building Handover Command", "err", err)
		a.endHandover(u, ho, hoFailure)
		a.handoverPreparationFailure(u, ho.source, "not-prepared", hoFailure)
		return
	}
	if ho.stopTimer != nil {
		ho.stopTimer()
	}
	ho.stage = hoCommanded
	a.metrics.handovers.WithLabelValues("commanded").Inc()
	a.sendUE(ho.source, msg)
}

// handleHandoverFailure: the target could not admit the UE (TS 38.413
// §8.4.2.3); the source gets Handover Preparation Failure with the
// target's cause (TS 23.502 §4.9.1.3.2) and the SMF CANCELLED.
func (a *AMF) handleHandoverFailure(ctx context.Context, r *ran, msg *message.HandoverFailure) {
	u, amfID := a.handoverUE(ctx, r, msg)
	if u == nil {
		return
	}
	_, cause, err := ngap.DecodeHandoverFailure(msg)
	if err != nil {
		a.abstractSyntax(ctx, r, msg)
		return
	}
	u.do(func() {
		ho := targetOf(u, r, amfID, hoRequested)
		if ho == nil {
			return
		}
		// The target keeps no context of the UE: no release to send.
		a.endHandover(u, ho, nil)
		a.handoverPreparationFailure(u, ho.source, "target-failure", cause)
	})
}

// handoverTimedOut: TNGRELOCprep expired before Handover Command (TS
// 38.413 §8.4.1.2): the target side is released and the source told.
func (a *AMF) handoverTimedOut(u *ueContext, ho *n2Handover) {
	if u.handover != ho || ho.stage == hoCommanded {
		return
	}
	a.endHandover(u, ho, ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentTngrelocprepExpiry))
	a.handoverPreparationFailure(u, ho.source, "timeout", ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentTngrelocprepExpiry))
}

// endHandover ends u's handover without completing it: the timer stops,
// the sessions are cancelled at the SMF (or once its answers come, if
// it is preparing them), and the target connection, when bound, is
// released with a UE Context Release Command of cause (retire) or, with
// a nil cause, just forgotten. Run on u's executor.
func (a *AMF) endHandover(u *ueContext, ho *n2Handover, cause *ie.Cause) {
	if ho.stopTimer != nil {
		ho.stopTimer()
	}
	if u.handover == ho {
		u.handover = nil
	}
	switch ho.stage {
	case hoPreparing, hoCommanding:
		// The SMF's answers are on their way: handoverPrepared and
		// handoverCommand cancel what they answered for.
		ho.cancelled = true
	default:
		a.cancelAtSMF(u, ho.items)
	}
	if t := ho.target; t != nil {
		// A target that has not answered is named by the AMF UE NGAP
		// ID alone (ranID -1, TS 38.413 §9.3.3.19 UE NGAP IDs).
		if cause != nil {
			a.retire(t, cause)
		} else {
			a.unbindConn(t)
		}
	}
}

// handleHandoverCancel: the source cancels (TS 38.413 §8.4.5, TS 23.502
// §4.9.1.3.4) at any stage before Handover Notify; the target side is
// released (handover-cancelled) and the SMF told CANCELLED. The answer
// is Handover Cancel Acknowledge, also when no handover runs.
func (a *AMF) handleHandoverCancel(ctx context.Context, r *ran, msg *message.HandoverCancel) {
	u, c := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	a.metrics.reports.WithLabelValues("HandoverCancel").Inc()
	u.do(func() {
		if ho := u.handover; ho != nil && ho.source == c {
			a.metrics.handovers.WithLabelValues("cancelled").Inc()
			u.log.Info("amf: N2 handover cancelled by the source gNB")
			a.endHandover(u, ho, ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHandoverCancelled))
		}
		a.sendUE(c, ngap.HandoverCancelAcknowledge(c.amfID, c.ranID))
	})
}

// handleUplinkRANStatusTransfer relays the source's PDCP status to the
// target as Downlink RAN Status Transfer (TS 38.413 §8.4.6, §8.4.7);
// without a handover in execution it is ignored (§8.4.6.2).
func (a *AMF) handleUplinkRANStatusTransfer(ctx context.Context, r *ran, msg *message.UplinkRANStatusTransfer) {
	u, c := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	st, err := ngap.DecodeRANStatusTransfer(msg.RANStatusTransferTransparentContainer)
	if err != nil {
		a.abstractSyntax(ctx, r, msg)
		return
	}
	u.do(func() {
		ho := u.handover
		if ho == nil || ho.source != c || ho.stage != hoCommanded {
			return
		}
		dl, err := ngap.DownlinkRANStatusTransfer(ho.target.amfID, ho.target.ranID, st)
		if err != nil {
			u.log.Error("amf: building Downlink RAN Status Transfer", "err", err)
			return
		}
		a.sendUE(ho.target, dl)
	})
}

// handleHandoverNotify: the UE arrived at the target (TS 38.413 §8.4.3,
// TS 23.502 §4.9.1.3.3): its N2 connection moves to the target, the SMF
// switches each session's path (COMPLETED), and the source's connection
// is released with cause successful-handover.
func (a *AMF) handleHandoverNotify(ctx context.Context, r *ran, msg *message.HandoverNotify) {
	u, amfID := a.handoverUE(ctx, r, msg)
	if u == nil {
		return
	}
	loc, err := ngap.DecodeHandoverNotify(msg)
	if err != nil {
		a.abstractSyntax(ctx, r, msg)
		return
	}
	u.do(func() {
		ho := targetOf(u, r, amfID, hoCommanded)
		if ho == nil || u.conn.Load() != ho.source {
			a.incompatible(ctx, r, msg)
			return
		}
		u.handover = nil
		ho.target.loc = loc
		u.conn.Store(ho.target)
		u.loc, u.locAt = loc, wallAt(a.now())
		a.metrics.handovers.WithLabelValues("completed").Inc()
		released := ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentSuccessfulHandover)
		items := ho.items
		// The source is released once the SMF has switched the paths
		// (TS 23.502 §4.9.1.3.3: the UE Context Release Command follows
		// the Nsmf_PDUSession_UpdateSMContext exchanges), so that it
		// still holds the UE's tunnels when the UPF's End Markers, sent
		// as each path switches, reach it.
		if !a.smfInOrder(u, func(ctx context.Context) {
			// TS 29.502 §5.2.2.3.4.3: the UE's location at the target
			// goes with COMPLETED.
			at := userLocation(loc)
			a.smfHandover(ctx, items, func(hoItem) sbi.SmContextUpdateData {
				return sbi.SmContextUpdateData{HoState: sbi.HOCompleted, UeLocation: at}
			})
			release := func() { a.retire(ho.source, released) }
			if !u.doOr(func() {
				for _, it := range items {
					if it.err != nil {
						u.log.Warn("amf: Nsmf_PDUSession_UpdateSMContext COMPLETED failed", "pdu_session_id", it.psi, "err", it.err)
					}
				}
				release()
			}, release) {
				release()
			}
		}) {
			a.retire(ho.source, released)
		}
	})
}
