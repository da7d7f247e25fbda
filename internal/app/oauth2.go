package app

import (
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"

	"github.com/keelcore/keel/internal/accesstoken"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/nrf"
	"github.com/keelcore/keel/internal/nrf/nfclient"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// oauth2Keys are the keys of OAuth 2.0 authorization on the SBI of a
// process (TS 33.501 §13.4.1, sbi.oauth2): the NRF's signing key when the
// process runs the NRF, and the public key its producers check tokens
// with.
//
// Concurrency: the keys are immutable once loaded; instances is written
// by New as the roots register their NFs, before the SBI server starts,
// and only read once it serves.
type oauth2Keys struct {
	sign   accesstoken.SigningKey // zero unless the process runs the NRF
	verify accesstoken.VerifyKey  // zero in a process serving nothing (the UPF alone)
	// instances are the instance IDs of the process's NFs by type: a
	// token whose audience names the instance admits it too.
	instances map[sbi.NFType]string
}

// note records the instance ID of an NF of the process.
func (k *oauth2Keys) note(p sbi.Profile) {
	if k == nil {
		return
	}
	if k.instances == nil {
		k.instances = map[sbi.NFType]string{}
	}
	k.instances[p.Type] = p.InstanceID
}

// tokenFree reports whether a service is served without a token: the
// NRF's, and the callbacks. TS 29.510 §6.1.9 and §6.2.9 leave OAuth2 on
// Nnrf_NFManagement and Nnrf_NFDiscovery optional ("may"), and an NF
// must register before the NRF grants it a token (§5.4.2.2 checks the
// consumer's profile); the token endpoint itself takes client
// credentials, not a bearer token (RFC 6749 §4.4). A notification is
// sent by the producer to the URI its consumer gave it (TS 29.501
// §4.4.3), a resource of the consumer's no NF service names, so no
// scope of the NRF's grants it.
func tokenFree(service string) bool {
	switch service {
	case nrf.ServiceNFM, nrf.ServiceDisc, nrf.ServiceToken, sbihttp.CallbackService:
		return true
	}
	return false
}

// loadOAuth2 loads the keys sbi.oauth2 names; nil when tokens are off or
// the process runs every NF (no SBI on the wire).
func loadOAuth2(cfg config.Config, log *slog.Logger) (*oauth2Keys, error) {
	o := cfg.SBI.OAuth2
	if !o.Enabled || cfg.AllInOne() {
		return nil, nil
	}
	var k oauth2Keys
	if cfg.Runs("nrf") {
		var err error
		if k.sign, err = NRFSigningKey(cfg, log); err != nil {
			return nil, err
		}
		k.verify = k.sign.Public()
		if o.NRFKey != "" {
			v, err := accesstoken.LoadVerifyKey(o.NRFKey)
			if err != nil {
				return nil, fmt.Errorf("sbi.oauth2.nrf_key: %w", err)
			}
			if !v.Equal(k.verify) {
				return nil, fmt.Errorf("sbi.oauth2.nrf_key: %s is not the public half of this NRF's signing key: producers holding it would refuse every token", o.NRFKey)
			}
		}
		return &k, nil
	}
	if o.NRFKey == "" {
		return &k, nil // the UPF alone: it serves and calls no SBI service
	}
	v, err := accesstoken.LoadVerifyKey(o.NRFKey)
	if err != nil {
		return nil, fmt.Errorf("sbi.oauth2.nrf_key: %w", err)
	}
	k.verify = v
	return &k, nil
}

// NRFSigningKey is the NRF's signing key of cfg: the PEM file
// sbi.oauth2.signing_key names, else accesstoken.SigningKeyFile in the
// data directory, made (mode 0600) when missing and kept, so that the
// producers' copy of its public key verifies the tokens of the NRF
// after a restart. `keel nrf public-key` prints its public half.
func NRFSigningKey(cfg config.Config, log *slog.Logger) (accesstoken.SigningKey, error) {
	if path := cfg.SBI.OAuth2.SigningKey; path != "" {
		k, err := accesstoken.LoadSigningKey(path)
		if err != nil {
			return k, fmt.Errorf("sbi.oauth2.signing_key: %w", err)
		}
		return k, nil
	}
	path := filepath.Join(cfg.DataDir, accesstoken.SigningKeyFile)
	k, created, err := accesstoken.LoadOrCreateSigningKey(path)
	if err != nil {
		return k, fmt.Errorf("app: the NRF's signing key: %w", err)
	}
	if created && log != nil {
		log.Info("NRF access token signing key created", "component", "nrf", "path", path, "kid", k.Public().ID())
	}
	return k, nil
}

// authorizer checks the access token of every request to the process's
// SBI server but the NRF's own services (TS 33.501 §13.4.1.2): signed by
// the NRF, not expired, its audience the NF type serving the requested
// service or the instance of that type in this process (TS 29.510
// §6.3.5.2.4: the NRF names the instance when the consumer asked for a
// token for it), its scope naming the service. nil when there is no key
// to check with.
func (k *oauth2Keys) authorizer() (sbihttp.Authorizer, error) {
	if k == nil || k.verify.IsZero() {
		return nil, nil
	}
	if _, err := accesstoken.Authorizer(accesstoken.ProducerConfig{Key: k.verify, NFType: string(sbi.NFTypeUDM)}); err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	byType := map[sbi.NFType]sbihttp.Authorizer{}
	for _, t := range []sbi.NFType{sbi.NFTypeAMF, sbi.NFTypeSMF, sbi.NFTypeAUSF, sbi.NFTypeUDM, sbi.NFTypeUDR, sbi.NFTypePCF, sbi.NFTypeNSSF} {
		// Built at the first request, when the instance IDs are known.
		var once sync.Once
		var check sbihttp.Authorizer
		byType[t] = func(r *http.Request, service string) error {
			once.Do(func() {
				check, _ = accesstoken.Authorizer(accesstoken.ProducerConfig{Key: k.verify, NFType: string(t), InstanceID: k.instances[t]})
			})
			return check(r, service)
		}
	}
	return func(r *http.Request, service string) error {
		if tokenFree(service) {
			return nil
		}
		t, _ := nfclient.ServiceType(service)
		check, ok := byType[t]
		if !ok {
			return &sbihttp.Challenge{Err: fmt.Errorf("%w: %s is no service an access token grants", sbi.ErrForbidden, service),
				Header: fmt.Sprintf(`Bearer error="insufficient_scope", scope=%q`, service)}
		}
		return check(r, service)
	}, nil
}

// tokensFor is the source of the access tokens of an NF's SBI clients:
// its NRF client (Nnrf_AccessToken, TS 29.510 §5.4.2.2), which caches
// them; nil when tokens are off.
func (a *App) tokensFor(c *nfclient.Client) *nfclient.Client {
	if a.oauth == nil || c == nil {
		return nil
	}
	return c
}
