package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/hnkey"
)

// keel hnkey generate prints a key ring that keel serve takes from
// $KEEL_HOME_NETWORK_KEYS, and an admin token from $KEEL_ADMIN_TOKEN;
// what cannot serve is refused naming the variable, never quoting it.
func TestServeSecretsFromTheEnvironment(t *testing.T) {
	var out, errs bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errs, Getenv: func(string) string { return "" }}
	if code := Main(context.Background(), env, []string{"hnkey", "generate"}); code != ExitOK {
		t.Fatalf("keel hnkey generate: exit %d, stderr %q", code, errs.String())
	}
	generated, err := hnkey.Parse(out.Bytes())
	if err != nil {
		t.Fatalf("keel hnkey generate printed no key ring: %v", err)
	}
	token := strings.Repeat("Z", 40)
	vars := map[string]string{EnvAdminToken: token, EnvHomeNetworkKeys: out.String()}
	s, err := readServeSecrets(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatalf("readServeSecrets: %v", err)
	}
	if s.adminToken.Reveal() != token {
		t.Errorf("admin token not taken from $%s", EnvAdminToken)
	}
	if s.keys == nil {
		t.Fatalf("home network keys not taken from $%s", EnvHomeNetworkKeys)
	}
	if diff := cmp.Diff(generated.Public(), s.keys.Public()); diff != "" {
		t.Errorf("home network keys (-generated +taken):\n%s", diff)
	}
	if s, err := readServeSecrets(func(string) string { return "" }); err != nil || s.adminToken != "" || s.keys != nil {
		t.Errorf("readServeSecrets of an empty environment = %+v, %v; want nothing", s, err)
	}

	short := "short-token-secret"
	for _, tc := range []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{EnvAdminToken: short}, "$KEEL_ADMIN_TOKEN: admin token: 18 characters, want at least 32"},
		{map[string]string{EnvHomeNetworkKeys: `{"keys":[]}`}, "$KEEL_HOME_NETWORK_KEYS: not a home network key ring"},
		{map[string]string{EnvHomeNetworkKeys: "private-bytes"}, "$KEEL_HOME_NETWORK_KEYS: not a home network key ring"},
	} {
		_, err := readServeSecrets(func(k string) string { return tc.vars[k] })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("readServeSecrets(%v) = %v, want %q", tc.vars, err, tc.want)
			continue
		}
		for _, v := range tc.vars {
			if strings.Contains(err.Error(), v) {
				t.Errorf("readServeSecrets error %q quotes the variable's value", err)
			}
		}
	}
}
