package nfclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"time"

	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// Subscribe makes a status subscription at the NRF (NFStatusSubscribe,
// TS 29.510 §5.2.2.5) for NFs matching cond (nil: every NF), notified at
// notifyURI, which must reach HandleNotify or a handler of the
// caller's. The client has its validityTime extended before it ends,
// makes it again each time it registers again, and removes it at Stop.
// A subscription the NRF refused or did not answer is not kept: the
// caller tries again.
func (c *Client) Subscribe(ctx context.Context, cond *nnrf.SubscrCond, notifyURI string) error {
	s := &subscription{data: nnrf.SubscriptionData{
		NFStatusNotificationURI: notifyURI, SubscrCond: cond,
		ReqNFInstanceID: c.opts.Profile.NFInstanceID, ReqNFType: c.opts.Profile.NFType,
	}}
	if err := c.subscribe(ctx, s); err != nil {
		return err
	}
	c.reg.Lock()
	c.reg.subs = append(c.reg.subs, s)
	c.reg.Unlock()
	return nil
}

func (c *Client) subscribe(ctx context.Context, s *subscription) error {
	var answer nnrf.SubscriptionData
	resp, err := c.do(ctx, "subscribe", sbihttp.Request{Method: http.MethodPost, URI: c.opts.NRF, Path: "/nnrf-nfm/v1/subscriptions", Body: s.data}, &answer)
	if err != nil {
		return fmt.Errorf("nfclient: subscribe: %w", err)
	}
	id := answer.SubscriptionID
	if id == "" {
		id = path.Base(resp.Location)
	}
	c.reg.Lock()
	s.id = id
	s.expires = time.Time{}
	if answer.ValidityTime != nil {
		s.expires = *answer.ValidityTime
	}
	c.reg.Unlock()
	return nil
}

// renewSubscriptions makes again the subscriptions whose validityTime
// ends within margin: the NRF bounds a subscription's life
// (TS 29.510 §5.2.2.5.1) and drops it when it ends.
func (c *Client) renewSubscriptions(ctx context.Context, margin time.Duration) {
	now := c.now()
	c.reg.Lock()
	var due []*subscription
	for _, s := range c.reg.subs {
		if !s.expires.IsZero() && s.expires.Sub(now) < margin {
			due = append(due, s)
		}
	}
	c.reg.Unlock()
	for _, s := range due {
		if err := c.extend(ctx, s); err != nil && ctx.Err() == nil {
			c.log.Warn("nfclient: status subscription not renewed", "err", err)
		}
	}
}

// renewFor is the validity a renewal asks for; the NRF grants what its
// policy allows and says so.
const renewFor = 24 * time.Hour

// extend asks the NRF to extend the subscription's validityTime
// (TS 29.510 §6.1.3.5.3.2: PATCH replacing /validityTime; 204 when the
// time asked is granted, 200 with the one granted otherwise), or makes
// the subscription again when the NRF no longer has it.
func (c *Client) extend(ctx context.Context, s *subscription) error {
	c.reg.Lock()
	id := s.id
	c.reg.Unlock()
	want := c.now().Add(renewFor).UTC().Truncate(time.Second)
	value, _ := json.Marshal(want)
	var answer nnrf.SubscriptionData
	resp, err := c.do(ctx, "update_subscription", sbihttp.Request{
		Method: http.MethodPatch, URI: c.opts.NRF, Path: "/nnrf-nfm/v1" + sbihttp.Path("subscriptions", id),
		Body: []nnrf.PatchItem{{Op: "replace", Path: "/validityTime", Value: value}}, ContentType: sbihttp.ContentJSONPatch,
	}, &answer)
	switch {
	case notFound(err):
		c.reg.Lock()
		s.id = ""
		c.reg.Unlock()
		return c.subscribe(ctx, s)
	case err != nil:
		return fmt.Errorf("nfclient: extend subscription: %w", err)
	}
	c.reg.Lock()
	defer c.reg.Unlock()
	s.expires = want
	if resp.Status == http.StatusOK && answer.ValidityTime != nil {
		s.expires = *answer.ValidityTime
	}
	return nil
}

// HandleNotify is the sbihttp handler of the subscriptions' callback
// (NFStatusNotify, TS 29.510 §5.2.2.6): it drops the cached discovery
// answers the change concerns and answers 204.
func (c *Client) HandleNotify(w http.ResponseWriter, r *http.Request) error {
	var n nnrf.NotificationData
	if err := sbihttp.Decode(r, &n); err != nil {
		return err
	}
	if n.Event == "" || n.NFInstanceURI == "" {
		return sbihttp.InvalidParamError(sbi.ErrMandatoryIEMissing, "/event", "event and nfInstanceUri are mandatory")
	}
	var nfType sbi.NFType
	if t, ok := n.NFProfile["nfType"].(string); ok {
		nfType = sbi.NFType(t)
	}
	c.forget(nfType, path.Base(n.NFInstanceURI))
	c.metrics.notifications.WithLabelValues(n.Event).Inc()
	return sbihttp.NoContent(w)
}
