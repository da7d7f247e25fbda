package gnb

import (
	"sync"

	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
)

// pagingTable holds the UEs this gNB served that are now idle under it,
// by 5G-S-TMSI: a Paging for one of them reaches it (the simulator's
// stand-in for paging on the radio, TS 38.304 §7).
type pagingTable struct {
	mu     sync.Mutex
	byTMSI map[ngap.FiveGSTMSI]chan struct{}
}

// WatchPaging tells the gNB that an idle UE with 5G-S-TMSI tmsi camps on
// it: paged gets a value each time the AMF pages the UE in a TA the gNB
// serves (NGAP Paging, TS 38.413 §8.5.1; at most one waits), until stop.
// A later WatchPaging of the same 5G-S-TMSI replaces the earlier one.
func (g *GNB) WatchPaging(tmsi ngap.FiveGSTMSI) (paged <-chan struct{}, stop func()) {
	ch := make(chan struct{}, 1)
	g.paging.mu.Lock()
	if g.paging.byTMSI == nil {
		g.paging.byTMSI = map[ngap.FiveGSTMSI]chan struct{}{}
	}
	g.paging.byTMSI[tmsi] = ch
	g.paging.mu.Unlock()
	return ch, func() {
		g.paging.mu.Lock()
		if g.paging.byTMSI[tmsi] == ch {
			delete(g.paging.byTMSI, tmsi)
		}
		g.paging.mu.Unlock()
	}
}

// page reaches the UE with 5G-S-TMSI tmsi if it camps on the gNB; it
// reports whether one does.
func (g *GNB) page(tmsi ngap.FiveGSTMSI) bool {
	g.paging.mu.Lock()
	ch := g.paging.byTMSI[tmsi]
	g.paging.mu.Unlock()
	if ch == nil {
		return false
	}
	select {
	case ch <- struct{}{}:
	default:
	}
	return true
}

// servesAny reports whether the gNB serves one of the TAIs.
func (g *GNB) servesAny(tais []ident.TAI) bool {
	for _, t := range tais {
		for _, ta := range g.cfg.TAs {
			if ta.TAC != t.TAC {
				continue
			}
			for _, p := range ta.PLMNs {
				if p == t.PLMN {
					return true
				}
			}
		}
	}
	return false
}

// handlePaging runs Paging (TS 38.413 §8.5.1.2): the gNB pages the UE in
// its cells of the TAs of the TAI List for Paging; a UE camping on it
// there answers. A Paging for a UE not camping here, in TAs the gNB does
// not serve, or that does not decode is an event and nothing more (there
// is no answer to Paging on N2).
func (g *GNB) handlePaging(m *message.Paging) {
	p, err := ngap.DecodePaging(m)
	switch {
	case err != nil:
		g.emit(Event{Procedure: "Paging", Cause: err.Error()})
	case !g.servesAny(p.TAIs):
		g.emit(Event{Procedure: "Paging", Cause: "no TA of the gNB in the TAI List for Paging"})
	case !g.page(p.TMSI):
		g.emit(Event{Procedure: "Paging", Cause: p.TMSI.String()})
	}
}
