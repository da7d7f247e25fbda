package amf

import (
	"context"
	"errors"
	"fmt"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/amf/uerecord"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/logattrs"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/store"
)

// Restoring UE contexts (TS 23.501 §5.21.2.2, §5.21.2.3; TS 23.502
// §4.2.3.2, §4.2.2.2.2): an Initial UE Message whose 5G-S-TMSI, or whose
// REGISTRATION REQUEST's 5G-GUTI, names a UE of this AMF set that this
// instance does not know — another instance gave the 5G-GUTI and has
// stopped or died, or this one restarted — makes the AMF read the UE's
// context from the store the set shares (saver.go) before the UE's
// machine sees the message. The machine then goes on as the other
// instance would have (gmm.Restore): the NAS message is checked with
// the restored keys, a Service Request is accepted and its sessions
// reactivated at the SMF (after the SMF is told their user plane is
// down: gmm.Machine.DeactivateUserPlanes), a registration update
// accepted, each without
// authentication; the UE is given a 5G-GUTI of this instance, and this
// instance's next save, conditional on the revision it read, makes the
// record its own.
//
// The read runs on the UE's executor, before its first event: the UE's
// message waits for it (at most storeTimeout), no other UE does. A UE
// the store does not hold is served as unknown: a Service Request is
// rejected with #9, a registration identifies the UE (TS 24.501
// §5.6.1.5, §5.5.1.2.2). A store that fails is no word on the UE: its
// connection is released without an answer and the UE tries again.

// restorable returns the 5G-GUTI an initial message names when it is of
// this AMF set and the AMF shares a store with the set; nil otherwise.
func (a *AMF) restorable(tmsi *ngap.FiveGSTMSI, pdu []byte) *ident.GUTI {
	if a.records == nil {
		return nil
	}
	own := a.cfg.GUAMI
	if tmsi != nil {
		if tmsi.SetID != own.SetID {
			return nil
		}
		g := ident.GUTI{GUAMI: own, TMSI: tmsi.TMSI}
		g.Pointer = tmsi.Pointer
		return &g
	}
	g := initialGUTI(pdu)
	if g == nil || g.PLMN != own.PLMN || g.RegionID != own.RegionID || g.SetID != own.SetID {
		return nil
	}
	return g
}

// claim makes the 5G-GUTI g name u while its context is read, so that
// the UE's next message finds u; a UE holding it meanwhile keeps it.
func (a *AMF) claim(u *ueContext, g ident.GUTI) {
	k := stmsiOf(g.Pointer, g.TMSI)
	a.ues.Lock()
	defer a.ues.Unlock()
	if _, taken := a.ues.byTMSI[k]; !taken {
		a.ues.byTMSI[k] = u
		u.tmsi = k
	}
}

// unclaim undoes claim: the store does not hold the UE.
func (a *AMF) unclaim(u *ueContext) {
	a.ues.Lock()
	defer a.ues.Unlock()
	if u.tmsi != 0 && a.ues.byTMSI[u.tmsi] == u {
		delete(a.ues.byTMSI, u.tmsi)
	}
	u.tmsi = 0
}

// restore reads the context of the UE with 5G-GUTI g into u, a context
// that has seen no event yet, and reports false when the store failed
// (or did not answer within storeTimeout): the caller then releases the
// UE's connection without an answer, so that the UE tries again (its
// procedure ends on the lower layer failure, TS 24.501 §5.6.1.7 a,
// §5.5.1.3.7 a) rather than being refused as unknown and made to
// register again for a fault of the store. A UE the store does not hold
// is served as unknown. Run on u's executor.
func (a *AMF) restore(u *ueContext, g ident.GUTI) bool {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	rec, rev, err := a.load(ctx, g)
	switch {
	case errors.Is(err, store.ErrNotFound):
		a.metrics.restores.WithLabelValues("not-found").Inc()
		a.unclaim(u)
		return true
	case err != nil:
		a.metrics.restores.WithLabelValues("error").Inc()
		u.log.Warn("amf: reading a UE context of the AMF set failed: the UE's connection is released for it to try again", "err", err, "guti", g.String(), "cause", "store")
		a.unclaim(u)
		return false
	}
	u.log = logattrs.From(u.log, supiAttr(rec.SUPI))
	// The UE named itself by g, its 5G-GUTI or the former one a
	// REGISTRATION ACCEPT or CONFIGURATION UPDATE COMMAND it may not have
	// received was replacing: the machine names it by g. The record,
	// as saved, is what the next save replaces (both indexes go then).
	held := rec
	held.GUTI, held.Former = g, nil
	u.m = gmm.Restore(a.gmmCfg, a.services, ueShell{u}, u.log, held)
	u.m.DeactivateUserPlanes()
	u.supi = rec.SUPI
	u.saved = &saveState{last: rec, has: true}
	u.saver.mu.Lock()
	u.saver.rev = rev
	u.saver.mu.Unlock()
	a.bindSUPI(u, rec.SUPI)
	// Registered already: the UE does not count among those registering.
	a.registered(u)
	a.metrics.restores.WithLabelValues("restored").Inc()
	u.log.Info("amf: UE context restored from the AMF set's store", "guti", g.String(), "sessions", len(rec.Sessions))
	return true
}

// load reads the context of the UE with 5G-GUTI g and its revision:
// the index names the SUPI, whose record must still hold g as its
// 5G-GUTI or its former one (an index left by an older 5G-GUTI is not
// the UE's).
func (a *AMF) load(ctx context.Context, g ident.GUTI) (uerecord.UE, int64, error) {
	idx, err := a.records.GetRecord(ctx, uerecord.Kind, uerecord.GUTIKey(g))
	if err != nil {
		return uerecord.UE{}, 0, err
	}
	r, err := a.records.GetRecord(ctx, uerecord.Kind, uerecord.SUPIKey(string(idx.Value)))
	if err != nil {
		return uerecord.UE{}, 0, err
	}
	rec, err := uerecord.Unmarshal(r.Value)
	if err != nil {
		return uerecord.UE{}, 0, fmt.Errorf("amf: UE context of %s: %w", g, err)
	}
	if !indexed(rec, g) {
		return uerecord.UE{}, 0, fmt.Errorf("amf: the UE of %s has another 5G-GUTI now: %w", g, store.ErrNotFound)
	}
	return rec, r.Revision, nil
}

// takenOver reports whether another instance of the set has written the
// UE's context since this one last did (or deleted it): asked before an
// implicit deregistration, whose release of the UE's sessions and UDM
// registration must not undo the other instance's (TS 23.501 §5.21.2.3).
// A store that does not answer is taken as no: the UE is deregistered
// as without a store. Run on the UE's executor.
func (a *AMF) takenOver(u *ueContext) bool {
	if a.records == nil || !u.hasSaved() {
		return false
	}
	u.saver.mu.Lock()
	rev, busy := u.saver.rev, u.saver.running
	u.saver.mu.Unlock()
	if busy || rev == 0 {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	r, err := a.records.GetRecord(ctx, uerecord.Kind, uerecord.SUPIKey(u.saved.last.SUPI))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return true
	case err != nil:
		return false
	}
	return r.Revision != rev
}

// takeOver makes this instance serve the idle UE supi whose context an
// instance of the set saved that is no longer in service (Options.Alive:
// the NRF no longer lists it), for an N1N2MessageTransfer that found no
// context here: the SMF reselects an AMF of the set when the UE's AMF
// fails (TS 23.501 §5.21.2.3, TS 23.502 §4.2.3.3, TS 29.518
// §5.2.2.3.1). The context is restored idle, its mobile reachable timer
// running, and the transfer then pages the UE with its 5G-S-TMSI, which
// still names the old instance: the gNBs send its Service Request here.
// nil when there is nothing to take over: no store or liveness check,
// no context, or its instance still in service (a UE two instances
// serve at once would be worse than one transfer refused). Runs on the
// caller's goroutine; the store calls are bounded by storeTimeout.
func (a *AMF) takeOver(ctx context.Context, supi string) *ueContext {
	if a.records == nil || a.alive == nil || a.stopping.Load() {
		return nil
	}
	sctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	r, err := a.records.GetRecord(sctx, uerecord.Kind, uerecord.SUPIKey(supi))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			a.metrics.restores.WithLabelValues("error").Inc()
			a.log.Warn("amf: reading a UE context of the AMF set failed", "supi", supi, "err", err, "cause", "store")
		}
		return nil
	}
	rec, err := uerecord.Unmarshal(r.Value)
	if err != nil {
		a.metrics.restores.WithLabelValues("error").Inc()
		a.log.Warn("amf: a UE context of the AMF set does not decode", "supi", supi, "err", err, "cause", "store")
		return nil
	}
	own := a.cfg.GUAMI
	if g := rec.GUTI.GUAMI; g.PLMN != own.PLMN || g.RegionID != own.RegionID || g.SetID != own.SetID || rec.Owner == a.cfg.InstanceID {
		return nil
	}
	if rec.Owner != "" {
		alive, err := a.alive(sctx, rec.Owner)
		if err != nil || alive {
			return nil
		}
	}
	u := &ueContext{a: a, log: logattrs.From(a.log, supiAttr(supi))}
	u.exec.runs = &a.runs
	u.m = gmm.Restore(a.gmmCfg, a.services, ueShell{u}, u.log, rec)
	u.supi = supi
	u.saved = &saveState{last: rec, has: true}
	u.saver.rev = r.Revision
	k := stmsiOf(rec.GUTI.Pointer, rec.GUTI.TMSI)
	a.ues.Lock()
	if other := a.ues.bySUPI[supi]; other != nil {
		// Another call took the UE over meanwhile.
		a.ues.Unlock()
		return other
	}
	if _, taken := a.ues.byTMSI[k]; taken {
		a.ues.Unlock()
		return nil
	}
	a.ues.bySUPI[supi] = u
	a.ues.byTMSI[k] = u
	u.tmsi = k
	a.ues.Unlock()
	a.ueCount.Add(1)
	a.metrics.ues.Inc()
	u.do(func() {
		u.m.DeactivateUserPlanes()
		u.m.Idle(context.Background())
	})
	a.metrics.restores.WithLabelValues("restored").Inc()
	u.log.Info("amf: UE context taken over from an AMF instance of the set no longer in service", "guti", rec.GUTI.String(), "owner", rec.Owner)
	return u
}
