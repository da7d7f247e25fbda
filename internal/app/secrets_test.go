package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/hnkey"
	"github.com/keelcore/keel/internal/secret"
)

// An admin token and home network keys given by the process (from a
// container platform's secret store) are the ones the management API
// uses, and the data directory gets no token or key file of its own.
func TestSecretsGivenByTheProcess(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.N3.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.N4.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.NFs = []string{"nrf", "udr", "udm"}
	cfg.SBI.Address = netip.MustParseAddrPort("127.0.0.1:0")
	keys, err := hnkey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	token := secret.Token(strings.Repeat("t0ken", 8))
	a, err := app.New(context.Background(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler), AdminToken: token, HomeNetworkKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	get := func(tok string) (int, hnkey.PublicKey) {
		req, _ := http.NewRequest("GET", "http://"+a.HTTPAddr().String()+"/api/v1/home-network-keys", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var list struct {
			Keys []hnkey.PublicKey `json:"keys"`
		}
		if resp.StatusCode == http.StatusOK {
			if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list.Keys) == 0 {
				t.Fatalf("home network keys: %v, %d keys", err, len(list.Keys))
			}
			return resp.StatusCode, list.Keys[0]
		}
		return resp.StatusCode, hnkey.PublicKey{}
	}
	code, first := get(token.Reveal())
	if code != http.StatusOK {
		t.Fatalf("GET home-network-keys with the given token = %d, want 200", code)
	}
	if diff := cmp.Diff(keys.Public()[0].Public, first.Public); diff != "" {
		t.Errorf("served key %d is not the given one (-given +served):\n%s", first.ID, diff)
	}
	if code, _ := get(strings.Repeat("x", 40)); code != http.StatusUnauthorized {
		t.Errorf("GET home-network-keys with another token = %d, want 401", code)
	}
	for _, name := range []string{app.TokenFile, hnkey.FileName} {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s in the data directory: %v, want none", name, err)
		}
	}
}

func TestCheckToken(t *testing.T) {
	for _, tc := range []struct {
		tok  string
		want string
	}{
		{strings.Repeat("a", 32), ""},
		{strings.Repeat("a", 31), "31 characters, want at least 32"},
		{strings.Repeat("a", 32) + " b", "character 33 is white space"},
		{strings.Repeat("a", 32) + "\n", "character 33 is white space"},
	} {
		err := app.CheckToken(secret.Token(tc.tok))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckToken(%d characters) = %v, want nil", len(tc.tok), err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("CheckToken(%d characters) = %v, want %q", len(tc.tok), err, tc.want)
		case err != nil && strings.Contains(err.Error(), tc.tok):
			t.Errorf("CheckToken error %q quotes the token", err)
		}
	}
}
