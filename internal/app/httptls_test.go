package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key
// as PEM files in dir and returns their paths and a pool trusting it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "keel test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "http.crt"), filepath.Join(dir, "http.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// With http.tls the management listener speaks HTTPS only, and the
// console's session cookie is Secure.
func TestHTTPOverTLS(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.N3.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.N4.Address = netip.MustParseAddrPort("127.0.0.1:0")
	var certPool *x509.CertPool
	cfg.HTTP.TLS.Certificate, cfg.HTTP.TLS.Key, certPool = selfSigned(t, t.TempDir())
	noN2 := func(string, *slog.Logger) (sctp.Transport, error) {
		return nil, fmt.Errorf("no N2 in this test: %w", syscall.EPERM)
	}
	a, err := app.New(context.Background(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler), SelectN2: noN2})
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
	token, err := os.ReadFile(filepath.Join(cfg.DataDir, app.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: certPool}}}
	base := "https://" + a.HTTPAddr().String()
	resp, err := client.Post(base+"/api/v1/session", "application/json", strings.NewReader(`{"token":"`+strings.TrimSpace(string(token))+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in over HTTPS = %d", resp.StatusCode)
	}
	var secure bool
	for _, c := range resp.Cookies() {
		secure = secure || c.Name == "keel_session" && c.Secure && c.HttpOnly
	}
	if !secure {
		t.Errorf("session cookie over HTTPS %v: want Secure and HttpOnly", resp.Cookies())
	}
	if resp, err := client.Get(base + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz over HTTPS = %v, %v", resp, err)
	} else {
		resp.Body.Close()
	}
	// Plain HTTP is not served.
	if resp, err := http.Get("http://" + a.HTTPAddr().String() + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP answered 200 with http.tls set")
		}
	}
}

func TestHTTPTLSConfigErrors(t *testing.T) {
	cfg := config.Default()
	cfg.HTTP.TLS.Certificate = "/x.crt"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "http.tls") {
		t.Errorf("certificate without key: Validate() = %v, want an error naming http.tls", err)
	}
	cfg = config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Address = netip.MustParseAddrPort("127.0.0.1:0")
	cfg.HTTP.TLS.Certificate, cfg.HTTP.TLS.Key = filepath.Join(t.TempDir(), "none.crt"), filepath.Join(t.TempDir(), "none.key")
	noN2 := func(string, *slog.Logger) (sctp.Transport, error) {
		return nil, fmt.Errorf("no N2 in this test: %w", syscall.EPERM)
	}
	if _, err := app.New(context.Background(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler), SelectN2: noN2}); err == nil || !strings.Contains(err.Error(), "http.tls") {
		t.Errorf("missing certificate files: New() = %v, want an error naming http.tls", err)
	}
}
