package app

import (
	"context"

	"github.com/keelcore/keel/internal/nrf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// rootNRF builds the NRF (TS 29.510) on this process's SBI: NF
// registration, heartbeats, status notifications and discovery for the
// processes of a split core. A process running every NF has no SBI, and
// its NFs find one another in the process's own directory: the NRF is
// not built there.
func (a *App) rootNRF(_ context.Context) error {
	if a.sbi == nil {
		return nil
	}
	id := newInstanceID()
	opts := nrf.Options{
		InstanceID: id,
		APIRoot:    a.sbi.apiRoot,
		Notifier:   nrf.HTTPNotifier{Client: a.sbi.client(a.cfg, nil, nil, sbihttp.UserAgent(string(sbi.NFTypeNRF), id))},
		Logger:     a.log.With("component", "nrf"),
		Registry:   a.registry,
	}
	if a.oauth != nil {
		// Nnrf_AccessToken (TS 29.510 §5.4): without a key the token
		// endpoint refuses every request.
		opts.SigningKey = a.oauth.sign
	}
	n, err := nrf.New(opts)
	if err != nil {
		return err
	}
	n.Routes(a.sbi.srv)
	a.nrf = n
	return nil
}
