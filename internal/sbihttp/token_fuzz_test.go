package sbihttp

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// FuzzTokenChallenge: no WWW-Authenticate value a producer answers, and
// no resource URI an answer names, panics the client's reading of them;
// invalid_token is recognised only in a Bearer challenge's error
// parameter, and a token scope read from a URI is one of its segments.
func FuzzTokenChallenge(f *testing.F) {
	for _, s := range []struct{ challenge, uri string }{
		{`Bearer error="invalid_token", error_description="token expired"`, "http://10.0.0.1/nausf-auth/v1/ue-authentications/1/5g-aka-confirmation"},
		{`Bearer`, "http://10.0.0.1/callbacks/v1/sm-policy/update"},
		{`Bearer error="insufficient_scope", scope="nudm-sdm"`, "https://udm.example/nudm-sdm/v2/imsi-1/am-data"},
		{`Basic realm="invalid_token"`, "::"},
		{`bearer ERROR=invalid_token,`, "http://[::1]/a/v/b"},
	} {
		f.Add(s.challenge, s.uri)
	}
	f.Fuzz(func(t *testing.T, challenge, uri string) {
		if invalidToken([]string{challenge}) {
			scheme, _, _ := strings.Cut(strings.TrimSpace(challenge), " ")
			if !strings.EqualFold(scheme, "Bearer") || !strings.Contains(challenge, "invalid_token") {
				t.Errorf("invalidToken(%q) = true", challenge)
			}
		}
		if scope := tokenScope(Request{URI: uri}); scope != "" {
			u, err := url.Parse(uri)
			if err != nil || !slices.Contains(strings.Split(u.Path, "/"), scope) {
				t.Errorf("tokenScope(%q) = %q, not a segment of its path", uri, scope)
			}
		}
	})
}
