package amf

import (
	"context"
	"slices"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
)

// handleNGSetup runs NG Setup (TS 38.413 §8.7.1) on the AMF side.
func (a *AMF) handleNGSetup(ctx context.Context, r *ran, req *message.NGSetupRequest) {
	id, err := ngap.DecodeRANNodeID(req.GlobalRANNodeID)
	if err != nil {
		a.setupFailed(ctx, r, "bad-ran-node-id", ngap.ProtocolCause(ie.CauseProtocolPresentSemanticError))
		return
	}
	tas, err := ngap.DecodeSupportedTAs(req.SupportedTAList)
	if err != nil {
		a.setupFailed(ctx, r, "bad-supported-ta-list", ngap.ProtocolCause(ie.CauseProtocolPresentSemanticError))
		return
	}
	if id.PLMN != a.cfg.PLMN && !broadcasts(tas, a.cfg.PLMN) {
		a.setupFailed(ctx, r, "unknown-plmn", ngap.MiscCause(ie.CauseMiscPresentUnknownPLMNOrSNPN))
		return
	}
	if reason, cause := a.commonGround(tas); cause != nil {
		a.setupFailed(ctx, r, reason, cause)
		return
	}

	name := ""
	if req.RANNodeName != nil {
		name = string(req.RANNodeName.Value)
	}
	// The same Global RAN Node ID on a second association while the first
	// is up: a gNB that restarted before its old association timed out
	// (RFC 9260 §8.3 can take a minute), or two nodes claiming one
	// identity. The old association yields to a restarted gNB (probe.go:
	// same address, or silent); a live one keeps the ID.
	var old *ran
	for {
		a.mu.Lock()
		other, taken := a.mu.byID[id]
		if !taken || other == r || other == old {
			break
		}
		a.mu.Unlock()
		why, yields := a.yields(ctx, r, other)
		if !yields {
			r.logger().Warn("amf: NG Setup from a gNB ID another live association holds", "gnb_id", id.String(), "other_addr", other.conn.RemoteAddr().String())
			a.setupFailedWait(ctx, r, "duplicate-ran-node-id", ngap.MiscCause(ie.CauseMiscPresentUnspecified), int(ie.TimeToWaitPresentV5s))
			return
		}
		r.logger().Warn("amf: NG Setup from a gNB ID another association holds: that association is aborted", "gnb_id", id.String(),
			"other_addr", other.conn.RemoteAddr().String(), "because", why)
		old = other
	}
	r.mu.Lock()
	wasReady := r.mu.state == ranReady
	if wasReady && r.mu.id != id {
		delete(a.mu.byID, r.mu.id)
	}
	// §8.7.1.2: a repeated NG Setup on an association replaces the
	// configuration data it held.
	r.mu.state, r.mu.id, r.mu.name, r.mu.tas, r.mu.setupAt = ranReady, id, name, tas, a.now()
	r.mu.log = r.mu.log.With("gnb_id", id.String())
	r.mu.Unlock()
	a.mu.byID[id] = r
	a.mu.Unlock()
	if !wasReady {
		a.metrics.gnbs.Inc()
	}
	if old != nil {
		// TS 38.413 §8.7.1.2: the new NG Setup's data replaces the old;
		// the old association ends, and its reader releases its UEs'
		// connections (releaseRAN) and forgets it.
		a.metrics.setups.WithLabelValues("superseded").Inc()
		old.conn.Abort()
	}

	resp, err := ngap.NGSetupResponse(ngap.AMFInfo{
		Name: a.cfg.Name, GUAMIs: []ident.GUAMI{a.cfg.GUAMI}, BackupAMFNames: a.backupNames(), Capacity: a.cfg.Capacity,
		PLMNs: []ident.PLMN{a.cfg.PLMN}, Slices: a.cfg.Slices,
	})
	if err != nil {
		r.logger().Error("amf: cannot build NG Setup Response", "err", err)
		return
	}
	a.metrics.setups.WithLabelValues("accepted").Inc()
	r.logger().Info("amf: NG Setup accepted", "gnb_name", name, "tas", len(tas))
	a.reply(ctx, r, resp)
}

// commonGround checks that a gNB serves at least one of the AMF's
// tracking areas in its PLMN, and at least one of the AMF's slices there
// (NG Setup, TS 38.413 §8.7.1; RAN Configuration Update, §8.7.2). It returns the refusal's metric reason
// and cause, or a nil cause.
func (a *AMF) commonGround(tas []ngap.TA) (string, *ie.Cause) {
	commonTA, commonSlice := false, false
	for _, ta := range tas {
		if !slices.Contains(a.cfg.TACs, ta.TAC) || !slices.Contains(ta.PLMNs, a.cfg.PLMN) {
			continue
		}
		commonTA = true
		for _, s := range ta.Slices {
			// TS 23.003 §28.4.2: SD ffffff is no SD.
			commonSlice = commonSlice || slices.ContainsFunc(a.cfg.Slices, s.Same)
		}
	}
	switch {
	case !commonTA:
		// No TS 38.413 cause names a tracking area mismatch; the TAIs
		// are identified by PLMN, so "unknown PLMN" is what gNBs expect.
		return "no-common-ta", ngap.MiscCause(ie.CauseMiscPresentUnknownPLMNOrSNPN)
	case !commonSlice:
		return "no-common-slice", ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentSliceNotSupported)
	}
	return "", nil
}

func broadcasts(tas []ngap.TA, p ident.PLMN) bool {
	for _, ta := range tas {
		if slices.Contains(ta.PLMNs, p) {
			return true
		}
	}
	return false
}

func (a *AMF) setupFailed(ctx context.Context, r *ran, reason string, cause *ie.Cause) {
	a.setupFailedWait(ctx, r, reason, cause, -1)
}

func (a *AMF) setupFailedWait(ctx context.Context, r *ran, reason string, cause *ie.Cause, wait int) {
	a.metrics.setups.WithLabelValues(reason).Inc()
	r.logger().Info("amf: NG Setup refused", "reason", reason, "cause", ngap.CauseString(cause))
	a.reply(ctx, r, ngap.NGSetupFailure(cause, wait, nil))
}

// backupNames is the Backup AMF Name of the AMF's GUAMI for NG Setup
// Response (TS 38.413 §8.7.1.2, §9.2.6.2), nil without one.
func (a *AMF) backupNames() map[ident.GUAMI]string {
	if a.cfg.BackupName == "" {
		return nil
	}
	return map[ident.GUAMI]string{a.cfg.GUAMI: a.cfg.BackupName}
}
