// Package client is a Go client for Keel's management API, used by the
// `keel subscriber`, `keel ue` and `keel hnkey` commands and by the
// simulator's provisioning.
//
// A Client is safe for concurrent use.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/secret"
)

// Client talks to one Keel management API.
type Client struct {
	base  string
	token secret.Token
	http  *http.Client
	// upload sends imports: the core reads an import as it stores it, so
	// sending takes as long as storing, without bound; only the wait for
	// the answer once the body is sent is bounded.
	upload *http.Client
}

// answerTimeout bounds a request, and the wait for an import's answer
// once its body is sent.
const answerTimeout = 5 * time.Minute

// New returns a client for the API at base (e.g. "http://127.0.0.1:8080").
func New(base string, token secret.Token) *Client {
	return newClient(base, token, answerTimeout)
}

func newClient(base string, token secret.Token, timeout time.Duration) *Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = timeout
	return &Client{
		base:   strings.TrimRight(base, "/"),
		token:  token,
		http:   &http.Client{Timeout: timeout},
		upload: &http.Client{Transport: t},
	}
}

// Error is an answer other than success. Body is the API's error, when the
// answer carried one.
type Error struct {
	Status int
	Body   api.Error
}

func (e *Error) Error() string {
	msg := e.Body.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	if e.Body.Field != "" {
		msg = e.Body.Field + ": " + msg
	}
	return fmt.Sprintf("api: %s (HTTP %d)", msg, e.Status)
}

// IsStatus reports whether err is an API answer with the given status.
func IsStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}

// CreateSubscriber adds a subscriber.
func (c *Client) CreateSubscriber(ctx context.Context, req api.SubscriberRequest) (api.Subscriber, error) {
	var out api.Subscriber
	err := c.do(ctx, http.MethodPost, "/api/v1/subscribers", "application/json", jsonBody(req), &out)
	return out, err
}

// GetSubscriber reads a subscriber.
func (c *Client) GetSubscriber(ctx context.Context, supi string) (api.Subscriber, error) {
	var out api.Subscriber
	err := c.do(ctx, http.MethodGet, "/api/v1/subscribers/"+url.PathEscape(supi), "", nil, &out)
	return out, err
}

// UpdateSubscriber changes the fields present in req (PATCH).
func (c *Client) UpdateSubscriber(ctx context.Context, supi string, req api.SubscriberRequest) (api.Subscriber, error) {
	var out api.Subscriber
	err := c.do(ctx, http.MethodPatch, "/api/v1/subscribers/"+url.PathEscape(supi), "application/json", jsonBody(req), &out)
	return out, err
}

// DeleteSubscriber removes a subscriber.
func (c *Client) DeleteSubscriber(ctx context.Context, supi string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/subscribers/"+url.PathEscape(supi), "", nil, nil)
}

// ListQuery selects a page of subscribers.
type ListQuery struct {
	Limit      int
	After      string
	SUPIPrefix string
	DNN        string
}

// ListSubscribers reads one page.
func (c *Client) ListSubscribers(ctx context.Context, q ListQuery) (api.SubscriberList, error) {
	v := url.Values{}
	if q.Limit > 0 {
		v.Set("limit", fmt.Sprint(q.Limit))
	}
	for k, s := range map[string]string{"after": q.After, "supi_prefix": q.SUPIPrefix, "dnn": q.DNN} {
		if s != "" {
			v.Set(k, s)
		}
	}
	path := "/api/v1/subscribers"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	var out api.SubscriberList
	err := c.do(ctx, http.MethodGet, path, "", nil, &out)
	return out, err
}

// ImportSubscribers sends an import file; contentType is "application/json"
// or "text/csv". When the whole file was sent but no answer came (the
// connection dropped, the client timed out), the error is an
// *UnansweredError: the core may have stored the import.
func (c *Client) ImportSubscribers(ctx context.Context, body io.Reader, contentType string) (api.ImportResult, error) {
	var out api.ImportResult
	sent := &sentReader{r: body}
	err := c.send(ctx, c.upload, http.MethodPost, "/api/v1/subscribers/import", contentType, sent, &out)
	var answered *Error
	if err != nil && sent.all && !errors.As(err, &answered) {
		err = &UnansweredError{Err: err}
	}
	return out, err
}

// UnansweredError is a request that was sent whole but never answered:
// the core may or may not have carried it out.
type UnansweredError struct {
	Err error
}

func (e *UnansweredError) Error() string {
	return "api: sent, but no answer came (the core may have carried it out): " + e.Err.Error()
}

func (e *UnansweredError) Unwrap() error { return e.Err }

// sentReader notes whether its reader was read to the end.
type sentReader struct {
	r   io.Reader
	all bool
}

func (s *sentReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if errors.Is(err, io.EOF) {
		s.all = true
	}
	return n, err
}

// HomeNetworkKeys reads the home network public keys.
func (c *Client) HomeNetworkKeys(ctx context.Context) (api.HNKeyList, error) {
	var out api.HNKeyList
	err := c.do(ctx, http.MethodGet, "/api/v1/home-network-keys", "", nil, &out)
	return out, err
}

// UEs lists the UE contexts, by SUPI.
func (c *Client) UEs(ctx context.Context) (api.UEList, error) {
	var out api.UEList
	err := c.do(ctx, http.MethodGet, "/api/v1/ues", "", nil, &out)
	return out, err
}

// UE reads one UE context.
func (c *Client) UE(ctx context.Context, supi string) (api.UEInfo, error) {
	var out api.UEInfo
	err := c.do(ctx, http.MethodGet, "/api/v1/ues/"+url.PathEscape(supi), "", nil, &out)
	return out, err
}

// DeregisterUE starts a network-initiated deregistration.
func (c *Client) DeregisterUE(ctx context.Context, supi string) error {
	return c.do(ctx, http.MethodPost, "/api/v1/ues/"+url.PathEscape(supi)+"/deregister", "", nil, nil)
}

// Get reads any JSON resource under the API (e.g. "/api/v1/gnbs") into out.
func (c *Client) Get(ctx context.Context, path string, out any) error {
	return c.do(ctx, http.MethodGet, path, "", nil, out)
}

func jsonBody(v any) io.Reader {
	b, err := json.Marshal(v)
	if err != nil {
		// Request types hold only strings, numbers and slices of them.
		panic("client: cannot encode request: " + err.Error())
	}
	return bytes.NewReader(b)
}

func (c *Client) do(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	return c.send(ctx, c.http, method, path, contentType, body, out)
}

func (c *Client) send(ctx context.Context, hc *http.Client, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("api: %w", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+c.token.Reveal())
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("api: cannot reach %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("api: reading answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		e := &Error{Status: resp.StatusCode}
		json.Unmarshal(data, &e.Body) // A body that is not an api.Error leaves the status text.
		return e
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("api: malformed answer from %s: %w", c.base, err)
	}
	return nil
}
