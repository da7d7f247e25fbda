package accesstoken

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"
)

// Errors of Verify; the error returned wraps one of them.
var (
	// ErrMalformed: not a compact JWS of an ES256 JWT with the mandatory
	// claims (RFC 7515 §7.1, TS 29.510 §6.3.5.2.4).
	ErrMalformed = errors.New("accesstoken: malformed token")
	// ErrSignature: the signature does not verify with the NRF's key.
	ErrSignature = errors.New("accesstoken: signature does not verify")
	// ErrExpired: the exp claim is not after now.
	ErrExpired = errors.New("accesstoken: token expired")
	// ErrAudience: the producer is neither the NF type nor one of the
	// instances in the aud claim.
	ErrAudience = errors.New("accesstoken: token not for this producer")
	// ErrScope: the scope claim does not name the service asked for.
	ErrScope = errors.New("accesstoken: scope does not grant the service")
)

// MaxTokenLen bounds the tokens Verify reads, so a hostile header cannot
// make it decode megabytes.
const MaxTokenLen = 8192

// scopePattern is AccessTokenClaims.scope (TS 29.510 §6.3.5.2.4).
var scopePattern = regexp.MustCompile(`^([a-zA-Z0-9_:-]+)( [a-zA-Z0-9_:-]+)*$`)

// ValidScope reports whether s is a scope as TS 29.510 writes it: service
// names separated by single spaces.
func ValidScope(s string) bool { return scopePattern.MatchString(s) }

type header struct {
	Alg  string   `json:"alg"`
	Typ  string   `json:"typ,omitempty"`
	Kid  string   `json:"kid,omitempty"`
	Crit []string `json:"crit,omitempty"`
}

// Sign returns the claims as a JWT signed with ES256, in JWS compact
// serialisation: BASE64URL(header) "." BASE64URL(claims) "."
// BASE64URL(R || S) (RFC 7515 §7.1, RFC 7518 §3.4).
func Sign(key SigningKey, c Claims) (string, error) {
	if key.priv == nil {
		return "", errors.New("accesstoken: no signing key")
	}
	if err := c.check(); err != nil {
		return "", err
	}
	h, err := json.Marshal(header{Alg: "ES256", Typ: "JWT", Kid: key.Public().ID()})
	if err != nil {
		return "", fmt.Errorf("accesstoken: %w", err)
	}
	p, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("accesstoken: %w", err)
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(h) + "." + enc.EncodeToString(p)
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key.priv, sum[:])
	if err != nil {
		return "", fmt.Errorf("accesstoken: sign: %w", err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + enc.EncodeToString(sig), nil
}

// Expect is what a producer checks a token against.
type Expect struct {
	// NFType and InstanceID name the producer; the aud claim must admit
	// one of them.
	NFType, InstanceID string
	// Scope is the service name the request is for (e.g. "nudm-sdm").
	Scope string
	// Now is the time the expiry is checked at; zero means time.Now().
	Now time.Time
}

// Verify checks the token's form, its ES256 signature under key, its
// expiry, its audience and its scope, in that order (TS 33.501
// §13.4.1.2), and returns its claims.
func Verify(token string, key VerifyKey, want Expect) (Claims, error) {
	c, err := Parse(token, key)
	if err != nil {
		return Claims{}, err
	}
	return c, c.Check(want)
}

// Check checks claims whose signature verified against the
// expectation: expiry, audience, scope.
func (c Claims) Check(want Expect) error {
	now := want.Now
	if now.IsZero() {
		now = time.Now()
	}
	if now.Unix() >= c.Expiry {
		return fmt.Errorf("%w at %s", ErrExpired, time.Unix(c.Expiry, 0).UTC().Format(time.RFC3339))
	}
	if !c.Audience.Admits(want.NFType, want.InstanceID) {
		return ErrAudience
	}
	if !c.HasScope(want.Scope) {
		return fmt.Errorf("%w %q", ErrScope, want.Scope)
	}
	return nil
}

// Parse checks the token's form and signature and returns its claims,
// without checking expiry, audience or scope.
func Parse(token string, key VerifyKey) (Claims, error) {
	if key.pub == nil {
		return Claims{}, errors.New("accesstoken: no verify key")
	}
	if len(token) > MaxTokenLen {
		return Claims{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxTokenLen)
	}
	hb, pb, sb, ok := split(token)
	if !ok {
		return Claims{}, fmt.Errorf("%w: want three base64url parts", ErrMalformed)
	}
	var h header
	if err := json.Unmarshal(hb, &h); err != nil {
		return Claims{}, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	if h.Alg != "ES256" {
		return Claims{}, fmt.Errorf("%w: algorithm %q, want ES256", ErrMalformed, h.Alg)
	}
	if len(h.Crit) > 0 {
		// RFC 7515 §4.1.11: extensions we do not understand.
		return Claims{}, fmt.Errorf("%w: critical header extensions %q", ErrMalformed, h.Crit)
	}
	if len(sb) != 64 {
		return Claims{}, fmt.Errorf("%w: signature of %d bytes, want 64", ErrMalformed, len(sb))
	}
	sum := sha256.Sum256([]byte(token[:strings.LastIndexByte(token, '.')]))
	r := new(big.Int).SetBytes(sb[:32])
	s := new(big.Int).SetBytes(sb[32:])
	if !ecdsa.Verify(key.pub, sum[:], r, s) {
		return Claims{}, ErrSignature
	}
	var c Claims
	if err := json.Unmarshal(pb, &c); err != nil {
		return Claims{}, fmt.Errorf("%w: claims: %v", ErrMalformed, err)
	}
	if err := c.check(); err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return c, nil
}

func split(token string) (h, p, s []byte, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, nil, nil, false
	}
	var out [3][]byte
	for i, part := range parts {
		b, err := base64.RawURLEncoding.Strict().DecodeString(part)
		if err != nil || len(b) == 0 {
			return nil, nil, nil, false
		}
		out[i] = b
	}
	return out[0], out[1], out[2], true
}

// check enforces the mandatory claims of TS 29.510 §6.3.5.2.4.
func (c Claims) check() error {
	switch {
	case c.Issuer == "":
		return errors.New("accesstoken: claims: no iss")
	case c.Subject == "":
		return errors.New("accesstoken: claims: no sub")
	case c.Audience.NFType == "" && len(c.Audience.Instances) == 0:
		return errors.New("accesstoken: claims: no aud")
	case c.Audience.NFType != "" && len(c.Audience.Instances) > 0:
		return errors.New("accesstoken: claims: aud is an NF type or instances, not both")
	case !ValidScope(c.Scope):
		return fmt.Errorf("accesstoken: claims: scope %q: want service names separated by spaces", c.Scope)
	case c.Expiry <= 0:
		return errors.New("accesstoken: claims: no exp")
	}
	return nil
}
