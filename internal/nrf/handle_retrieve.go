package nrf

import (
	"slices"

	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/sbi"
)

// Profile is NFProfileRetrieval (TS 29.510 §5.2.2.9): the stored profile
// of one NF instance, whatever its status.
func (n *NRF) Profile(id string) (doc map[string]any, err error) {
	defer func() { n.metrics.registrations.WithLabelValues("retrieve", result(err)).Inc() }()
	n.state.Lock()
	defer n.state.Unlock()
	e, ok := n.state.nfs[id]
	if !ok {
		return nil, nnrf.ErrNFNotFound
	}
	return copyDoc(e.doc), nil
}

// List is NFListRetrieval (TS 29.510 §5.2.2.8): the nfInstanceUris of the
// registered NF instances, of one type when nfType is given, at most
// limit of them when limit > 0, sorted by instance ID.
func (n *NRF) List(nfType sbi.NFType, limit int) []string {
	n.state.Lock()
	ids := make([]string, 0, len(n.state.nfs))
	for id, e := range n.state.nfs {
		if nfType == "" || e.profile.NFType == nfType {
			ids = append(ids, id)
		}
	}
	n.state.Unlock()
	n.metrics.registrations.WithLabelValues("list", "ok").Inc()
	slices.Sort(ids)
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	uris := make([]string, len(ids))
	for i, id := range ids {
		uris[i] = n.instanceURI(id)
	}
	return uris
}
