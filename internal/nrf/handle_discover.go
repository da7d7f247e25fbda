package nrf

import (
	"slices"
	"strings"
	"time"

	"github.com/keelcore/keel/internal/nrf/nnrf"
)

// Discover is NFDiscovery (TS 29.510 §5.3.2.2): the profiles of the
// REGISTERED NF instances that match the query, as discovery gives them
// (ForDiscovery), ordered by priority (lowest first, TS 29.510
// §6.1.6.2.2) then instance ID, at most q.Limit of them, with the
// validityPeriod consumers may cache the answer for.
func (n *NRF) Discover(q nnrf.Query) nnrf.SearchResult {
	type hit struct {
		id       string
		priority int
		doc      map[string]any
	}
	var hits []hit
	n.state.Lock()
	for id, e := range n.state.nfs {
		if q.Matches(&e.profile) {
			pr := 65535
			if e.profile.Priority != nil {
				pr = *e.profile.Priority
			}
			hits = append(hits, hit{id, pr, nnrf.ForDiscovery(e.doc)})
		}
	}
	n.state.Unlock()
	slices.SortFunc(hits, func(a, b hit) int {
		if a.priority != b.priority {
			return a.priority - b.priority
		}
		return strings.Compare(a.id, b.id)
	})
	if q.Limit > 0 && len(hits) > q.Limit {
		hits = hits[:q.Limit]
	}
	r := nnrf.SearchResult{ValidityPeriod: int(n.opts.ValidityPeriod / time.Second), NFInstances: make([]map[string]any, len(hits))}
	for i, h := range hits {
		r.NFInstances[i] = h.doc
	}
	res := "found"
	if len(hits) == 0 {
		res = "empty"
	}
	n.metrics.discoveries.WithLabelValues(string(q.TargetNFType), res).Inc()
	return r
}

// DiscoveryRefused counts a discovery refused for its query.
func (n *NRF) DiscoveryRefused(target string, err error) {
	n.metrics.discoveries.WithLabelValues(target, result(err)).Inc()
}
