package gnb

import (
	"slices"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
)

// Why selectAMF chose an AMF.
const (
	// byIdentity: the AMF serving the AMF Set ID and AMF Pointer of the
	// UE's 5G-S-TMSI.
	byIdentity = "identity"
	// byBackup: the backup AMF of that GUAMI, which is unavailable.
	byBackup = "backup"
	// bySet: another AMF of the same AMF set.
	bySet = "set"
	// byCapacity: any AMF, weighed by relative capacity.
	byCapacity = "capacity"
)

// selectAMF picks the association an Initial UE Message goes on (TS
// 23.501 §6.3.5, TS 23.502 §4.2.7.2.1), or nil when no AMF is up:
//
//  1. a UE that gave a 5G-S-TMSI goes to the AMF that serves the GUAMI
//     of its AMF Set ID and AMF Pointer, if that AMF is up and the GUAMI
//     available;
//  2. if not, to the GUAMI's backup AMF (named in the Served GUAMI List
//     or the AMF Status Indication), if it is up;
//  3. if not, to an AMF serving an available GUAMI of the same AMF Set
//     (TS 23.501 §5.21.2: the AMFs of a set share the UE contexts);
//  4. a UE without a 5G-S-TMSI, or one whose set has no AMF up, goes to
//     an AMF chosen by Relative AMF Capacity (the weight factor of
//     TS 23.502 §4.2.7.1): a smooth weighted round
//     robin, so that the shares follow the capacities exactly and the
//     choice is deterministic. AMFs of capacity 0 are chosen only when no
//     other is up.
//
// Called with g.amfs.mu held.
func (t *amfTable) selectAMF(tmsi *ngap.FiveGSTMSI) (*assoc, string) {
	if tmsi != nil {
		if a, why := t.byTMSI(*tmsi); a != nil {
			return a, why
		}
	}
	var up, weighted []*amfPeer
	for _, p := range t.peers {
		if p.cur == nil {
			continue
		}
		up = append(up, p)
		if p.capacity > 0 {
			weighted = append(weighted, p)
		}
	}
	if len(weighted) == 0 {
		weighted = up
	}
	if p := roundRobin(weighted); p != nil {
		return p.cur, byCapacity
	}
	return nil, ""
}

// byTMSI runs steps 1 to 3 of selectAMF.
func (t *amfTable) byTMSI(tmsi ngap.FiveGSTMSI) (*assoc, string) {
	matches := func(g ident.GUAMI) bool { return g.SetID == tmsi.SetID && g.Pointer == tmsi.Pointer }
	var named []ident.GUAMI // the GUAMIs of the UE's AMF, from any peer
	for _, p := range t.peers {
		for _, g := range p.guamis {
			if !matches(g) {
				continue
			}
			named = append(named, g)
			if p.cur != nil && !t.unavailable[g] {
				return p.cur, byIdentity
			}
		}
	}
	for g := range t.unavailable {
		if matches(g) {
			named = append(named, g)
		}
	}
	for _, g := range named {
		name := t.backups[g]
		if name == "" {
			continue
		}
		for _, p := range t.peers {
			if p.cur != nil && p.name == name {
				return p.cur, byBackup
			}
		}
	}
	var set []*amfPeer
	for _, p := range t.peers {
		if p.cur == nil {
			continue
		}
		for _, g := range p.guamis {
			if g.SetID == tmsi.SetID && !t.unavailable[g] {
				set = append(set, p)
				break
			}
		}
	}
	if p := roundRobin(set); p != nil {
		return p.cur, bySet
	}
	return nil, ""
}

// roundRobin is a step of the smooth weighted round robin over peers,
// weighed by capacity (1 for all when every capacity is 0): each peer
// gains its weight, the one with most is chosen and loses the total.
func roundRobin(peers []*amfPeer) *amfPeer {
	if len(peers) == 0 {
		return nil
	}
	weight := func(p *amfPeer) int { return int(p.capacity) }
	if !slices.ContainsFunc(peers, func(p *amfPeer) bool { return p.capacity > 0 }) {
		weight = func(*amfPeer) int { return 1 }
	}
	var best *amfPeer
	total := 0
	for _, p := range peers {
		w := weight(p)
		p.current += w
		total += w
		if best == nil || p.current > best.current {
			best = p
		}
	}
	best.current -= total
	return best
}
