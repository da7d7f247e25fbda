package nrf

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/sbi"
)

// Subscribe is NFStatusSubscribe (TS 29.510 §5.2.2.5): the NRF keeps the
// subscription until its validityTime, which it sets to at most
// Options.SubscriptionValidity from now (§5.2.2.5.1: the NRF may shorten
// it), and answers it with its subscriptionId.
func (n *NRF) Subscribe(body []byte) (s nnrf.SubscriptionData, err error) {
	defer func() { n.metrics.registrations.WithLabelValues("subscribe", result(err)).Inc() }()
	s, err = nnrf.DecodeSubscription(body)
	if err != nil {
		return nnrf.SubscriptionData{}, err
	}
	now := n.now()
	limit := now.Add(n.opts.SubscriptionValidity)
	if s.ValidityTime == nil || s.ValidityTime.After(limit) {
		s.ValidityTime = &limit
	}
	if !s.ValidityTime.After(now) {
		return nnrf.SubscriptionData{}, &nnrf.Error{Status: nnrf.ErrOptionalIEIncorrect.Status, Cause: nnrf.ErrOptionalIEIncorrect.Cause, Param: "/validityTime", Msg: "in the past"}
	}
	v := s.ValidityTime.UTC()
	s.ValidityTime = &v
	s.SubscriptionID = rand.Text()
	n.state.Lock()
	defer n.state.Unlock()
	if len(n.state.subs) >= n.opts.MaxSubscriptions {
		return nnrf.SubscriptionData{}, fmt.Errorf("%w: %d subscriptions held", sbi.ErrUnavailable, len(n.state.subs))
	}
	n.state.subs[s.SubscriptionID] = &subscription{data: s, expires: v}
	return s, nil
}

// UpdateSubscription extends a subscription (TS 29.510 §6.1.3.5.3.2):
// a JSON Patch replacing /validityTime, the only member that may change.
// The NRF grants at most Options.SubscriptionValidity from now; changed
// tells an answer with the granted time (200) from one that took the
// time asked (204).
func (n *NRF) UpdateSubscription(id string, patch []byte) (s nnrf.SubscriptionData, changed bool, err error) {
	defer func() { n.metrics.registrations.WithLabelValues("update_subscription", result(err)).Inc() }()
	items, err := nnrf.DecodePatch(patch)
	if err != nil {
		return nnrf.SubscriptionData{}, false, err
	}
	var want time.Time
	for i, it := range items {
		if it.Op != "replace" || it.Path != "/validityTime" {
			return nnrf.SubscriptionData{}, false, &nnrf.Error{Status: nnrf.ErrModificationNotAllowed.Status, Cause: nnrf.ErrModificationNotAllowed.Cause,
				Param: "/" + strconv.Itoa(i), Msg: "only /validityTime may be replaced"}
		}
		if err := json.Unmarshal(it.Value, &want); err != nil {
			return nnrf.SubscriptionData{}, false, &nnrf.Error{Status: nnrf.ErrIEIncorrect.Status, Cause: nnrf.ErrIEIncorrect.Cause,
				Param: "/" + strconv.Itoa(i) + "/value", Msg: "validityTime is not a date-time"}
		}
	}
	now := n.now()
	granted := want.UTC()
	if limit := now.Add(n.opts.SubscriptionValidity).UTC(); granted.After(limit) {
		granted = limit
	}
	if !granted.After(now) {
		return nnrf.SubscriptionData{}, false, &nnrf.Error{Status: nnrf.ErrIEIncorrect.Status, Cause: nnrf.ErrIEIncorrect.Cause, Param: "/0/value", Msg: "validityTime in the past"}
	}
	n.state.Lock()
	defer n.state.Unlock()
	sub, ok := n.state.subs[id]
	if !ok || !now.Before(sub.expires) {
		delete(n.state.subs, id)
		return nnrf.SubscriptionData{}, false, nnrf.ErrSubscriptionNotFound
	}
	sub.expires = granted
	sub.data.ValidityTime = &granted
	return sub.data, !granted.Equal(want), nil
}

// Unsubscribe is NFStatusUnSubscribe (TS 29.510 §5.2.2.7).
func (n *NRF) Unsubscribe(id string) (err error) {
	defer func() { n.metrics.registrations.WithLabelValues("unsubscribe", result(err)).Inc() }()
	n.state.Lock()
	defer n.state.Unlock()
	if _, ok := n.state.subs[id]; !ok {
		return nnrf.ErrSubscriptionNotFound
	}
	delete(n.state.subs, id)
	return nil
}

// notifyLocked queues the NF status notification (TS 29.510 §5.2.2.6)
// for every live subscription whose condition covers the profile and
// that asked for the event. doc is the profile document for
// NF_REGISTERED and NF_PROFILE_CHANGED, nil for NF_DEREGISTERED. The
// caller holds n.state.
func (n *NRF) notifyLocked(event string, p *nnrf.Profile, doc map[string]any) {
	now := n.now()
	var profile map[string]any
	for id, s := range n.state.subs {
		if !now.Before(s.expires) {
			delete(n.state.subs, id)
			continue
		}
		if !s.data.Wants(event) || !s.data.SubscrCond.Covers(p) || s.data.ReqNFInstanceID == p.NFInstanceID {
			continue
		}
		if doc != nil && profile == nil {
			profile = nnrf.ForDiscovery(doc)
		}
		nt := notification{uri: s.data.NFStatusNotificationURI, data: nnrf.NotificationData{
			Event: event, NFInstanceURI: n.instanceURI(p.NFInstanceID), NFProfile: profile,
		}}
		select {
		case n.notifications[shard(nt.uri)] <- nt:
		default:
			n.metrics.notifications.WithLabelValues(event, "dropped").Inc()
		}
	}
}

// shard is the sender of a subscriber's notifications (FNV-1a of its
// URI), so that they stay in order.
func shard(uri string) int {
	h := uint32(2166136261)
	for i := 0; i < len(uri); i++ {
		h ^= uint32(uri[i])
		h *= 16777619
	}
	return int(h % notifySenders)
}
