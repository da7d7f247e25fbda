package hnkey_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/crypto/suci"
	"github.com/keelcore/keel/internal/hnkey"
)

func TestCreateAndReload(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keel-data")
	kr, err := hnkey.LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	pub := kr.Public()
	if len(pub) != 2 || pub[0].ID != 1 || pub[0].Scheme != "A" || pub[1].ID != 2 || pub[1].Scheme != "B" {
		t.Fatalf("Public() of a new key ring = %+v, want a profile A key 1 and a profile B key 2", pub)
	}
	for _, p := range pub {
		if _, err := hex.DecodeString(p.Public); err != nil || p.Public == "" {
			t.Errorf("key %d: public key %q is not hexadecimal", p.ID, p.Public)
		}
	}
	info, err := os.Stat(filepath.Join(dir, hnkey.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %04o, want 0600", hnkey.FileName, info.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("data directory holds %d entries, want only %s (no temporary file left)", len(entries), hnkey.FileName)
	}

	again, err := hnkey.LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(pub, again.Public()); diff != "" {
		t.Errorf("public keys after reload (-first +reloaded):\n%s", diff)
	}
	for _, id := range []uint8{1, 2} {
		k1, ok1 := kr.Key(id)
		k2, ok2 := again.Key(id)
		if !ok1 || !ok2 || !bytes.Equal(k1.Private.Reveal(), k2.Private.Reveal()) || k1.Scheme != k2.Scheme {
			t.Errorf("key %d differs after reload", id)
		}
	}
	if _, ok := kr.Key(3); ok {
		t.Error("Key(3) found a key that does not exist")
	}
}

// TestKeysWork conceals an MSIN with each public key and de-conceals it
// with the private key the key ring hands out.
func TestKeysWork(t *testing.T) {
	kr, err := hnkey.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	msin := []byte{0x00, 0x00, 0x00, 0x00, 0xf1}
	for _, p := range kr.Public() {
		key, _ := kr.Key(p.ID)
		pub, _ := hex.DecodeString(p.Public)
		out, err := suci.Conceal(key.Scheme, pub, msin, rand.Reader)
		if err != nil {
			t.Fatalf("key %d: Conceal: %v", p.ID, err)
		}
		got, err := suci.Deconceal(key, out)
		if err != nil || !bytes.Equal(got, msin) {
			t.Errorf("key %d: Deconceal = %x, %v; want %x", p.ID, got, err, msin)
		}
	}
}

func TestPrivateKeysStayInside(t *testing.T) {
	dir := t.TempDir()
	kr, err := hnkey.LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(kr.Public())
	printed := fmt.Sprintf("%v %+v %#v", kr, kr, kr)
	for _, id := range []uint8{1, 2} {
		k, _ := kr.Key(id)
		priv := hex.EncodeToString(k.Private.Reveal())
		if strings.Contains(string(out), priv) || strings.Contains(printed, priv) {
			t.Errorf("private key %d appears in the public view or in a printed key ring", id)
		}
		if s := fmt.Sprint(k.Private); s != "REDACTED" {
			t.Errorf("key %d: private key prints as %q, want REDACTED", id, s)
		}
		// A caller changing the bytes it got must not change the key ring.
		k.Private.Reveal()[0] ^= 0xff
		if again, _ := kr.Key(id); bytes.Equal(again.Private.Reveal(), k.Private.Reveal()) {
			t.Errorf("key %d: Key hands out the key ring's own private key bytes", id)
		}
	}
}

// TestRefused checks that an unreadable file is an error and is never
// overwritten.
func TestRefused(t *testing.T) {
	a, err := suci.GenerateKey(1, suci.ProfileA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := suci.GenerateKey(1, suci.ProfileB)
	if err != nil {
		t.Fatal(err)
	}
	good := func(id uint8, k suci.HomeNetworkKey) string {
		return fmt.Sprintf(`{"id":%d,"scheme":%q,"private_key":%q,"public_key":%q}`, id, map[suci.Scheme]string{suci.ProfileA: "A", suci.ProfileB: "B"}[k.Scheme],
			hex.EncodeToString(k.Private.Reveal()), hex.EncodeToString(k.Public))
	}
	tests := []struct {
		name, content, want string
		mode                os.FileMode
	}{
		{"not JSON", "{\"keys\": [", "", 0o600},
		{"empty", "", "", 0o600},
		{"no keys", `{"keys":[]}`, "no keys", 0o600},
		{"unknown field", `{"keys":[` + good(1, a) + `],"extra":1}`, "unknown field", 0o600},
		{"bad scheme", `{"keys":[{"id":1,"scheme":"C","private_key":"00","public_key":"00"}]}`, `scheme "C"`, 0o600},
		{"bad hex", `{"keys":[{"id":1,"scheme":"A","private_key":"zz","public_key":"00"}]}`, "private_key", 0o600},
		{"wrong public key", `{"keys":[` + strings.Replace(good(1, a), hex.EncodeToString(a.Public), hex.EncodeToString(b.Public), 1) + `]}`, "does not belong", 0o600},
		{"duplicate ID", `{"keys":[` + good(1, a) + `,` + good(1, b) + `]}`, "appears twice", 0o600},
		{"readable by others", `{"keys":[` + good(1, a) + `]}`, "chmod 600", 0o644},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, hnkey.FileName)
			if err := os.WriteFile(path, []byte(tt.content), tt.mode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(path, tt.mode)
			kr, err := hnkey.LoadOrCreate(dir)
			if err == nil {
				t.Fatalf("LoadOrCreate = %+v, want an error", kr.Public())
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadOrCreate error %q does not name the file and %q", err, tt.want)
			}
			if strings.Contains(err.Error(), hex.EncodeToString(a.Private.Reveal())) {
				t.Error("error message contains a private key")
			}
			after, _ := os.ReadFile(path)
			if string(after) != tt.content {
				t.Error("the refused file was changed")
			}
		})
	}
}

// TestConcurrentCreate checks that racing first starts agree on one key ring.
func TestConcurrentCreate(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	pubs := make([][]hnkey.PublicKey, 8)
	for i := range pubs {
		wg.Go(func() {
			kr, err := hnkey.LoadOrCreate(dir)
			if err != nil {
				t.Error(err)
				return
			}
			pubs[i] = kr.Public()
		})
	}
	wg.Wait()
	for i := range pubs {
		if diff := cmp.Diff(pubs[0], pubs[i]); diff != "" {
			t.Errorf("LoadOrCreate %d got other keys than 0:\n%s", i, diff)
		}
	}
}

func TestNewKeyring(t *testing.T) {
	a, _ := suci.GenerateKey(7, suci.ProfileA)
	b, _ := suci.GenerateKey(3, suci.ProfileB)
	kr, err := hnkey.NewKeyring(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if p := kr.Public(); len(p) != 2 || p[0].ID != 3 || p[1].ID != 7 {
		t.Errorf("Public() = %+v, want keys 3 and 7 in order", p)
	}
	if _, err := hnkey.NewKeyring(a, a); err == nil {
		t.Error("NewKeyring with a repeated identifier succeeded")
	}
	if _, err := hnkey.NewKeyring(suci.HomeNetworkKey{ID: 1, Scheme: suci.Null}); err == nil {
		t.Error("NewKeyring with a null-scheme key succeeded")
	}
}

// TestPublicUncompressed checks both forms of the public keys against the
// home network keys of TS 33.501 Annex C.4.3 and C.4.4; the uncompressed
// profile B point was also derived from the private key with
// `openssl ec -text` (SEC 1 §2.3.3: 04||X||Y).
func TestPublicUncompressed(t *testing.T) {
	priv := func(s string) []byte { b, _ := hex.DecodeString(s); return b }
	a, err := suci.NewKey(1, suci.ProfileA, priv("c53c22208b61860b06c62e5406a7b330c2b577aa5558981510d128247d38bd1d"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := suci.NewKey(2, suci.ProfileB, priv("f1ab1074477ebcc7f554ea1c5fc368b1616730155e0041ac447d6301975fecda"))
	if err != nil {
		t.Fatal(err)
	}
	kr, err := hnkey.NewKeyring(a, b)
	if err != nil {
		t.Fatal(err)
	}
	want := []hnkey.PublicKey{
		{ID: 1, Scheme: "A", Public: "5a8d38864820197c3394b92613b20b91633cbd897119273bf8e4a6f4eec0a650"},
		{ID: 2, Scheme: "B", Public: "0272da71976234ce833a6907425867b82e074d44ef907dfb4b3e21c1c2256ebcd1",
			PublicUncompressed: "0472da71976234ce833a6907425867b82e074d44ef907dfb4b3e21c1c2256ebcd1" +
				"5a7ded52fcbb097a4ed250e036c7b9c8c7004c4eedc4f068cd7bf8d3f900e3b4"},
	}
	if diff := cmp.Diff(want, kr.Public()); diff != "" {
		t.Errorf("Public() (-want +got):\n%s", diff)
	}
	out, _ := json.Marshal(kr.Public())
	if n := strings.Count(string(out), `"public_key_uncompressed"`); n != 1 {
		t.Errorf("JSON of the public keys has %d public_key_uncompressed fields, want 1 (profile B only):\n%s", n, out)
	}
}
