package accesstoken

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestSigningKeyFile: the first start makes the key file, mode 0600; a
// restart reads the same key, so the producers' copy of its public half
// still verifies the new tokens.
func TestSigningKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nrf", SigningKeyFile)
	k1, created, err := LoadOrCreateSigningKey(path)
	if err != nil || !created {
		t.Fatalf("LoadOrCreateSigningKey(new) = created %v, %v", created, err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %04o; want 0600", err, st.Mode().Perm())
	}
	k2, created, err := LoadOrCreateSigningKey(path)
	if err != nil || created || !k2.Public().Equal(k1.Public()) {
		t.Fatalf("LoadOrCreateSigningKey(again) = created %v, %v, same key %v", created, err, k2.Public().Equal(k1.Public()))
	}
	tok, _ := Sign(k2, sample())
	if _, err := Verify(tok, k1.Public(), Expect{NFType: "UDM", Scope: "nudm-sdm", Now: t0}); err != nil {
		t.Errorf("a token signed after the restart does not verify with the key of before: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want the key file alone", len(entries))
	}

	pub, _ := k1.Public().PEM()
	pubPath := filepath.Join(t.TempDir(), "nrf.pub")
	os.WriteFile(pubPath, pub, 0o644)
	v, err := LoadVerifyKey(pubPath)
	if err != nil || !v.Equal(k1.Public()) {
		t.Errorf("LoadVerifyKey = %v, same key %v", err, v.Equal(k1.Public()))
	}
}

func TestSigningKeyFileRefused(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadSigningKey(filepath.Join(dir, "none.pem")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadSigningKey(missing) = %v, want fs.ErrNotExist", err)
	}
	k := newKey(t)
	priv, _ := k.PEM()
	open := filepath.Join(dir, "open.pem")
	os.WriteFile(open, priv, 0o644)
	if _, _, err := LoadOrCreateSigningKey(open); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("LoadOrCreateSigningKey(mode 0644) = %v, want a refusal naming chmod 600", err)
	}
	junk := filepath.Join(dir, "junk.pem")
	os.WriteFile(junk, []byte("not a key"), 0o600)
	_, _, err := LoadOrCreateSigningKey(junk)
	if err == nil {
		t.Fatal("LoadOrCreateSigningKey(junk) succeeded")
	}
	if b, _ := os.ReadFile(junk); string(b) != "not a key" {
		t.Error("an unreadable key file was replaced")
	}
	pub, _ := k.Public().PEM()
	pubAsPriv := filepath.Join(dir, "pub.pem")
	os.WriteFile(pubAsPriv, pub, 0o600)
	if _, err := LoadSigningKey(pubAsPriv); err == nil {
		t.Error("LoadSigningKey(public key) succeeded")
	}
	if _, err := LoadVerifyKey(open); err == nil || strings.Contains(err.Error(), string(priv[40:60])) {
		t.Errorf("LoadVerifyKey(private key) = %v, want a refusal without key material", err)
	}
}

// TestSigningKeyFileRace: NRF starts racing on one data directory end
// with one key.
func TestSigningKeyFileRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), SigningKeyFile)
	keys := make([]SigningKey, 4)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, _, err := LoadOrCreateSigningKey(path)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		}()
	}
	wg.Wait()
	for i, k := range keys[1:] {
		if !k.Public().Equal(keys[0].Public()) {
			t.Errorf("start %d holds another key than start 0", i+1)
		}
	}
}
