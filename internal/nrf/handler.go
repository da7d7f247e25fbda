package nrf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// Service names of the NRF's APIs, as an sbihttp.Authorizer sees them.
const (
	ServiceNFM   = "nnrf-nfm"
	ServiceDisc  = "nnrf-disc"
	ServiceToken = "oauth2"
)

// Routes registers the NRF's HTTP/2 binding on srv (TS 29.510 §6.1–6.3):
// {apiRoot}/nnrf-nfm/v1 (nf-instances, subscriptions),
// {apiRoot}/nnrf-disc/v1/nf-instances and {apiRoot}/oauth2/token.
func (n *NRF) Routes(srv *sbihttp.Server) {
	nfm := srv.Service(ServiceNFM, "v1")
	nfm.Handle("PUT /nf-instances/{nfInstanceID}", n.httpRegister)
	nfm.Handle("PATCH /nf-instances/{nfInstanceID}", n.httpUpdate)
	nfm.Handle("DELETE /nf-instances/{nfInstanceID}", n.httpDeregister)
	nfm.Handle("GET /nf-instances/{nfInstanceID}", n.httpProfile)
	nfm.Handle("GET /nf-instances", n.httpList)
	nfm.Handle("POST /subscriptions", n.httpSubscribe)
	nfm.Handle("PATCH /subscriptions/{subscriptionID}", n.httpUpdateSubscription)
	nfm.Handle("DELETE /subscriptions/{subscriptionID}", n.httpUnsubscribe)
	disc := srv.Service(ServiceDisc, "v1")
	disc.Handle("GET /nf-instances", n.httpDiscover)
	tok := srv.Service(ServiceToken, "")
	tok.Handle("POST /token", n.httpToken)
}

func (n *NRF) httpRegister(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r, sbihttp.ContentJSON)
	if err != nil {
		return err
	}
	id := r.PathValue("nfInstanceID")
	if !nnrf.ValidInstanceID(id) {
		return sbihttp.InvalidParamError(sbi.ErrInvalidRequest, "nfInstanceID", "not a UUID")
	}
	doc, created, err := n.Register(id, body)
	if err != nil {
		return problem(err)
	}
	if created {
		return sbihttp.Created(w, sbihttp.ResourceURI(sbihttp.APIRoot(r), "/nnrf-nfm/v1", "nf-instances", id), doc)
	}
	return sbihttp.Respond(w, http.StatusOK, doc)
}

func (n *NRF) httpUpdate(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r, sbihttp.ContentJSONPatch)
	if err != nil {
		return err
	}
	doc, heartbeat, err := n.Update(r.PathValue("nfInstanceID"), body)
	if err != nil {
		return problem(err)
	}
	if heartbeat {
		// TS 29.510 §5.2.2.3.2: a heartbeat is answered 204 No Content.
		return sbihttp.NoContent(w)
	}
	return sbihttp.Respond(w, http.StatusOK, doc)
}

func (n *NRF) httpDeregister(w http.ResponseWriter, r *http.Request) error {
	if err := n.Deregister(r.PathValue("nfInstanceID")); err != nil {
		return problem(err)
	}
	return sbihttp.NoContent(w)
}

func (n *NRF) httpProfile(w http.ResponseWriter, r *http.Request) error {
	doc, err := n.Profile(r.PathValue("nfInstanceID"))
	if err != nil {
		return problem(err)
	}
	return sbihttp.Respond(w, http.StatusOK, doc)
}

// httpList answers a UriList (TS 29.510 §6.1.6.2.27) in
// application/3gppHal+json: _links with the item URIs and self.
func (n *NRF) httpList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for k := range q {
		if k != "nf-type" && k != "limit" && k != "page-number" && k != "page-size" {
			return sbihttp.InvalidParamError(sbi.ErrInvalidQueryParam, k, "not a parameter of NFListRetrieval")
		}
	}
	limit := 0
	if v := q.Get("limit"); v != "" {
		var err error
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			return sbihttp.InvalidParamError(sbi.ErrInvalidQueryParam, "limit", "want an integer of at least 1")
		}
	}
	uris := n.List(sbi.NFType(q.Get("nf-type")), limit)
	links := map[string]any{"self": map[string]string{"href": sbihttp.APIRoot(r) + r.URL.RequestURI()}}
	if len(uris) > 0 {
		items := make([]map[string]string, len(uris))
		for i, u := range uris {
			items[i] = map[string]string{"href": u}
		}
		links["items"] = items
	}
	return sbihttp.RespondAs(w, http.StatusOK, sbihttp.ContentHAL, map[string]any{"_links": links, "totalItemCount": len(uris)})
}

func (n *NRF) httpSubscribe(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r, sbihttp.ContentJSON)
	if err != nil {
		return err
	}
	s, err := n.Subscribe(body)
	if err != nil {
		return problem(err)
	}
	return sbihttp.Created(w, sbihttp.ResourceURI(sbihttp.APIRoot(r), "/nnrf-nfm/v1", "subscriptions", s.SubscriptionID), s)
}

func (n *NRF) httpUpdateSubscription(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r, sbihttp.ContentJSONPatch)
	if err != nil {
		return err
	}
	s, changed, err := n.UpdateSubscription(r.PathValue("subscriptionID"), body)
	if err != nil {
		return problem(err)
	}
	if changed {
		return sbihttp.Respond(w, http.StatusOK, s)
	}
	return sbihttp.NoContent(w)
}

func (n *NRF) httpUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	if err := n.Unsubscribe(r.PathValue("subscriptionID")); err != nil {
		return problem(err)
	}
	return sbihttp.NoContent(w)
}

func (n *NRF) httpDiscover(w http.ResponseWriter, r *http.Request) error {
	q, err := nnrf.ParseQuery(r.URL.Query())
	if err != nil {
		n.DiscoveryRefused(r.URL.Query().Get("target-nf-type"), err)
		return problem(err)
	}
	return sbihttp.Respond(w, http.StatusOK, n.Discover(q))
}

// httpToken is the token endpoint (TS 29.510 §6.3.3.2): a form in,
// AccessTokenRsp or, with 400, AccessTokenErr out, never cached
// (Cache-Control: no-store, Pragma: no-cache; RFC 6749 §5.1).
func (n *NRF) httpToken(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r, "application/x-www-form-urlencoded")
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	form, perr := url.ParseQuery(string(body))
	var terr *nnrf.AccessTokenErr
	var req nnrf.AccessTokenReq
	if perr != nil {
		terr = &nnrf.AccessTokenErr{Error: nnrf.InvalidRequest, ErrorDescription: "malformed form"}
		n.metrics.tokens.WithLabelValues(terr.Error).Inc()
	} else if req, terr = nnrf.ParseTokenForm(form); terr != nil {
		n.metrics.tokens.WithLabelValues(terr.Error).Inc()
	}
	if terr == nil {
		var rsp nnrf.AccessTokenRsp
		if rsp, terr = n.Token(req); terr == nil {
			return sbihttp.Respond(w, http.StatusOK, rsp)
		}
	}
	return sbihttp.Respond(w, http.StatusBadRequest, terr)
}

// readBody checks the media type and reads the body, answering faults as
// sbihttp.Decode does (TS 29.500 §5.2.7.2).
func readBody(r *http.Request, want string) ([]byte, error) {
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != want {
		return nil, sbihttp.InvalidParamError(sbi.ErrUnsupportedMediaType, "Content-Type", fmt.Sprintf("%q, want %s", ct, want))
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, fmt.Errorf("%w: body over %d bytes", sbi.ErrPayloadTooLarge, tooLarge.Limit)
		}
		return nil, fmt.Errorf("%w: reading body: %v", sbi.ErrInvalidMsgFormat, err)
	}
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty body", sbi.ErrInvalidMsgFormat)
	}
	return body, nil
}

// problem turns an nnrf refusal into the sbi error sbihttp answers with:
// the sentinel of the same status and cause when internal/sbi has one,
// else a Problem of its own; the attribute at fault in invalidParams.
func problem(err error) error {
	var e *nnrf.Error
	if !errors.As(err, &e) {
		return err
	}
	var p error
	for _, s := range sbi.Problems() {
		if s.Status == e.Status && s.Cause == e.Cause {
			p = fmt.Errorf("%w: %s", s, e.Msg)
			break
		}
	}
	if p == nil {
		p = sbi.NewProblem(e.Status, e.Cause, e.Error())
	}
	if e.Param != "" {
		return &sbihttp.ParamError{Err: p, Params: []sbihttp.InvalidParam{{Param: e.Param, Reason: e.Msg}}}
	}
	return p
}

// HTTPNotifier posts NF status notifications (TS 29.510 §6.1.5.2) to the
// subscribers' nfStatusNotificationUri with an sbihttp client.
type HTTPNotifier struct {
	Client *sbihttp.Client
}

// Notify posts the NotificationData; the subscriber answers 204.
func (h HTTPNotifier) Notify(ctx context.Context, uri string, n nnrf.NotificationData) error {
	_, err := h.Client.Do(ctx, sbihttp.Request{
		Method: http.MethodPost, URI: uri, Body: n,
		Header: http.Header{sbihttp.HeaderCallback: {"Nnrf_NFManagement_NFStatusNotify"}},
	}, nil)
	return err
}
