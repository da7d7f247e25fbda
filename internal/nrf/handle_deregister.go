package nrf

import (
	"github.com/keelcore/keel/internal/nrf/nnrf"
)

// Deregister is NFDeregister (TS 29.510 §5.2.2.4): DELETE of the NF
// instance. Subscribers hear NF_DEREGISTERED.
func (n *NRF) Deregister(id string) (err error) {
	defer func() { n.metrics.registrations.WithLabelValues("deregister", result(err)).Inc() }()
	n.state.Lock()
	defer n.state.Unlock()
	e, ok := n.state.nfs[id]
	if !ok {
		return nnrf.ErrNFNotFound
	}
	delete(n.state.nfs, id)
	n.notifyLocked(nnrf.EventDeregistered, &e.profile, nil)
	n.log.Info("nrf: NF deregistered", "nf_instance_id", id, "nf_type", e.profile.NFType)
	return nil
}
