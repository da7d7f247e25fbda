package cli

import (
	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/hnkey"
	"github.com/keelcore/keel/internal/secret"
)

// Environment variables through which keel serve takes secrets that a
// container platform hands a process from a secret store (a Kubernetes
// Secret's secretKeyRef), where files would need the data directory's
// owner-only modes that mounted secrets do not have.
const (
	// EnvAdminToken is the management API's admin token, at least
	// app.MinTokenLen characters; set, the data directory's admin-token
	// file is neither read nor made.
	EnvAdminToken = "KEEL_ADMIN_TOKEN"
	// EnvHomeNetworkKeys is the home network key ring, in the format of
	// the data directory's home-network-keys.json (keel hnkey generate
	// prints one); set, that file is neither read nor made, so a UDR
	// and a UDM in separate containers share the keys.
	EnvHomeNetworkKeys = "KEEL_HOME_NETWORK_KEYS"
)

// serveSecrets are the secrets keel serve took from its environment;
// the zero value means none, and the data directory's files serve.
type serveSecrets struct {
	adminToken secret.Token
	keys       *hnkey.Keyring
}

// readServeSecrets reads EnvAdminToken and EnvHomeNetworkKeys. A value
// that cannot serve is an error naming the variable and never quoting
// it.
func readServeSecrets(getenv func(string) string) (serveSecrets, error) {
	var s serveSecrets
	if getenv == nil {
		return s, nil
	}
	if v := getenv(EnvAdminToken); v != "" {
		s.adminToken = secret.Token(v)
		if err := app.CheckToken(s.adminToken); err != nil {
			return serveSecrets{}, usagef("$%s: %v", EnvAdminToken, err)
		}
	}
	if v := getenv(EnvHomeNetworkKeys); v != "" {
		kr, err := hnkey.Parse([]byte(v))
		if err != nil {
			return serveSecrets{}, usagef("$%s: not a home network key ring (keel hnkey generate prints one): %v", EnvHomeNetworkKeys, err)
		}
		s.keys = kr
	}
	return s, nil
}
