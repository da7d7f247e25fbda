package app

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/accesstoken"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// TestAuthorizerPerService: the audience a service's token needs is the
// NF type serving it, whichever NFs share the process's server; the
// NRF's services and the callbacks take no token.
func TestAuthorizerPerService(t *testing.T) {
	key, err := accesstoken.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	keys := &oauth2Keys{verify: key.Public()}
	keys.note(sbi.Profile{Type: sbi.NFTypeUDM, InstanceID: "udm-1"})
	authz, err := keys.authorizer()
	if err != nil || authz == nil {
		t.Fatalf("authorizer = %v, %v", authz, err)
	}
	token := func(aud, scope string) string {
		audience := accesstoken.Audience{NFType: aud}
		if strings.Contains(aud, "-") {
			audience = accesstoken.Audience{Instances: []string{aud}}
		}
		tok, err := accesstoken.Sign(key, accesstoken.Claims{Issuer: "nrf", Subject: "amf", Audience: audience,
			Scope: scope, Expiry: time.Now().Add(time.Minute).Unix()})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	for _, c := range []struct {
		service, token string
		want           error
	}{
		{"nnrf-nfm", "", nil},
		{"nnrf-disc", "", nil},
		{"oauth2", "", nil},
		{sbihttp.CallbackService, "", nil},
		{"nudm-sdm", "", sbi.ErrUnauthorized},
		{"nudm-sdm", token("UDM", "nudm-sdm"), nil},
		{"nausf-auth", token("AUSF", "nausf-auth"), nil},
		{"nudr-dr", token("UDR", "nudr-dr"), nil},
		{"nudr-dr", token("UDM", "nudr-dr"), sbi.ErrUnauthorized},
		{"nudm-sdm", token("UDM", "nudm-uecm"), sbi.ErrForbidden},
		{"nudm-sdm", token("udm-1", "nudm-sdm"), nil},
		{"nudm-sdm", token("udm-2", "nudm-sdm"), sbi.ErrUnauthorized},
		{"nudr-dr", token("udm-1", "nudr-dr"), sbi.ErrUnauthorized},
		{"nkeel-unknown", token("UDM", "nkeel-unknown"), sbi.ErrForbidden},
	} {
		r, _ := http.NewRequest("GET", "http://udm/"+c.service+"/v1/x", nil)
		if c.token != "" {
			r.Header.Set("Authorization", "Bearer "+c.token)
		}
		if err := authz(r, c.service); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%s with %.10q: %v, want %v", c.service, c.token, err, c.want)
		}
	}
	if a, err := (*oauth2Keys)(nil).authorizer(); a != nil || err != nil {
		t.Errorf("no keys: authorizer %v, %v; want none", a != nil, err)
	}
}
