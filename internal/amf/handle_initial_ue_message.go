package amf

import (
	"context"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/ngap"
)

// handleInitialUEMessage opens a UE-associated logical NG connection (TS
// 38.413 §8.6.1) and hands the NAS message to the UE's 5GMM machine: a
// known UE when the 5G-S-TMSI or the 5G-GUTI in the message names one,
// else a new one.
func (a *AMF) handleInitialUEMessage(ctx context.Context, r *ran, msg *message.InitialUEMessage) {
	in, err := ngap.DecodeInitialUEMessage(msg)
	if err != nil {
		r.logger().Warn("amf: Initial UE Message", "err", err)
		a.metrics.protocolErrors.WithLabelValues("abstract-syntax").Inc()
		ranUE := int64(-1)
		if msg.RANUENGAPID != nil {
			ranUE = msg.RANUENGAPID.Value
		}
		a.reply(ctx, r, ngap.ErrorIndication(ngap.ProtocolCause(ie.CauseProtocolPresentAbstractSyntaxErrorFalselyConstructedMessage), nil, -1, ranUE))
		return
	}
	if a.ueCount.Load() >= int64(a.maxUEs) {
		// Overload: refuse new UEs with a release rather than queueing.
		a.metrics.overload.Inc()
		a.reply(ctx, r, ngap.ErrorIndication(ngap.MiscCause(ie.CauseMiscPresentControlProcessingOverload), nil, -1, in.RANUE))
		return
	}
	nasPDU := append([]byte(nil), in.NASPDU...)
	u, deregistered := a.lookupInitial(in.TMSI, nasPDU)
	c := &ueConn{ran: r, ranID: in.RANUE, loc: in.Location}
	var restore *ident.GUTI
	if u == nil {
		u = a.newUE(r)
		if deregistered {
			u.m.FormerlyRegistered()
		} else if restore = a.restorable(in.TMSI, nasPDU); restore != nil {
			a.claim(u, *restore)
		}
	}
	a.bindConn(u, c)
	now := a.now()
	u.doOr(func() {
		if restore != nil && !a.restore(u, *restore) {
			// Another instance of the set served the UE, and the store
			// did not say what it holds (restore.go): the UE tries again.
			a.dropUE(u, nil)
			a.retire(c, ngap.MiscCause(ie.CauseMiscPresentUnspecified))
			return
		}
		// A UE on a new connection: the old one, if any, is gone.
		u.lastEvent = wallAt(now)
		if old := u.conn.Swap(c); old != nil && old != c {
			a.retire(old, ngap.NASCause(3))
			if u.m.State() == gmm.Registered && !a.stopping.Load() {
				// The old connection's user plane goes with it (TS
				// 23.502 §4.2.6): the sessions are DEACTIVATED at the
				// SMF before the new message (a Service Request whose
				// UE's release crossed it) activates them again.
				u.m.Released(ctx)
			}
		}
		if r.down.Load() {
			// The association went down while this event waited, and
			// releaseRAN, which looks only at the UEs' current
			// connections, did not see c.
			a.connectionGone(ctx, u, c)
			return
		}
		u.started = now
		u.loc, u.rrcState = c.loc, rrcNone
		if c.loc.TAI.PLMN.MCC != "" {
			u.m.Locate(c.loc.TAI)
		}
		u.m.Connect()
		u.m.HandleNAS(ctx, nasPDU)
	}, func() {
		// The UE failed (ueContext.fail) after c was bound: c was not
		// its connection then, so it is released here.
		a.retire(c, ngap.MiscCause(ie.CauseMiscPresentUnspecified))
	})
}

// lookupInitial finds the UE an initial message names by 5G-S-TMSI (from
// NGAP) or by the 5G-GUTI of a REGISTRATION REQUEST from this AMF. When
// it finds none, deregistered says whether the 5G-TMSI was a UE's this
// AMF implicitly deregistered.
func (a *AMF) lookupInitial(tmsi *ngap.FiveGSTMSI, pdu []byte) (u *ueContext, deregistered bool) {
	var t stmsi
	switch {
	case tmsi != nil:
		t = stmsiOf(tmsi.Pointer, tmsi.TMSI)
	default:
		g := initialGUTI(pdu)
		if g == nil || g.PLMN != a.cfg.GUAMI.PLMN || g.RegionID != a.cfg.GUAMI.RegionID || g.SetID != a.cfg.GUAMI.SetID {
			return nil, false
		}
		t = stmsiOf(g.Pointer, g.TMSI)
	}
	a.ues.Lock()
	defer a.ues.Unlock()
	if u := a.ues.byTMSI[t]; u != nil {
		return u, false
	}
	_, deregistered = a.ues.deregistered[t]
	return nil, deregistered
}

// initialGUTI returns the 5G-GUTI of a REGISTRATION REQUEST, which is
// readable even when integrity protected (TS 24.501 §4.4.6).
func initialGUTI(pdu []byte) *ident.GUTI {
	h, body, err := nas.Split(pdu)
	if err != nil || h.Type == nas.IntegrityCiphered || h.Type == nas.IntegrityCipheredNewCtxt {
		return nil
	}
	m, err := nas.Decode(body)
	if err != nil || m.RegistrationRequest == nil {
		return nil
	}
	id, err := nas.ParseIdentity(m.RegistrationRequest.MobileIdentity5GS.GetMobileIdentity5GSContents())
	if err != nil {
		return nil
	}
	return id.GUTI
}

// newUE creates the context of a UE the AMF does not know yet.
func (a *AMF) newUE(r *ran) *ueContext {
	u := &ueContext{a: a, log: r.logger()}
	u.exec.runs = &a.runs
	u.m = gmm.New(a.gmmCfg, a.services, ueShell{u}, u.log)
	a.ueCount.Add(1)
	a.metrics.ues.Inc()
	u.registering = true
	if a.registering.Add(1) > a.maxRegistering && a.overloaded.CompareAndSwap(false, true) {
		a.metrics.overloads.Inc()
		a.log.Warn("amf: overload: too many UEs registering at once; Overload Start to the gNBs", "registering", a.registering.Load())
		a.toAllGNBs(ngap.OverloadStart())
	}
	u.shown = true // not in AMF.ues.bySUPI yet: no lock needed
	return u
}

// bindConn gives c a fresh AMF UE NGAP ID and routes it to u.
func (a *AMF) bindConn(u *ueContext, c *ueConn) {
	a.ues.Lock()
	defer a.ues.Unlock()
	for {
		a.ues.nextID = (a.ues.nextID + 1) % (1 << 40) // TS 38.413 §9.3.3.1: 0..2^40-1
		_, taken := a.ues.byAMFID[a.ues.nextID]
		if _, retired := a.ues.retired[a.ues.nextID]; !taken && !retired {
			break
		}
	}
	c.amfID = a.ues.nextID
	a.ues.byAMFID[c.amfID] = u
	r := c.ran
	r.ues.Add(1)
}

// unbindConn forgets a connection's AMF UE NGAP ID.
func (a *AMF) unbindConn(c *ueConn) {
	a.ues.Lock()
	if _, ok := a.ues.byAMFID[c.amfID]; ok {
		delete(a.ues.byAMFID, c.amfID)
		c.ran.ues.Add(-1)
	}
	a.ues.Unlock()
}

// ueByID finds the UE of a UE-associated message and checks that the
// message came over the UE's connection with the right RAN UE NGAP ID.
func (a *AMF) ueByID(r *ran, amfID, ranID int64) (*ueContext, *ueConn) {
	a.ues.Lock()
	u := a.ues.byAMFID[amfID]
	a.ues.Unlock()
	if u == nil {
		return nil, nil
	}
	c := u.conn.Load()
	if c == nil || c.amfID != amfID || c.ran != r || (ranID >= 0 && c.ranID != ranID) {
		return nil, nil
	}
	return u, c
}
