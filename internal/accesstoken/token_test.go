package accesstoken

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func newKey(t testing.TB) SigningKey {
	t.Helper()
	k, err := GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var t0 = time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)

func sample() Claims {
	return Claims{
		Issuer:   "0f8d3ab6-5a41-4a35-9d8e-7bb7c6f0a001",
		Subject:  "c3a4d7e2-8b1f-4f0a-a6d5-2e9f0b7c1d02",
		Audience: Audience{NFType: "UDM"},
		Scope:    "nudm-sdm nudm-uecm",
		Expiry:   t0.Add(time.Hour).Unix(),
	}
}

func TestSignVerify(t *testing.T) {
	k := newKey(t)
	tok, err := Sign(k, sample())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify(tok, k.Public(), Expect{NFType: "UDM", Scope: "nudm-sdm", Now: t0})
	if err != nil {
		t.Fatalf("Verify = %v", err)
	}
	if diff := cmp.Diff(sample(), got); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	// The header is what RFC 7515 §4.1 says and names the key.
	h, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	want := fmt.Sprintf(`{"alg":"ES256","typ":"JWT","kid":%q}`, k.Public().ID())
	if string(h) != want {
		t.Errorf("header = %s, want %s", h, want)
	}
	// The payload carries the claims under their TS 29.510 names.
	p, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	var m map[string]any
	if err := json.Unmarshal(p, &m); err != nil {
		t.Fatal(err)
	}
	if m["iss"] != sample().Issuer || m["sub"] != sample().Subject || m["aud"] != "UDM" || m["scope"] != "nudm-sdm nudm-uecm" || m["exp"] != float64(sample().Expiry) {
		t.Errorf("payload = %s", p)
	}
}

func TestVerifyRefuses(t *testing.T) {
	k := newKey(t)
	other := newKey(t)
	instances := sample()
	instances.Audience = Audience{Instances: []string{"udm-1", "udm-2"}}
	sign := func(c Claims) string {
		tok, err := Sign(k, c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := sign(sample())
	parts := strings.Split(good, ".")
	enc := base64.RawURLEncoding.EncodeToString
	tampered := sample()
	tampered.Scope = "nudm-sdm nudm-uecm nudr-dr"
	tp, _ := json.Marshal(tampered)
	cases := []struct {
		name  string
		token string
		key   VerifyKey
		want  Expect
		err   error
	}{
		{"expired", good, k.Public(), Expect{NFType: "UDM", Scope: "nudm-sdm", Now: t0.Add(time.Hour)}, ErrExpired},
		{"other NF type", good, k.Public(), Expect{NFType: "AUSF", Scope: "nudm-sdm", Now: t0}, ErrAudience},
		{"scope", good, k.Public(), Expect{NFType: "UDM", Scope: "nudm-ueau", Now: t0}, ErrScope},
		{"scope prefix", good, k.Public(), Expect{NFType: "UDM", Scope: "nudm", Now: t0}, ErrScope},
		{"instance not listed", sign(instances), k.Public(), Expect{NFType: "UDM", InstanceID: "udm-3", Scope: "nudm-sdm", Now: t0}, ErrAudience},
		{"other key", good, other.Public(), Expect{NFType: "UDM", Scope: "nudm-sdm", Now: t0}, ErrSignature},
		{"payload changed", parts[0] + "." + enc(tp) + "." + parts[2], k.Public(), Expect{NFType: "UDM", Scope: "nudm-sdm", Now: t0}, ErrSignature},
		{"alg none", enc([]byte(`{"alg":"none"}`)) + "." + parts[1] + ".", k.Public(), Expect{NFType: "UDM", Scope: "nudm-sdm", Now: t0}, ErrMalformed},
		{"alg HS256", enc([]byte(`{"alg":"HS256"}`)) + "." + parts[1] + "." + parts[2], k.Public(), Expect{NFType: "UDM", Scope: "nudm-sdm", Now: t0}, ErrMalformed},
		{"crit", enc([]byte(`{"alg":"ES256","crit":["x"]}`)) + "." + parts[1] + "." + parts[2], k.Public(), Expect{NFType: "UDM", Scope: "nudm-sdm", Now: t0}, ErrMalformed},
		{"two parts", parts[0] + "." + parts[1], k.Public(), Expect{NFType: "UDM", Scope: "nudm-sdm", Now: t0}, ErrMalformed},
		{"padding", good + "=", k.Public(), Expect{NFType: "UDM", Scope: "nudm-sdm", Now: t0}, ErrMalformed},
		{"short signature", parts[0] + "." + parts[1] + "." + parts[2][:40], k.Public(), Expect{NFType: "UDM", Scope: "nudm-sdm", Now: t0}, ErrMalformed},
		{"too long", good + strings.Repeat("A", MaxTokenLen), k.Public(), Expect{NFType: "UDM", Scope: "nudm-sdm", Now: t0}, ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Verify(c.token, c.key, c.want)
			if !errors.Is(err, c.err) {
				t.Errorf("Verify = %v, want %v", err, c.err)
			}
		})
	}
	// The audience as instances admits a listed instance.
	if _, err := Verify(sign(instances), k.Public(), Expect{NFType: "UDM", InstanceID: "udm-2", Scope: "nudm-uecm", Now: t0}); err != nil {
		t.Errorf("Verify(listed instance) = %v", err)
	}
}

// TestRFC7515ES256 verifies the ES256 example of RFC 7515 Appendix A.3,
// signed by another implementation: the signature is accepted (its claims
// are not TS 29.510 ones, so the token is refused as malformed, not for
// its signature), and a changed byte of it is refused.
func TestRFC7515ES256(t *testing.T) {
	b := func(s string) *big.Int {
		v, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return new(big.Int).SetBytes(v)
	}
	key := VerifyKey{pub: &ecdsa.PublicKey{Curve: elliptic.P256(),
		X: b("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"),
		Y: b("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0")}}
	const tok = "eyJhbGciOiJFUzI1NiJ9" +
		".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ" +
		".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
	_, err := Parse(tok, key)
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "no sub") {
		t.Errorf("Parse(RFC 7515 A.3) = %v, want the signature accepted and the claims refused for sub", err)
	}
	bad := strings.Replace(tok, ".DtEh", ".DtEi", 1)
	if _, err := Parse(bad, key); !errors.Is(err, ErrSignature) {
		t.Errorf("Parse(changed signature) = %v, want %v", err, ErrSignature)
	}
}

func TestSignRefusesIncompleteClaims(t *testing.T) {
	k := newKey(t)
	for name, mod := range map[string]func(*Claims){
		"no iss":    func(c *Claims) { c.Issuer = "" },
		"no sub":    func(c *Claims) { c.Subject = "" },
		"no aud":    func(c *Claims) { c.Audience = Audience{} },
		"both aud":  func(c *Claims) { c.Audience.Instances = []string{"x"} },
		"bad scope": func(c *Claims) { c.Scope = "nudm-sdm  nudm-uecm" },
		"no exp":    func(c *Claims) { c.Expiry = 0 },
	} {
		c := sample()
		mod(&c)
		if _, err := Sign(k, c); err == nil {
			t.Errorf("Sign(%s) succeeded", name)
		}
	}
	if _, err := Sign(SigningKey{}, sample()); err == nil {
		t.Error("Sign(no key) succeeded")
	}
}

func TestKeysPEM(t *testing.T) {
	k := newKey(t)
	p, err := k.PEM()
	if err != nil {
		t.Fatal(err)
	}
	k2, err := ParseSigningKeyPEM(p)
	if err != nil {
		t.Fatal(err)
	}
	if !k2.Public().Equal(k.Public()) {
		t.Error("signing key PEM round trip changed the key")
	}
	pub, err := k.Public().PEM()
	if err != nil {
		t.Fatal(err)
	}
	v, err := ParseVerifyKeyPEM(pub)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := Sign(k2, sample())
	if _, err := Verify(tok, v, Expect{NFType: "UDM", Scope: "nudm-sdm", Now: t0}); err != nil {
		t.Errorf("Verify with the PEM public key = %v", err)
	}
	if _, err := ParseSigningKeyPEM(pub); err == nil {
		t.Error("ParseSigningKeyPEM(public key) succeeded")
	}
	if _, err := ParseVerifyKeyPEM(p); err == nil {
		t.Error("ParseVerifyKeyPEM(private key) succeeded")
	}
}

func TestSigningKeyRedacted(t *testing.T) {
	k := newKey(t)
	p, _ := k.PEM()
	body := strings.Split(string(p), "\n")[1]
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("key", "k", k)
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%+v %#v %s %x", k, k, k, k), logged.String()} {
		if strings.Contains(s, body[:16]) || !strings.Contains(s, "REDACTED") {
			t.Errorf("key printed as %q", s)
		}
	}
	if _, err := json.Marshal(struct{ K SigningKey }{k}); err == nil {
		t.Error("json.Marshal(signing key) succeeded")
	}
}

func TestAudienceJSON(t *testing.T) {
	for in, want := range map[string]Audience{
		`"AMF"`:     {NFType: "AMF"},
		`["a","b"]`: {Instances: []string{"a", "b"}},
		` [ "a" ] `: {Instances: []string{"a"}},
		`""`:        {},
		`[]`:        {},
		`[""]`:      {},
		`3`:         {},
		`{"x":1}`:   {},
		`["a",1]`:   {},
		`null`:      {},
	} {
		var a Audience
		err := json.Unmarshal([]byte(in), &a)
		valid := want.NFType != "" || len(want.Instances) > 0
		if valid != (err == nil) {
			t.Errorf("Unmarshal(%s) = %v", in, err)
			continue
		}
		if diff := cmp.Diff(want, a); valid && diff != "" {
			t.Errorf("Unmarshal(%s) (-want +got):\n%s", in, diff)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	k := newKey(b)
	c := sample()
	for b.Loop() {
		if _, err := Sign(k, c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify is what a producer spends on each request's token.
func BenchmarkVerify(b *testing.B) {
	k := newKey(b)
	tok, _ := Sign(k, sample())
	want := Expect{NFType: "UDM", Scope: "nudm-sdm", Now: t0}
	for b.Loop() {
		if _, err := Verify(tok, k.Public(), want); err != nil {
			b.Fatal(err)
		}
	}
}
