package nrf

import (
	"encoding/json"
	"maps"
	"reflect"
	"time"

	"github.com/keelcore/keel/internal/nrf/nnrf"
)

// Update is NFUpdate (TS 29.510 §5.2.2.3): PATCH of the profile with a
// JSON Patch document (RFC 6902). The patched profile must still be a
// valid NFProfile with the same nfInstanceId and nfType. Every update
// counts as a heartbeat (§5.2.2.3.2); heartbeat tells an update that
// changed nothing but nfStatus to REGISTERED (and load), which the
// binding answers 204 No Content, from one answered 200 with the
// profile. A SUSPENDED NF that heartbeats is REGISTERED again.
func (n *NRF) Update(id string, patch []byte) (doc map[string]any, heartbeat bool, err error) {
	op := "update"
	defer func() { n.metrics.registrations.WithLabelValues(op, result(err)).Inc() }()
	items, err := nnrf.DecodePatch(patch)
	if err != nil {
		return nil, false, err
	}
	n.state.Lock()
	defer n.state.Unlock()
	e, ok := n.state.nfs[id]
	if !ok {
		// The NF must register again (§5.2.2.3.2: the NRF restarted or
		// forgot it).
		return nil, false, nnrf.ErrNFNotFound
	}
	out, err := nnrf.ApplyPatch(map[string]any(e.doc), items)
	if err != nil {
		return nil, false, err
	}
	newDoc, ok := out.(map[string]any)
	if !ok {
		return nil, false, &nnrf.Error{Status: nnrf.ErrModificationNotAllowed.Status, Cause: nnrf.ErrModificationNotAllowed.Cause, Msg: "the patched profile is not a JSON object"}
	}
	p, err := nnrf.ProfileOf(newDoc)
	if err != nil {
		return nil, false, err
	}
	if p.NFInstanceID != e.profile.NFInstanceID || p.NFType != e.profile.NFType {
		return nil, false, &nnrf.Error{Status: nnrf.ErrModificationNotAllowed.Status, Cause: nnrf.ErrModificationNotAllowed.Cause, Msg: "nfInstanceId and nfType cannot change"}
	}
	heartbeat = onlyStatusAndLoad(e.doc, newDoc)
	if heartbeat {
		op = "heartbeat"
	}
	changed := !reflect.DeepEqual(e.doc, newDoc)
	e.doc, e.profile, e.lastSeen = newDoc, p, n.now()
	if p.NFStatus != nnrf.Suspended {
		e.suspendedAt = time.Time{}
	}
	if changed {
		n.notifyLocked(nnrf.EventProfileChanged, &p, newDoc)
	}
	return copyDoc(newDoc), heartbeat, nil
}

// onlyStatusAndLoad reports whether the documents differ at most in
// nfStatus (now REGISTERED) and load: a heartbeat.
func onlyStatusAndLoad(old, cur map[string]any) bool {
	a, b := maps.Clone(old), maps.Clone(cur)
	for _, k := range []string{"nfStatus", "load", "loadTimeStamp"} {
		delete(a, k)
		delete(b, k)
	}
	if s, _ := cur["nfStatus"].(string); s != string(nnrf.Registered) {
		return false
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
