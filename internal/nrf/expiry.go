package nrf

import (
	"time"

	"github.com/keelcore/keel/internal/nrf/nnrf"
)

// Expire applies the heartbeat rule of TS 29.510 §5.2.2.3.2 at the
// clock's now: an NF from which nothing came for heartbeatGrace of its
// heartBeatTimer periods is marked SUSPENDED, which takes it out of
// discovery, and subscribers hear NF_PROFILE_CHANGED; one SUSPENDED for
// Options.PurgeAfter is forgotten (NF_DEREGISTERED). Expired
// subscriptions are dropped. Start calls it every second.
func (n *NRF) Expire() {
	now := n.now()
	n.state.Lock()
	defer n.state.Unlock()
	for id, e := range n.state.nfs {
		period := time.Duration(e.profile.HeartBeatTimer) * time.Second
		switch {
		case e.profile.NFStatus != nnrf.Suspended && now.Sub(e.lastSeen) > heartbeatGrace*period:
			e.profile.NFStatus = nnrf.Suspended
			e.doc["nfStatus"] = string(nnrf.Suspended)
			e.suspendedAt = now
			n.log.Info("nrf: NF suspended: no heartbeat", "nf_instance_id", id, "nf_type", e.profile.NFType, "last_seen", e.lastSeen)
			n.notifyLocked(nnrf.EventProfileChanged, &e.profile, e.doc)
		case e.profile.NFStatus == nnrf.Suspended && !e.suspendedAt.IsZero() && now.Sub(e.suspendedAt) > n.opts.PurgeAfter:
			delete(n.state.nfs, id)
			n.log.Info("nrf: suspended NF forgotten", "nf_instance_id", id, "nf_type", e.profile.NFType)
			n.notifyLocked(nnrf.EventDeregistered, &e.profile, nil)
		}
	}
	for id, s := range n.state.subs {
		if !now.Before(s.expires) {
			delete(n.state.subs, id)
		}
	}
}
