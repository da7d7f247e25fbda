package sbihttp

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp/h2client"
	"github.com/keelcore/keel/internal/strictjson"
)

// Resolver gives the apiRoots ("http://10.0.0.5:8080") of the instances
// serving a service ("nudm-ueau"), the preferred first. StaticResolver is
// fixed configuration; NRF discovery (TS 29.510 §5.3) is another. It is
// called once per call and must be safe for concurrent use.
type Resolver interface {
	Resolve(ctx context.Context, serviceName string) ([]string, error)
}

// StaticResolver maps service names to apiRoots.
type StaticResolver map[string][]string

// Resolve returns the apiRoots configured for serviceName.
func (s StaticResolver) Resolve(_ context.Context, serviceName string) ([]string, error) {
	roots := s[serviceName]
	if len(roots) == 0 {
		return nil, fmt.Errorf("sbihttp: no instance of %s configured: %w", serviceName, sbi.ErrNoInstance)
	}
	return roots, nil
}

// TokenSource returns the OAuth2 access token for calling serviceName
// (TS 33.501 §13.4.1.2, obtained from the NRF's Nnrf_AccessToken), sent
// as "Authorization: Bearer <token>". It must be safe for concurrent use
// and cache tokens until they expire.
type TokenSource func(ctx context.Context, serviceName string) (string, error)

// ClientConfig configures a Client.
type ClientConfig struct {
	// Resolver gives the instances of each service. Required unless
	// every Request names its URI.
	Resolver Resolver
	// Token, when set, authorises every request with a bearer token.
	Token TokenSource
	// InvalidateToken, when set with Token, drops the cached token of a
	// service whose producer refused it as invalid_token (401, RFC 6750
	// §3.1: expired, or signed with a key the producer does not hold);
	// the request is then sent once more with a fresh token.
	InvalidateToken func(serviceName string)
	// Timeout bounds each attempt, one request to one instance, from
	// sending to the whole answer read (TS 29.500 §6.11 request timeout);
	// 0 means DefaultTimeout. The caller's context bounds the whole call.
	Timeout time.Duration
	// MaxAttempts bounds how many instances a call tries; 0 means 3.
	MaxAttempts int
	// TLS configures https apiRoots: RootCAs to verify the server, and
	// Certificates for mutual TLS. http apiRoots speak h2c.
	TLS *tls.Config
	// Transport replaces the HTTP/2 transport, e.g. with the validating
	// RoundTripper of package openapitest around NewTransport's.
	Transport http.RoundTripper
	// UserAgent, when set, is the User-Agent of every request: the NF
	// type of the consumer, then "-" and what identifies it further
	// (TS 29.500 §5.2.2.2, Table 5.2.2.2-1); UserAgent builds it. A
	// request's own User-Agent header wins.
	UserAgent string
}

// UserAgent is the User-Agent of an NF's requests, "<NF type>-<NF
// instance ID>" ("AMF-6f1c..."): TS 29.500 §5.2.2.2 has the header
// identify the NF type of the HTTP/2 client, its value starting with the
// NF type followed by "-" and any other specific information.
func UserAgent(nfType, instanceID string) string {
	if instanceID == "" {
		return nfType
	}
	return nfType + "-" + instanceID
}

// DefaultTimeout is an attempt's deadline when ClientConfig leaves it 0.
const DefaultTimeout = 5 * time.Second

// NewTransport returns an HTTP/2-only transport: h2c with prior
// knowledge for http URLs, on package h2client (one write per request,
// one reading goroutine per connection), and HTTP/2 over TLS (tlsConfig)
// for https ones, on net/http's transport.
func NewTransport(tlsConfig *tls.Config) http.RoundTripper {
	var protocols http.Protocols
	protocols.SetHTTP2(true)
	return &h2client.Transport{Fallback: &http.Transport{
		Protocols:           &protocols,
		TLSClientConfig:     tlsConfig,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     2 * time.Minute,
		HTTP2:               &http.HTTP2Config{MaxConcurrentStreams: 1000, PingTimeout: 5 * time.Second, SendPingTimeout: 30 * time.Second},
	}}
}

// Client calls SBI services over HTTP/2.
//
// Concurrency: a Client is safe for concurrent use; its only mutable
// state is an atomic counter that spreads calls over the instances.
type Client struct {
	cfg  ClientConfig
	hc   *http.Client
	next atomic.Uint64
}

// NewClient returns a client for cfg.
func NewClient(cfg ClientConfig) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	rt := cfg.Transport
	if rt == nil {
		rt = NewTransport(cfg.TLS)
	}
	return &Client{cfg: cfg, hc: &http.Client{
		Transport: rt,
		// A redirect is not an SBI answer to follow blindly
		// (TS 29.500 §6.10.9 redirects to another instance are left out).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// CloseIdle closes the client's idle connections.
func (c *Client) CloseIdle() { c.hc.CloseIdleConnections() }

// Request is one SBI call.
type Request struct {
	// Service and Version select the API: the path goes below
	// {apiRoot}/<Service>/<Version> of each instance the Resolver gives.
	Service, Version string
	// Method and Path: Path below the service prefix, each segment
	// escaped (use Path to build it).
	Method, Path string
	// URI, when set, is the absolute URI of a resource an earlier answer
	// named (a Location): the call goes there and to no other instance.
	URI   string
	Query url.Values
	// Body is marshalled to JSON unless nil.
	Body any
	// Raw, when set, is the body as it goes (a multipart/related body of
	// EncodeParts), in place of Body.
	Raw []byte
	// ContentType of Body or Raw; "" means application/json.
	ContentType string
	// Header holds extra headers (3gpp-Sbi-Callback).
	Header http.Header
}

// Response is what a successful call answered.
type Response struct {
	Status int
	Header http.Header
	// Location is the created resource's URI of a 201.
	Location string
	// Body is the answer's body as it came, for an answer out cannot
	// hold (multipart/related, DecodeParts).
	Body []byte
}

// AnswerError is an error answer (3xx to 5xx): the sbi error it stands
// for, which it wraps, and the answer itself, for an operation whose
// error answers carry more than a ProblemDetails (TS 29.502
// SmContextCreateError with the N1 SM message).
type AnswerError struct {
	Status int
	Header http.Header
	Body   []byte
	err    error
}

func (e *AnswerError) Error() string { return e.err.Error() }
func (e *AnswerError) Unwrap() error { return e.err }

// Path joins escaped segments into a path: Path("ue-authentications",
// id, "5g-aka-confirmation").
func Path(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// Do performs req and decodes a 2xx answer's JSON body into out (unless
// out is nil or the answer has no body). An error answer returns the
// sentinel of internal/sbi its ProblemDetails stands for, so errors.Is
// works as in one process.
//
// A connection that fails or an attempt that times out, and a 5xx answer,
// make Do try the next instance the Resolver gave (at most MaxAttempts;
// TS 29.500 §6.10.3 re-selection): the last failure is returned, a
// connection failure wrapping sbi.ErrNoInstance.
func (c *Client) Do(ctx context.Context, req Request, out any) (Response, error) {
	body := req.Raw
	if body == nil && req.Body != nil {
		var err error
		if body, err = marshal(req.Body); err != nil {
			return Response{}, fmt.Errorf("sbihttp: %s %s: marshal: %w", req.Method, req.Path, err)
		}
	}
	targets, err := c.targets(ctx, req)
	if err != nil {
		return Response{}, err
	}
	var last error
	for _, target := range targets {
		resp, err, retry := c.attempt(ctx, req, target, body, out)
		var stale *staleToken
		if errors.As(err, &stale) && c.cfg.InvalidateToken != nil && ctx.Err() == nil {
			// The request had a token: its scope is known.
			c.cfg.InvalidateToken(tokenScope(req))
			resp, err, retry = c.attempt(ctx, req, target, body, out)
		}
		if !retry {
			return resp, err
		}
		last = err
		if ctx.Err() != nil {
			break
		}
	}
	return Response{}, last
}

// targets gives the URIs to try, in order.
func (c *Client) targets(ctx context.Context, req Request) ([]string, error) {
	if req.URI != "" {
		u, err := url.Parse(req.URI)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("sbihttp: resource URI %q: %w", req.URI, sbi.ErrInvalidRequest)
		}
		return []string{strings.TrimSuffix(req.URI, "/") + req.Path}, nil
	}
	if c.cfg.Resolver == nil {
		return nil, fmt.Errorf("sbihttp: no resolver for %s: %w", req.Service, sbi.ErrNoInstance)
	}
	roots, err := c.cfg.Resolver.Resolve(ctx, req.Service)
	if err != nil {
		return nil, fmt.Errorf("sbihttp: resolve %s: %w", req.Service, err)
	}
	if len(roots) == 0 {
		return nil, fmt.Errorf("sbihttp: no instance of %s: %w", req.Service, sbi.ErrNoInstance)
	}
	n := min(len(roots), c.cfg.MaxAttempts)
	start := int(c.next.Add(1) % uint64(len(roots)))
	version := req.Version
	if version == "" {
		version = "v1"
	}
	uris := make([]string, n)
	for i := range uris {
		uris[i] = strings.TrimSuffix(roots[(start+i)%len(roots)], "/") + "/" + req.Service + "/" + version + req.Path
	}
	return uris, nil
}

// attempt sends req to uri once. retry reports whether another instance
// may serve it: the connection failed or timed out, or the answer was 5xx.
func (c *Client) attempt(ctx context.Context, req Request, uri string, body []byte, out any) (Response, error, bool) {
	// The attempt's deadline (TS 29.500 §6.11): a caller's deadline that
	// comes first bounds the attempt already, and spares it a context
	// and a timer of its own (one per SBI call).
	actx := ctx
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > c.cfg.Timeout {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
	}
	if len(req.Query) > 0 {
		uri += "?" + req.Query.Encode()
	}
	var token string
	// A notification to a callback URI names no service: no NF service's
	// scope grants it, and it goes without a token.
	if scope := tokenScope(req); c.cfg.Token != nil && scope != "" && scope != CallbackService {
		tok, err := c.cfg.Token(ctx, scope)
		if err != nil {
			return Response{}, fmt.Errorf("sbihttp: access token for %s: %w", scope, err), false
		}
		token = "Bearer " + tok
	}
	var ans h2client.Answer
	var err error
	if h2c, ok := c.hc.Transport.(*h2client.Transport); ok && directTarget(uri) {
		ans, err = c.exchange(actx, h2c, req, uri, body, token)
	} else {
		ans, err = c.roundTrip(actx, req, uri, body, token)
	}
	if err != nil {
		if errors.Is(err, sbi.ErrInvalidRequest) {
			return Response{}, err, false
		}
		if ctx.Err() != nil {
			// The caller gave up: no other instance either.
			return Response{}, fmt.Errorf("sbihttp: %s %s: %w", req.Method, uri, ctx.Err()), false
		}
		return Response{}, fmt.Errorf("sbihttp: %s %s: %w: %w", req.Method, uri, sbi.ErrNoInstance, err), true
	}
	data := ans.Body
	if len(data) > DefaultMaxBody+1 {
		data = data[:DefaultMaxBody+1] // as a reader limited to it reads
	}
	resp := Response{Status: ans.Status, Header: ans.Header, Location: ans.Header.Get("Location"), Body: data}
	if ans.Status >= 300 {
		err := fmt.Errorf("sbihttp: %s %s: %w", req.Method, uri,
			&AnswerError{Status: ans.Status, Header: ans.Header, Body: data, err: answerError(ans.Status, ans.Header, data)})
		if ans.Status == http.StatusUnauthorized && c.cfg.Token != nil && invalidToken(ans.Header.Values("WWW-Authenticate")) {
			err = &staleToken{err}
		}
		return Response{}, err, ans.Status >= 500
	}
	if out != nil && len(data) > 0 && ans.Status != http.StatusNoContent {
		if err := unmarshalAnswer(data, out); err != nil {
			return resp, fmt.Errorf("sbihttp: %s %s: answer: %w: %v", req.Method, uri, sbi.ErrInvalidMsgFormat, err), false
		}
	}
	return resp, nil, false
}

// directTarget reports whether uri is an http URI whose authority and
// path-and-query go on the wire as they are: an h2c exchange without
// net/http's request (see h2client.Exchange). Any other goes through
// net/http, which parses and escapes it.
func directTarget(uri string) bool {
	rest, ok := strings.CutPrefix(uri, "http://")
	if !ok || rest == "" {
		return false
	}
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case c <= ' ' || c >= 0x7f || c == '#' || c == '@' || c == '\\':
			return false
		}
	}
	return true
}

// splitTarget splits an http URI directTarget accepted into its
// authority and its path and query ("/" when it has no path).
func splitTarget(uri string) (authority, path string) {
	rest := strings.TrimPrefix(uri, "http://")
	i := strings.IndexAny(rest, "/?")
	if i < 0 {
		return rest, "/"
	}
	authority, path = rest[:i], rest[i:]
	if path[0] == '?' {
		path = "/" + path
	}
	return authority, path
}

// exchange makes one attempt as an h2client.Exchange.
func (c *Client) exchange(ctx context.Context, t *h2client.Transport, req Request, uri string, body []byte, token string) (h2client.Answer, error) {
	authority, path := splitTarget(uri)
	x := h2client.Exchange{Method: req.Method, Authority: authority, Path: path, Body: body, Authorization: token}
	if len(req.Header) > 0 {
		x.Header = make(http.Header, len(req.Header))
		for k, vs := range req.Header {
			x.Header[http.CanonicalHeaderKey(k)] = vs
		}
	}
	if body != nil {
		x.ContentType = req.ContentType
		if x.ContentType == "" {
			x.ContentType = ContentJSON
		}
		delete(x.Header, "Content-Type")
	}
	if c.cfg.UserAgent != "" && x.Header.Get("User-Agent") == "" {
		x.UserAgent = c.cfg.UserAgent
	}
	if x.Header.Get("Accept") == "" {
		x.Accept = acceptAll
	}
	if token != "" {
		delete(x.Header, "Authorization")
	}
	return t.Exchange(ctx, &x)
}

// acceptAll is what an SBI client accepts (TS 29.500 §5.2.2.2).
const acceptAll = ContentJSON + ", " + ContentHAL + ", " + ContentProblem

// roundTrip makes one attempt through net/http.
func (c *Client) roundTrip(ctx context.Context, req Request, uri string, body []byte, token string) (h2client.Answer, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, uri, rd)
	if err != nil {
		return h2client.Answer{}, fmt.Errorf("sbihttp: %s %s: %w: %v", req.Method, uri, sbi.ErrInvalidRequest, err)
	}
	for k, vs := range req.Header {
		hr.Header[k] = vs
	}
	if body != nil {
		ct := req.ContentType
		if ct == "" {
			ct = ContentJSON
		}
		hr.Header.Set("Content-Type", ct)
	}
	if c.cfg.UserAgent != "" && hr.Header.Get("User-Agent") == "" {
		hr.Header.Set("User-Agent", c.cfg.UserAgent)
	}
	if hr.Header.Get("Accept") == "" {
		hr.Header.Set("Accept", acceptAll)
	}
	if token != "" {
		hr.Header.Set("Authorization", token)
	}
	hresp, err := c.hc.Do(hr)
	if err != nil {
		return h2client.Answer{}, err
	}
	defer hresp.Body.Close()
	data, err := readSized(io.LimitReader(hresp.Body, DefaultMaxBody+1), hresp.ContentLength)
	if err != nil {
		return h2client.Answer{}, fmt.Errorf("reading answer: %w", err)
	}
	return h2client.Answer{Status: hresp.StatusCode, Header: hresp.Header, Body: data}, nil
}

// tokenScope is the service a request's token is for: its Service, or
// for a request to a resource URI an earlier answer gave, the API name
// of that URI, {apiRoot}/{apiName}/{apiVersion}/... (TS 29.501 §4.4.1),
// the segment before the first version segment ("v1").
func tokenScope(req Request) string {
	if req.Service != "" || req.URI == "" {
		return req.Service
	}
	u, err := url.Parse(req.URI)
	if err != nil {
		return ""
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i := 0; i+1 < len(segs); i++ {
		v := segs[i+1]
		if len(v) > 1 && v[0] == 'v' && strings.Trim(v[1:], "0123456789") == "" {
			return segs[i]
		}
	}
	return ""
}

// staleToken is a 401 answer to a request with a token, whose challenge
// says invalid_token: a fresh token may be let through.
type staleToken struct{ err error }

func (s *staleToken) Error() string { return s.err.Error() }
func (s *staleToken) Unwrap() error { return s.err }

// invalidToken reports whether a WWW-Authenticate challenge of the Bearer
// scheme carries error="invalid_token" (RFC 6750 §3).
func invalidToken(challenges []string) bool {
	for _, c := range challenges {
		scheme, params, _ := strings.Cut(strings.TrimSpace(c), " ")
		if !strings.EqualFold(scheme, "Bearer") {
			continue
		}
		for _, p := range strings.Split(params, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "error") && strings.Trim(strings.TrimSpace(v), `"`) == "invalid_token" {
				return true
			}
		}
	}
	return false
}

// answerError maps an error answer to an sbi error: its ProblemDetails
// when it has one, else its status alone.
func answerError(status int, header http.Header, data []byte) error {
	var pd ProblemDetails
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	if mt == ContentProblem || mt == ContentJSON {
		if err := json.Unmarshal(data, &pd); err != nil {
			pd = ProblemDetails{}
		}
	}
	if pd.Status != 0 && pd.Status != status {
		// TS 29.571 §5.2.4.1: status, when present, repeats the HTTP
		// status; trust the HTTP one.
		pd.Status = status
	}
	return errorFromProblem(status, pd)
}

// IsConnectionError reports whether err is a failure to reach an
// instance rather than an answer.
func IsConnectionError(err error) bool {
	return errors.Is(err, sbi.ErrNoInstance)
}

// unmarshalAnswer reads an answer's body into out as json.Unmarshal does:
// an attribute out's type does not define is skipped (a peer may be of
// a later release), with out's own decoder when it has one.
func unmarshalAnswer(data []byte, out any) error {
	d, ok := out.(JSONDecoder)
	if !ok {
		return json.Unmarshal(data, out)
	}
	r := strictjson.NewReader(data, true)
	d.DecodeJSON(r)
	return r.Finish()
}
