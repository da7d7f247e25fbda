package hnkey_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/hnkey"
)

// A generated key ring, marshalled and parsed again, holds the same key
// pairs; what Marshal writes is what LoadOrCreate reads from a file.
func TestGenerateMarshalParse(t *testing.T) {
	kr, err := hnkey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	data, err := kr.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := hnkey.Parse(data)
	if err != nil {
		t.Fatalf("Parse(Marshal()) = %v", err)
	}
	if diff := cmp.Diff(kr.Public(), back.Public()); diff != "" {
		t.Errorf("public keys after Parse (-generated +parsed):\n%s", diff)
	}
	for _, p := range kr.Public() {
		a, _ := kr.Key(p.ID)
		b, ok := back.Key(p.ID)
		if !ok || !bytes.Equal(a.Private.Reveal(), b.Private.Reveal()) {
			t.Errorf("key %d: private key differs after Parse", p.ID)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, hnkey.FileName), data, 0o600); err != nil {
		t.Fatal(err)
	}
	file, err := hnkey.LoadOrCreate(dir)
	if err != nil {
		t.Fatalf("LoadOrCreate of a file holding Marshal() = %v", err)
	}
	if diff := cmp.Diff(kr.Public(), file.Public()); diff != "" {
		t.Errorf("public keys loaded from the file (-generated +loaded):\n%s", diff)
	}
	other, _ := hnkey.Generate()
	if cmp.Equal(kr.Public(), other.Public()) {
		t.Error("two Generate calls made the same keys")
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"empty", ``, "EOF"},
		{"no keys", `{"keys":[]}`, "no keys"},
		{"unknown field", `{"keys":[],"extra":1}`, "unknown field"},
		{"trailing", `{"keys":[]} {}`, "trailing data"},
		{"bad scheme", `{"keys":[{"id":1,"scheme":"C","private_key":"00","public_key":"00"}]}`, `scheme "C"`},
		{"bad hex", `{"keys":[{"id":1,"scheme":"A","private_key":"zz","public_key":"00"}]}`, "private_key"},
	} {
		_, err := hnkey.Parse([]byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "hnkey: ") {
			t.Errorf("%s: Parse(%q) = %v, want an hnkey error containing %q", tc.name, tc.data, err, tc.want)
		}
	}
}

// FuzzParse: a key ring from the environment never crashes keel serve.
func FuzzParse(f *testing.F) {
	kr, err := hnkey.Generate()
	if err != nil {
		f.Fatal(err)
	}
	data, err := kr.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		kr, err := hnkey.Parse(data)
		if err != nil {
			return
		}
		again, err := kr.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a parsed key ring: %v", err)
		}
		if _, err := hnkey.Parse(again); err != nil {
			t.Fatalf("Parse(Marshal()) of a parsed key ring: %v", err)
		}
	})
}
