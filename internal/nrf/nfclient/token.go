package nfclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// token is a cached access token.
type token struct {
	value   string
	refresh time.Time
}

// Token implements sbihttp.TokenSource: an access token for calling the
// service (TS 33.501 §13.4.1.2, TS 29.510 §5.4.2.2), from the cache
// until shortly before it expires (a tenth of its lifetime, at most a
// minute), else from the NRF's token endpoint with the client
// credentials grant: this NF's instance ID and type, the target NF type
// and the service as scope.
func (c *Client) Token(ctx context.Context, service string) (string, error) {
	now := c.now()
	c.tokens.Lock()
	if t, ok := c.tokens.m[service]; ok && now.Before(t.refresh) {
		c.tokens.Unlock()
		return t.value, nil
	}
	c.tokens.Unlock()
	target, ok := ServiceType(service)
	if !ok {
		return "", fmt.Errorf("nfclient: token: no NF type serves %q", service)
	}
	if err := c.awaitRegistration(ctx); err != nil {
		return "", fmt.Errorf("nfclient: token for %s: %w", service, err)
	}
	req := nnrf.AccessTokenReq{NFInstanceID: c.opts.Profile.NFInstanceID, NFType: c.opts.Profile.NFType, TargetNFType: target, Scope: service}
	rsp, err := c.fetchToken(ctx, req)
	c.metrics.requests.WithLabelValues("token", sbi.Outcome(err)).Inc()
	if err != nil {
		return "", err
	}
	life := time.Duration(rsp.ExpiresIn) * time.Second
	margin := min(life/10, time.Minute)
	c.tokens.Lock()
	c.tokens.m[service] = token{value: rsp.AccessToken, refresh: now.Add(life - margin)}
	c.tokens.Unlock()
	return rsp.AccessToken, nil
}

var _ sbihttp.TokenSource = (*Client)(nil).Token

// awaitRegistration waits, within ctx, for the first registration of a
// client whose keeper runs: the NRF grants tokens to registered NFs only
// (TS 29.510 §5.4.2.2), so an NF's first calls at start wait for it
// rather than fail. A client not started is taken as registered by its
// owner.
func (c *Client) awaitRegistration(ctx context.Context) error {
	c.run.Lock()
	started := c.run.cancel != nil
	c.run.Unlock()
	if !started {
		return nil
	}
	return c.WaitRegistered(ctx)
}

// InvalidateToken drops the cached token for the service, for a consumer
// whose producer refused it (401: the NRF's key changed).
func (c *Client) InvalidateToken(service string) {
	c.tokens.Lock()
	delete(c.tokens.m, service)
	c.tokens.Unlock()
}

// fetchToken posts the form to the token endpoint (TS 29.510 §6.3.3.2)
// and reads AccessTokenRsp, or AccessTokenErr from a 400.
func (c *Client) fetchToken(ctx context.Context, req nnrf.AccessTokenReq) (nnrf.AccessTokenRsp, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.opts.NRF, "/")+"/oauth2/token", strings.NewReader(req.Form().Encode()))
	if err != nil {
		return nnrf.AccessTokenRsp{}, fmt.Errorf("nfclient: token: %w", err)
	}
	hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hr.Header.Set("Accept", sbihttp.ContentJSON+", "+sbihttp.ContentProblem)
	hr.Header.Set("User-Agent", c.UserAgent())
	resp, err := c.hc.Do(hr)
	if err != nil {
		return nnrf.AccessTokenRsp{}, fmt.Errorf("nfclient: token: %w: %w", sbi.ErrNoInstance, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nnrf.AccessTokenRsp{}, fmt.Errorf("nfclient: token: %w: %w", sbi.ErrNoInstance, err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		var rsp nnrf.AccessTokenRsp
		if err := json.Unmarshal(body, &rsp); err != nil || rsp.AccessToken == "" || !strings.EqualFold(rsp.TokenType, "Bearer") {
			return nnrf.AccessTokenRsp{}, fmt.Errorf("nfclient: token: %w: malformed AccessTokenRsp", sbi.ErrInvalidMsgFormat)
		}
		return rsp, nil
	case http.StatusBadRequest:
		var e nnrf.AccessTokenErr
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return nnrf.AccessTokenRsp{}, fmt.Errorf("nfclient: token for %s refused: %s (%s): %w", req.Scope, e.Error, e.ErrorDescription, sbi.ErrForbidden)
		}
	}
	return nnrf.AccessTokenRsp{}, fmt.Errorf("nfclient: token for %s: the NRF answered %d: %w", req.Scope, resp.StatusCode, sbi.NewProblem(resp.StatusCode, "", http.StatusText(resp.StatusCode)))
}
