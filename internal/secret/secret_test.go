package secret

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const kHex = "465b5ce8b199b49faa5f0a2ee238a6bc"

// TestRedacted proves that every way Go prints a value hides the secret.
func TestRedacted(t *testing.T) {
	k, err := ParseKey128(kHex)
	if err != nil {
		t.Fatal(err)
	}
	b := Bytes(k.Bytes())
	tok := Token("token-" + kHex)
	var k256 Key256
	copy(k256[:], k[:])
	copy(k256[16:], k[:])
	type holder struct {
		K    Key128
		B    Bytes
		Tok  Token
		K256 Key256
	}
	h := holder{k, b, tok, k256}
	var out bytes.Buffer
	for _, v := range []any{k, &k, b, tok, k256, &k256, h, &h} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d"} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
	}
	for _, handler := range []slog.Handler{slog.NewTextHandler(&out, nil), slog.NewJSONHandler(&out, nil)} {
		slog.New(handler).Info("keys", "k", k, "b", b, "tok", tok, "holder", h, "group", slog.GroupValue(slog.Any("k", k)))
	}
	got := strings.ToLower(out.String())
	for _, leak := range []string{kHex, fmt.Sprintf("%v", [16]byte(k)), "token-"} {
		if strings.Contains(got, strings.ToLower(leak)) {
			t.Fatalf("secret printed:\n%s", out.String())
		}
	}
	if !strings.Contains(got, "redacted") {
		t.Fatalf("output does not say REDACTED:\n%s", out.String())
	}
}

func TestMarshalRefused(t *testing.T) {
	k, _ := ParseKey128(kHex)
	for _, v := range []any{k, Bytes{1, 2}, Token("x"), Key256{1}, struct{ K Key128 }{k}} {
		if out, err := json.Marshal(v); !errors.Is(err, ErrMarshal) {
			t.Errorf("json.Marshal(%T) = %s, %v, want ErrMarshal", v, out, err)
		}
	}
}

func TestParseKey128(t *testing.T) {
	k, err := ParseKey128(strings.ToUpper(kHex))
	if err != nil || k.Hex() != kHex {
		t.Fatalf("ParseKey128 upper case = %s, %v", k.Hex(), err)
	}
	for _, bad := range []string{"", kHex[:30], kHex + "00", "zz" + kHex[2:]} {
		_, err := ParseKey128(bad)
		if err == nil {
			t.Errorf("ParseKey128(%q) = nil error", bad)
		} else if len(bad) > 4 && strings.Contains(err.Error(), bad[4:]) {
			t.Errorf("ParseKey128 error repeats the input: %v", err)
		}
	}
	if RandomKey128() == RandomKey128() {
		t.Error("two random keys are equal")
	}
	if NewToken().Equal(NewToken().Reveal()) {
		t.Error("two new tokens are equal")
	}
	if tok := NewToken(); !tok.Equal(tok.Reveal()) || len(tok.Reveal()) < 50 {
		t.Errorf("token %d characters, or not equal to itself", len(tok.Reveal()))
	}
}
