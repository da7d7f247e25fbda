package nrf

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/sbi"
)

// Register is NFRegister (TS 29.510 §5.2.2.2): PUT of the profile at
// .../nf-instances/{id}. The NRF sets heartBeatTimer (the NF's proposal
// when within [MinHeartBeatTimer, MaxHeartBeatTimer], else its own) and
// answers the stored profile; created tells 201 (a new instance) from
// 200 (a replaced one, §5.2.2.2.3). Subscribers hear NF_REGISTERED or
// NF_PROFILE_CHANGED.
func (n *NRF) Register(id string, body []byte) (doc map[string]any, created bool, err error) {
	defer func() { n.metrics.registrations.WithLabelValues("register", result(err)).Inc() }()
	p, doc, err := nnrf.DecodeProfile(body)
	if err != nil {
		return nil, false, err
	}
	if p.NFInstanceID != id {
		return nil, false, &nnrf.Error{Status: nnrf.ErrIEIncorrect.Status, Cause: nnrf.ErrIEIncorrect.Cause, Param: "/nfInstanceId", Msg: "differs from the instance ID of the URI"}
	}
	hb := time.Duration(p.HeartBeatTimer) * time.Second
	if hb < MinHeartBeatTimer || hb > MaxHeartBeatTimer {
		hb = n.opts.HeartBeatTimer
	}
	p.HeartBeatTimer = int(hb / time.Second)
	doc["heartBeatTimer"] = json.Number(itoa(p.HeartBeatTimer))

	now := n.now()
	n.state.Lock()
	_, replaced := n.state.nfs[id]
	if !replaced && len(n.state.nfs) >= n.opts.MaxInstances {
		n.state.Unlock()
		return nil, false, fmt.Errorf("%w: %d NF instances registered", sbi.ErrUnavailable, n.opts.MaxInstances)
	}
	n.state.nfs[id] = &entry{doc: doc, profile: p, lastSeen: now}
	event := nnrf.EventRegistered
	if replaced {
		event = nnrf.EventProfileChanged
	}
	n.notifyLocked(event, &p, doc)
	n.state.Unlock()
	n.log.Info("nrf: NF registered", "nf_instance_id", id, "nf_type", p.NFType, "replaced", replaced)
	return copyDoc(doc), !replaced, nil
}

func copyDoc(doc map[string]any) map[string]any {
	b, _ := json.Marshal(doc)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// result names an error for a metric label: "ok" or its cause.
func result(err error) string {
	if err == nil {
		return "ok"
	}
	if e, ok := err.(*nnrf.Error); ok {
		return e.Cause
	}
	return sbi.Outcome(err)
}
