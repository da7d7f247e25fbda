package nrf

import (
	"crypto/rand"

	"github.com/keelcore/keel/internal/nrf/nnrf"
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
	n.state.subs[s.SubscriptionID] = &subscription{data: s, expires: v}
	n.state.Unlock()
	return s, nil
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
		case n.notifications <- nt:
		default:
			n.metrics.notifications.WithLabelValues(event, "dropped").Inc()
		}
	}
}
