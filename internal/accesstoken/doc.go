// Package accesstoken signs and verifies the OAuth 2.0 access tokens of
// the 5G core's service-based interfaces: a JSON Web Token (RFC 7519) in
// JWS compact serialisation (RFC 7515 §7.1), signed with ES256 (ECDSA on
// P-256 with SHA-256, RFC 7518 §3.4), carrying the AccessTokenClaims of
// TS 29.510 §6.3.5.2.4.
//
// The NRF signs (TS 33.501 §13.4.1.1: the NRF is the authorization server
// and issues the token after checking the consumer); an NF service
// producer verifies (TS 33.501 §13.4.1.2: integrity with the NRF's public
// key, the expiry, that the audience is its NF type or its instance, and
// that the scope names the service asked for).
//
// # Producers
//
// Authorizer gives an sbihttp.Server the check of every request's
// bearer token (sbihttp.ServerConfig.Authorize): enabling it is the
// producer's configuration; without it the server serves every request.
// Refusals are ProblemDetails (401 or 403, TS 29.500 §5.2.7) with the
// WWW-Authenticate challenge of RFC 6750 §3: "Bearer" without a token,
// error="invalid_token" for a malformed, forged, expired or
// wrong-audience one, error="insufficient_scope" with the scope wanted.
//
// # Keys
//
// SigningKey holds the NRF's private key. It prints as REDACTED through
// fmt, log/slog and encoding/json, so a configuration dump or a log line
// never discloses it; PEM reveals it on purpose for a key file.
// VerifyKey is the public half, safe to print and to distribute.
// LoadOrCreateSigningKey keeps the NRF's key in a file (mode 0600, made
// whole or not at all, refused when others may read it), so that a
// restarted NRF signs with the key the producers hold; LoadVerifyKey
// reads the producers' copy of its public half.
//
// # Errors
//
// Verify returns an error wrapping one of ErrMalformed, ErrSignature,
// ErrExpired, ErrAudience or ErrScope, so that a producer can answer with
// the right status: RFC 6750 §3.1 invalid_token (401) for the first three,
// insufficient_scope (403) for the scope and, in TS 29.500 §5.2.7.2 terms,
// a wrong audience is a token for another producer (401).
//
// # Concurrency
//
// Sign and Verify are pure functions of their arguments; keys are
// immutable and safe to share between goroutines.
//
// # Spec conformance
//
// Only ES256 is produced and accepted; a token naming another algorithm
// ("none", HS256, ...) is refused before any signature check, so an
// attacker cannot pick the algorithm (RFC 8725 §3.1).
package accesstoken
