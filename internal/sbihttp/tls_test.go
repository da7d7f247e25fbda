package sbihttp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"
)

// testCA issues certificates for 127.0.0.1 signed by one CA.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "keel test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

func (ca *testCA) issue(t *testing.T, name string, usage x509.ExtKeyUsage) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestTLSAndMutualTLS(t *testing.T) {
	ca := newTestCA(t)
	serverCert := ca.issue(t, "udm", x509.ExtKeyUsageServerAuth)
	clientCert := ca.issue(t, "ausf", x509.ExtKeyUsageClientAuth)

	plain := start(t, echoServer(ServerConfig{TLS: &tls.Config{Certificates: []tls.Certificate{serverCert}}}), "https")
	mutual := start(t, echoServer(ServerConfig{TLS: &tls.Config{
		Certificates: []tls.Certificate{serverCert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.pool,
	}}), "https")

	call := func(root string, cfg *tls.Config) (echoOut, error) {
		c := NewClient(ClientConfig{Resolver: StaticResolver{"nkeel-echo": {root}}, TLS: cfg, MaxAttempts: 1})
		defer c.CloseIdle()
		var out echoOut
		_, err := c.Do(context.Background(), Request{Service: "nkeel-echo", Method: "GET", Path: "/echoes/imsi-1"}, &out)
		return out, err
	}
	if out, err := call(plain, &tls.Config{RootCAs: ca.pool}); err != nil || out.Proto != 2 {
		t.Errorf("TLS: %+v, %v, want HTTP/2", out, err)
	}
	if _, err := call(plain, &tls.Config{}); err == nil {
		t.Errorf("TLS with an unknown server CA succeeded")
	}
	if out, err := call(mutual, &tls.Config{RootCAs: ca.pool, Certificates: []tls.Certificate{clientCert}}); err != nil || out.Proto != 2 {
		t.Errorf("mutual TLS: %+v, %v", out, err)
	}
	if _, err := call(mutual, &tls.Config{RootCAs: ca.pool}); err == nil {
		t.Errorf("mutual TLS without a client certificate succeeded")
	}
}
