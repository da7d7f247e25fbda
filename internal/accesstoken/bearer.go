package accesstoken

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// ProducerConfig is what an NF service producer checks the access
// tokens of its requests with.
type ProducerConfig struct {
	// Key is the NRF's public key (required).
	Key VerifyKey
	// NFType and InstanceID name this producer: a token's aud must be
	// its NF type or list its instance ID.
	NFType, InstanceID string
	// Exempt lists the services served without a token, e.g. the NRF's
	// own "nnrf-nfm", "nnrf-disc" and "oauth2", which an NF uses before
	// it can hold a token.
	Exempt []string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Authorizer returns the sbihttp.Authorizer of a producer (TS 33.501
// §13.4.1.2, TS 29.500 §6.7.3): every request but those of an exempt
// service must carry "Authorization: Bearer <token>" (RFC 6750 §2.1)
// with a token the NRF signed, not expired, whose audience is this
// producer and whose scope names the service. A request without a
// token is answered 401 with the challenge "Bearer"; a token that is
// malformed, does not verify, has expired or is for another producer,
// 401 with error="invalid_token"; a token without the service in its
// scope, 403 with error="insufficient_scope" (RFC 6750 §3.1).
func Authorizer(cfg ProducerConfig) (sbihttp.Authorizer, error) {
	if cfg.Key.IsZero() {
		return nil, errors.New("accesstoken: producer: no NRF key")
	}
	if cfg.NFType == "" {
		return nil, errors.New("accesstoken: producer: no NF type")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	verified := newVerifiedCache(verifiedCacheSize)
	return func(r *http.Request, service string) error {
		if slices.Contains(cfg.Exempt, service) {
			return nil
		}
		tok, ok := bearer(r.Header.Get("Authorization"))
		if !ok {
			return &sbihttp.Challenge{Err: fmt.Errorf("%w: no bearer access token", sbi.ErrUnauthorized), Header: "Bearer"}
		}
		claims, ok := verified.get(tok)
		var err error
		if !ok {
			if claims, err = Parse(tok, cfg.Key); err == nil {
				verified.put(tok, claims)
			}
		}
		if err == nil {
			err = claims.Check(Expect{NFType: cfg.NFType, InstanceID: cfg.InstanceID, Scope: service, Now: now()})
		}
		switch {
		case err == nil:
			return nil
		case errors.Is(err, ErrScope):
			return &sbihttp.Challenge{Err: fmt.Errorf("%w: %v", sbi.ErrForbidden, err), Header: fmt.Sprintf(`Bearer error="insufficient_scope", scope=%q`, service)}
		}
		return &sbihttp.Challenge{Err: fmt.Errorf("%w: %v", sbi.ErrUnauthorized, err), Header: fmt.Sprintf(`Bearer error="invalid_token", error_description=%q`, describe(err))}
	}, nil
}

// bearer reads the credentials of "Bearer <token>"; the scheme is not
// case-sensitive (RFC 6750 §2.1, RFC 9110 §11.1).
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// describe gives a challenge's error_description, without the token.
func describe(err error) string {
	switch {
	case errors.Is(err, ErrExpired):
		return "token expired"
	case errors.Is(err, ErrAudience):
		return "token not for this NF"
	case errors.Is(err, ErrSignature):
		return "signature does not verify"
	}
	return "malformed token"
}

// verifiedCacheSize bounds the tokens whose signature a producer
// remembers: a consumer holds one token per service it calls, so a few
// thousand cover a large network.
const verifiedCacheSize = 4096

// verifiedCache remembers the claims of tokens whose signature verified,
// so that a consumer's token costs one ECDSA verification, not one per
// request; expiry, audience and scope are still checked each time. When
// full it is emptied. Safe for concurrent use: one mutex around the map.
type verifiedCache struct {
	mu  sync.Mutex
	max int
	m   map[string]Claims
}

func newVerifiedCache(max int) *verifiedCache {
	return &verifiedCache{max: max, m: make(map[string]Claims)}
}

func (v *verifiedCache) get(tok string) (Claims, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	c, ok := v.m[tok]
	return c, ok
}

func (v *verifiedCache) put(tok string, c Claims) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.m) >= v.max {
		clear(v.m)
	}
	v.m[tok] = c
}
