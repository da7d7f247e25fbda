package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/accesstoken"
	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nrf/nfclient"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/nausf"
)

// oauth2Config is splitConfig with access tokens on and the producers
// holding nrfKey, the NRF's public key file.
func oauth2Config(t *testing.T, nrfKey string, nfs ...string) config.Config {
	cfg := splitConfig(t, nfs...)
	cfg.SBI.OAuth2 = config.SBIOAuth2{Enabled: true, NRFKey: nrfKey}
	return cfg
}

// TestSplitOAuth2 runs the NRF, the UDR and the UDM with the AUSF in
// processes of their own with access tokens on (TS 33.501 §13.4.1): a
// consumer authenticates a UE through the AUSF, which reaches the UDM
// and the UDM the UDR, every hop with a token from the NRF; a request
// without a token is refused 401 with the Bearer challenge, a token for
// another service 403 (RFC 6750 §3.1); the NRF restarted with the key
// it persisted in its data directory issues tokens the producers still
// accept.
func TestSplitOAuth2(t *testing.T) {
	nrfCfg := splitConfig(t, "nrf")
	nrfCfg.SBI.OAuth2.Enabled = true
	// The operator's step: the NRF's public key for the producers, made
	// before the NRF first starts (keel nrf public-key).
	sign, err := app.NRFSigningKey(nrfCfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := sign.Public().PEM()
	keyFile := filepath.Join(t.TempDir(), "nrf.pub")
	if err := os.WriteFile(keyFile, pub, 0o644); err != nil {
		t.Fatal(err)
	}
	nrfCfg.SBI.OAuth2.NRFKey = keyFile
	nrfApp, stopNRF := runApp(t, nrfCfg)
	nrfAddr := nrfApp.SBIAddr()
	nrfURL := "http://" + nrfAddr.String()

	udrCfg := oauth2Config(t, keyFile, "udr")
	udrCfg.SBI.NRF = nrfURL
	udrApp, stopUDR := runApp(t, udrCfg)
	homeCfg := oauth2Config(t, keyFile, "udm", "ausf")
	homeCfg.SBI.NRF = nrfURL
	homeCfg.DataDir = udrCfg.DataDir // the home network keys
	homeApp, stopHome := runApp(t, homeCfg)
	for _, nf := range []string{"UDR", "UDM", "AUSF"} {
		waitRegistered(t, nrfAddr, nf, 1, 10*time.Second)
	}
	provision(t, udrApp, udrCfg.DataDir, "imsi-001010000000001")

	// The consumer: an AMF registered at the NRF, whose client takes
	// its tokens from the NRF (Nnrf_AccessToken, TS 29.510 §5.4.2.2).
	amf, stopAMF := consumer(t, nrfURL, sbi.NFTypeAMF)
	hc := sbihttp.NewClient(sbihttp.ClientConfig{Resolver: amf, Timeout: 2 * time.Second, Token: amf.Token, InvalidateToken: amf.InvalidateToken})
	defer hc.CloseIdle()
	ausf := nausf.NewClient(hc)
	authenticate := func(what string) {
		t.Helper()
		ch, err := ausf.Authenticate(context.Background(), sbi.AuthRequest{SUPI: "imsi-001010000000001", ServingNetworkName: "5G:mnc001.mcc001.3gppnetwork.org"})
		if err != nil || ch.AuthCtxID == "" {
			t.Fatalf("%s: Nausf_UEAuthentication through the AUSF, UDM and UDR apart = %+v, %v", what, ch, err)
		}
	}
	authenticate("with tokens")

	home := "http://" + homeApp.SBIAddr().String()
	amData := home + "/nudm-sdm/v2/imsi-001010000000001/am-data"
	get := func(uri, token string) (int, string, sbihttp.ProblemDetails) {
		t.Helper()
		req, _ := http.NewRequest("GET", uri, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := (&http.Client{Transport: sbihttp.NewTransport(nil)}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var pd sbihttp.ProblemDetails
		if resp.StatusCode >= 400 {
			if err := json.Unmarshal(b, &pd); err != nil || resp.Header.Get("Content-Type") != sbihttp.ContentProblem {
				t.Errorf("GET %s: %d %s is not ProblemDetails", uri, resp.StatusCode, b)
			}
		}
		return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), pd
	}
	if code, ch, pd := get(amData, ""); code != http.StatusUnauthorized || ch != "Bearer" || pd.Status != http.StatusUnauthorized {
		t.Errorf("am-data without a token = %d %q %+v, want 401 with the challenge Bearer", code, ch, pd)
	}
	// A token of the UDM's for Nudm_UECM does not open Nudm_SDM.
	uecm, err := amf.Token(context.Background(), "nudm-uecm")
	if err != nil {
		t.Fatal(err)
	}
	if code, ch, _ := get(amData, uecm); code != http.StatusForbidden || !strings.Contains(ch, `error="insufficient_scope"`) {
		t.Errorf("am-data with a nudm-uecm token = %d %q, want 403 insufficient_scope", code, ch)
	}
	// A token for the AUSF is not for the UDM.
	forAUSF, err := amf.Token(context.Background(), "nausf-auth")
	if err != nil {
		t.Fatal(err)
	}
	if code, ch, _ := get(amData, forAUSF); code != http.StatusUnauthorized || !strings.Contains(ch, `error="invalid_token"`) {
		t.Errorf("am-data with a token for the AUSF = %d %q, want 401 invalid_token", code, ch)
	}
	sdm, err := amf.Token(context.Background(), "nudm-sdm")
	if err != nil {
		t.Fatal(err)
	}
	if code, _, pd := get(amData, sdm); code != http.StatusOK {
		t.Errorf("am-data with a nudm-sdm token = %d %+v, want 200", code, pd)
	}
	// The NRF's own services need no token.
	if code, _, pd := get(nrfURL+"/nnrf-nfm/v1/nf-instances", ""); code != http.StatusOK {
		t.Errorf("NFListRetrieval without a token = %d %+v, want 200", code, pd)
	}

	// The NRF restarts on its address with the key it keeps: every NF
	// registers again, and the tokens it issues now pass.
	stopNRF()
	nrfCfg.SBI.Address = nrfAddr
	nrfApp, _ = runApp(t, nrfCfg)
	for _, nf := range []string{"UDR", "UDM", "AUSF", "AMF"} {
		waitRegistered(t, nrfAddr, nf, 1, 30*time.Second)
	}
	again, err := app.NRFSigningKey(nrfCfg, nil)
	if err != nil || !again.Public().Equal(sign.Public()) {
		t.Fatalf("the restarted NRF's key: %v, the same: %v", err, again.Public().Equal(sign.Public()))
	}
	for _, s := range []string{"nausf-auth", "nudm-sdm"} {
		amf.InvalidateToken(s)
	}
	fresh, err := amf.Token(context.Background(), "nudm-sdm")
	if err != nil || fresh == sdm {
		t.Fatalf("a token of the restarted NRF: %v (the former one: %v)", err, fresh == sdm)
	}
	if code, _, pd := get(amData, fresh); code != http.StatusOK {
		t.Errorf("am-data with a token of the restarted NRF = %d %+v, want 200", code, pd)
	}
	authenticate("after the NRF restarted")
	// Deregistrations reach the NRF, which stops last.
	stopAMF()
	stopHome()
	stopUDR()
}

// consumer registers an NF of type t at the NRF and returns its client
// once registered, and what deregisters it.
func consumer(t *testing.T, nrfURL string, nfType sbi.NFType) (*nfclient.Client, func()) {
	t.Helper()
	plmn := ident.PLMN{MCC: "001", MNC: "01"}
	spec := nfclient.Spec{InstanceID: "3b5e9a8c-2d1f-4e6a-9b7c-0a1b2c3d4e5f", Type: nfType, APIRoot: "http://127.0.0.1:9", Name: "test-consumer",
		PLMNs: []ident.PLMN{plmn}, GUAMIs: []ident.GUAMI{{PLMN: plmn, RegionID: 1, SetID: 1}}, TAIs: []ident.TAI{{PLMN: plmn, TAC: 1}}}
	prof, err := nfclient.Profile(spec)
	if err != nil {
		t.Fatal(err)
	}
	c, err := nfclient.New(nfclient.Options{NRF: nrfURL, Profile: prof, Timeout: 2 * time.Second, RetryInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c.Start()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := c.Stop(ctx); err != nil {
				t.Errorf("consumer %s stop: %v", nfType, err)
			}
		})
	}
	t.Cleanup(stop)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WaitRegistered(ctx); err != nil {
		t.Fatalf("consumer %s: %v", nfType, err)
	}
	return c, stop
}

// provision adds a subscriber through the UDR's management API.
func provision(t *testing.T, a *app.App, dataDir, supi string) {
	t.Helper()
	token, err := os.ReadFile(filepath.Join(dataDir, app.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	body := `{"supi":"` + supi + `","k":"465b5ce8b199b49faa5f0a2ee238a6bc","opc":"cd63cb71954a9f4e48a5994e37a02baf"}`
	req, _ := http.NewRequest("POST", "http://"+a.HTTPAddr().String()+"/api/v1/subscribers", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusCreated {
		t.Fatalf("provisioning %s = %d %s", supi, resp.StatusCode, b)
	}
}

// TestOAuth2KeyErrors: a process refuses to start on a key it cannot
// use, naming the key: an NRF whose nrf_key is another key's (its
// producers would refuse every token), a producer whose nrf_key is
// missing or not a public key, an NRF whose key file others may read.
func TestOAuth2KeyErrors(t *testing.T) {
	other, _ := accesstoken.GenerateSigningKey()
	otherPub, _ := other.Public().PEM()
	otherPriv, _ := other.PEM()
	dir := t.TempDir()
	write := func(name string, b []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pubFile, privFile := write("other.pub", otherPub, 0o644), write("other.pem", otherPriv, 0o644)
	for _, c := range []struct {
		name string
		cfg  func() config.Config
		key  string
	}{
		{"NRF with another's public key", func() config.Config { return oauth2Config(t, pubFile, "nrf") }, "sbi.oauth2.nrf_key"},
		{"NRF key readable by others", func() config.Config {
			cfg := oauth2Config(t, "", "nrf")
			cfg.SBI.OAuth2.SigningKey = privFile
			return cfg
		}, "sbi.oauth2.signing_key"},
		{"producer without the key file", func() config.Config {
			cfg := oauth2Config(t, filepath.Join(dir, "none.pub"), "udr")
			cfg.SBI.NRF = "http://127.0.0.1:9"
			return cfg
		}, "sbi.oauth2.nrf_key"},
		{"producer with a private key as nrf_key", func() config.Config {
			cfg := oauth2Config(t, write("priv-as-pub.pem", otherPriv, 0o600), "udr")
			cfg.SBI.NRF = "http://127.0.0.1:9"
			return cfg
		}, "sbi.oauth2.nrf_key"},
	} {
		a, err := app.New(context.Background(), c.cfg(), app.Options{})
		if err == nil {
			a.Close()
			t.Errorf("%s: app.New succeeded", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.key) || strings.Contains(err.Error(), string(otherPriv[30:60])) {
			t.Errorf("%s: %v, want an error naming %s without key material", c.name, err, c.key)
		}
	}
}
