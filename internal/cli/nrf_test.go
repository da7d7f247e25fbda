package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/accesstoken"
)

// TestNRFPublicKey: keel nrf public-key makes the NRF's signing key in
// the data directory (mode 0600) when there is none and prints its
// public half; a second run prints the same key; a configured key file
// is read, not replaced.
func TestNRFPublicKey(t *testing.T) {
	data := t.TempDir()
	run := func(args ...string) (string, int) {
		var stdout, stderr bytes.Buffer
		env := Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
		code := Main(context.Background(), env, args)
		if code != ExitOK {
			t.Logf("keel %v: %s", args, stderr.String())
		}
		return stdout.String(), code
	}
	first, code := run("nrf", "public-key", "--data", data)
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	pub, err := accesstoken.ParseVerifyKeyPEM([]byte(first))
	if err != nil {
		t.Fatalf("output %q: %v", first, err)
	}
	path := filepath.Join(data, accesstoken.SigningKeyFile)
	k, err := accesstoken.LoadSigningKey(path)
	if err != nil || !k.Public().Equal(pub) {
		t.Fatalf("the key file %s: %v, holds the printed key: %v", path, err, k.Public().Equal(pub))
	}
	if again, _ := run("nrf", "public-key", "--data", data); again != first {
		t.Errorf("a second run printed another key")
	}
	if strings.Contains(first, "PRIVATE") {
		t.Errorf("the output holds a private key")
	}

	// A configured signing key.
	own, _ := accesstoken.GenerateSigningKey()
	pemKey, _ := own.PEM()
	keyPath := filepath.Join(t.TempDir(), "nrf.pem")
	os.WriteFile(keyPath, pemKey, 0o600)
	cfg := filepath.Join(t.TempDir(), "keel.yaml")
	os.WriteFile(cfg, []byte("sbi:\n  oauth2:\n    enabled: true\n    signing_key: "+keyPath+"\n"), 0o600)
	out, code := run("nrf", "public-key", "--config", cfg)
	if v, err := accesstoken.ParseVerifyKeyPEM([]byte(out)); code != ExitOK || err != nil || !v.Equal(own.Public()) {
		t.Errorf("with signing_key: exit %d, %v, the configured key: %v", code, err, v.Equal(own.Public()))
	}
	os.Chmod(keyPath, 0o644)
	if _, code := run("nrf", "public-key", "--config", cfg); code != ExitFailure {
		t.Errorf("a signing key others can read: exit %d, want %d", code, ExitFailure)
	}
	if _, code := run("nrf", "public-key", "extra"); code != ExitUsage {
		t.Errorf("an argument: exit %d, want %d", code, ExitUsage)
	}
}
