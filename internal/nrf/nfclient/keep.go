package nfclient

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/sbihttp"
)

// keep is the registration keeper's loop.
func (c *Client) keep(ctx context.Context) {
	for ctx.Err() == nil {
		if !c.Registered() {
			if err := c.register(ctx); err != nil {
				if ctx.Err() == nil {
					c.log.Warn("nfclient: registration at the NRF failed; trying again", "err", err, "retry_in", c.opts.RetryInterval)
				}
				sleep(ctx, c.opts.RetryInterval)
				continue
			}
		}
		c.reg.Lock()
		period := c.reg.heartbeat
		c.reg.Unlock()
		if !sleep(ctx, period) {
			return
		}
		err := c.heartbeat(ctx)
		switch {
		case err == nil:
			// Renewed while two heartbeats remain, so that one failed
			// attempt still leaves time for another.
			c.renewSubscriptions(ctx, 3*period)
		case notFound(err):
			// The NRF does not know this NF: it restarted, or it
			// suspended and forgot it (TS 29.510 §5.2.2.3.2).
			c.log.Warn("nfclient: the NRF does not know this NF any more; registering again")
			c.reg.Lock()
			c.reg.registered = false
			c.reg.Unlock()
		case ctx.Err() == nil:
			c.log.Warn("nfclient: heartbeat failed", "err", err)
		}
	}
}

// sleep waits d or until ctx ends, reporting whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// register is NFRegister (TS 29.510 §5.2.2.2): PUT of the profile; the
// answer's heartBeatTimer sets the heartbeat period. The subscriptions
// are then made again.
func (c *Client) register(ctx context.Context) error {
	var answer nnrf.Profile
	// From here the NRF may hold the profile even if no answer comes
	// back (the caller stops meanwhile): Stop deregisters it then too.
	c.reg.Lock()
	c.reg.sent = true
	c.reg.Unlock()
	if _, err := c.do(ctx, "register", sbihttp.Request{Method: http.MethodPut, URI: c.opts.NRF, Path: c.instancePath(), Body: c.opts.Profile}, &answer); err != nil {
		return err
	}
	period := time.Duration(answer.HeartBeatTimer) * time.Second
	if period <= 0 {
		period = DefaultHeartBeatTimer
	}
	c.reg.Lock()
	c.reg.registered, c.reg.heartbeat = true, period
	select {
	case <-c.reg.ready:
	default:
		close(c.reg.ready)
	}
	subs := append([]*subscription(nil), c.reg.subs...)
	c.reg.Unlock()
	c.log.Info("nfclient: registered at the NRF", "heartbeat", period)
	for _, s := range subs {
		if err := c.subscribe(ctx, s); err != nil {
			c.log.Warn("nfclient: status subscription not made again", "err", err)
		}
	}
	return nil
}

// heartbeatPatch is the heartbeat of TS 29.510 §5.2.2.3.2: a PATCH
// replacing nfStatus with REGISTERED.
var heartbeatPatch = []nnrf.PatchItem{{Op: "replace", Path: "/nfStatus", Value: json.RawMessage(`"REGISTERED"`)}}

func (c *Client) heartbeat(ctx context.Context) error {
	_, err := c.do(ctx, "heartbeat", sbihttp.Request{
		Method: http.MethodPatch, URI: c.opts.NRF, Path: c.instancePath(),
		Body: heartbeatPatch, ContentType: sbihttp.ContentJSONPatch,
	}, nil)
	return err
}
