package sbihttp

import (
	"net/http"
	"net/url"
	"strings"
)

// Respond answers with status and v as application/json.
func Respond(w http.ResponseWriter, status int, v any) error {
	return RespondAs(w, status, ContentJSON, v)
}

// RespondAs answers with status and v as JSON of media type contentType
// (ContentHAL where the operation's document says so).
func RespondAs(w http.ResponseWriter, status int, contentType string, v any) error {
	writeJSON(w, status, contentType, v)
	return nil
}

// Created answers 201 Created with the new resource's URI in Location
// (TS 29.500 §5.2.7.1, TS 29.501 §4.5.2) and v as its representation in
// application/json.
func Created(w http.ResponseWriter, location string, v any) error {
	return CreatedAs(w, location, ContentJSON, v)
}

// CreatedAs is Created with the representation in contentType.
func CreatedAs(w http.ResponseWriter, location, contentType string, v any) error {
	w.Header().Set("Location", location)
	return RespondAs(w, http.StatusCreated, contentType, v)
}

// NoContent answers 204 No Content.
func NoContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// APIRoot is the apiRoot r was sent to ("http://host:port"), to build
// the absolute URIs of Location headers and _links (TS 29.501 §4.4.1):
// the 3gpp-Sbi-Target-apiRoot header when an SCP set it, else the scheme
// and the Host of the request.
func APIRoot(r *http.Request) string {
	if root := r.Header.Get(HeaderTargetAPIRoot); root != "" {
		if u, err := url.Parse(root); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			return strings.TrimSuffix(root, "/")
		}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// ResourceURI joins apiRoot, the service prefix ("/nausf-auth/v1") and
// path segments, escaping each segment.
func ResourceURI(apiRoot, prefix string, segments ...string) string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(apiRoot, "/"))
	b.WriteString(prefix)
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// Prefix is the path under which the service's operations live:
// "/<name>/<version>".
func (svc *Service) Prefix() string { return svc.prefix }
