package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/nrf/nfclient"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// sbiPlane is the SBI of a process running some of the NFs: the HTTP/2
// server of its NFs' services on sbi.address, and what its clients of
// other processes' services share.
type sbiPlane struct {
	srv *sbihttp.Server
	ln  net.Listener
	// apiRoot is the server's, as registered at the NRF:
	// "http://127.0.0.1:7777" (h2c) or "https://...".
	apiRoot string
	// transport is shared by every client, so that each peer gets one
	// HTTP/2 connection whatever the services called on it.
	transport http.RoundTripper
	clientTLS *tls.Config
	// callbacks receive the notifications the process's consumers ask
	// their producers for; policies name the PCF instance of each SM
	// policy association they notify.
	callbacks *sbihttp.Callbacks
	policies  *policyOwners
	// agents are the User-Agents of the process's NFs by NF type
	// (TS 29.500 §5.2.2.2), set as each registers at the NRF while the
	// process is built, read-only once it runs.
	agents map[sbi.NFType]string
}

// buildSBI binds the SBI listener. A process running every NF has no
// SBI to serve: its NFs call each other directly.
func (a *App) buildSBI() error {
	if a.cfg.AllInOne() {
		return nil
	}
	serverTLS, clientTLS, err := sbiTLS(a.cfg.SBI.TLS)
	if err != nil {
		return err
	}
	if a.oauth, err = loadOAuth2(a.cfg, a.log); err != nil {
		return err
	}
	authorize, err := a.oauth.authorizer()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.cfg.SBI.Address.String())
	if err != nil {
		return fmt.Errorf("sbi.address: %w", err)
	}
	served, err := sbihttp.NewServerMetrics(a.registry)
	if err != nil {
		ln.Close()
		return fmt.Errorf("sbi: metrics: %w", err)
	}
	scheme := "http"
	if serverTLS != nil {
		scheme = "https"
	}
	p := &sbiPlane{
		srv:       sbihttp.NewServer(sbihttp.ServerConfig{TLS: serverTLS, Authorize: authorize, Log: a.log.With("component", "sbi"), Metrics: served}),
		ln:        ln,
		apiRoot:   scheme + "://" + ln.Addr().String(),
		transport: sbihttp.NewTransport(clientTLS),
		clientTLS: clientTLS,
		policies:  newPolicyOwners(),
	}
	p.callbacks = sbihttp.NewCallbacks(p.srv, p.apiRoot)
	p.agents = map[sbi.NFType]string{}
	a.sbi = p
	return nil
}

// client returns an SBI client of the process: every attempt bounded by
// sbi.timeout, over the shared transport, every request with userAgent
// (the consumer NF's, TS 29.500 §5.2.2.2), and with tokens (an NF's NRF
// client, nil when tokens are off) every request authorised by an
// access token of the service (TS 33.501 §13.4.1.2).
func (p *sbiPlane) client(cfg config.Config, r sbihttp.Resolver, tokens *nfclient.Client, userAgent string) *sbihttp.Client {
	cc := sbihttp.ClientConfig{Resolver: r, Timeout: cfg.SBI.Timeout, TLS: p.clientTLS, Transport: p.transport, UserAgent: userAgent}
	if tokens != nil {
		cc.Token, cc.InvalidateToken = tokens.Token, tokens.InvalidateToken
	}
	return sbihttp.NewClient(cc)
}

// notifier returns the client with which the process's NF of type t
// sends its notifications to consumers' callbacks (which take no token),
// its requests carrying the NF's User-Agent.
func (p *sbiPlane) notifier(cfg config.Config, t sbi.NFType) *sbihttp.Client {
	ua := p.agents[t]
	if ua == "" {
		ua = string(t)
	}
	return p.client(cfg, nil, nil, ua)
}

// start serves the SBI; stop ends it.
func (p *sbiPlane) start() {
	if p != nil {
		p.srv.Start(p.ln)
	}
}

func (p *sbiPlane) stop(ctx context.Context) error {
	if p == nil {
		return nil
	}
	return p.srv.Stop(ctx)
}

// close releases the listener of a plane never started.
func (p *sbiPlane) close() {
	if p != nil {
		p.ln.Close()
	}
}

// sbiTLS loads sbi.tls: the server's configuration (nil for h2c) and the
// clients' (nil for the defaults). TS 33.501 §13.1: TLS between NFs,
// mutual when configured.
func sbiTLS(t config.SBITLS) (server, client *tls.Config, err error) {
	var pool *x509.CertPool
	if t.CA != "" {
		pem, err := os.ReadFile(t.CA)
		if err != nil {
			return nil, nil, fmt.Errorf("sbi.tls.ca: %w", err)
		}
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("sbi.tls.ca: %s holds no PEM certificate", t.CA)
		}
	}
	if t.Certificate == "" {
		if pool == nil {
			return nil, nil, nil
		}
		return nil, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
	}
	cert, err := tls.LoadX509KeyPair(t.Certificate, t.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("sbi.tls: %w", err)
	}
	server = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	client = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if t.Mutual {
		server.ClientAuth, server.ClientCAs = tls.RequireAndVerifyClientCert, pool
		client.Certificates = []tls.Certificate{cert}
	}
	return server, client, nil
}

// SBIAddr is the address the SBI listens on; the zero AddrPort in a
// process running every NF, which serves no SBI.
func (a *App) SBIAddr() netip.AddrPort {
	if a.sbi == nil {
		return netip.AddrPort{}
	}
	return a.sbi.ln.Addr().(*net.TCPAddr).AddrPort()
}
