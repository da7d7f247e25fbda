package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/keelcore/keel/internal/nrf/nfclient"
	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/sbi"
)

// pcfSweepInterval is the period of a split PCF's sweep of the SM policy
// associations of SMFs that are gone (pcf.OrphanSweep): one is released
// after two sweeps that found its SMF unlisted at the NRF, so between 5
// and 10 minutes after the NRF dropped the SMF.
const pcfSweepInterval = 5 * time.Minute

// pcfSweeper runs a split PCF's pcf.OrphanSweep every pcfSweepInterval,
// the SMFs registered read from the NRF (NFDiscovery with target-nf-type
// SMF, TS 29.510 §5.3.2.2, asked afresh).
//
// Concurrency: start runs one goroutine, the sweep's only user; stop
// cancels and joins it.
type pcfSweeper struct {
	sweep  *pcf.OrphanSweep
	every  time.Duration
	log    *slog.Logger
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// newPCFSweeper returns the sweeper of p, which finds the SMFs through
// disc, every every (0: pcfSweepInterval); nil without disc (one
// process: no SMF of another process makes associations).
func newPCFSweeper(p *pcf.PCF, disc *nfclient.Client, every time.Duration, log *slog.Logger) *pcfSweeper {
	if disc == nil {
		return nil
	}
	alive := func(ctx context.Context) (map[string]bool, error) {
		profiles, err := disc.DiscoverFresh(ctx, nnrf.Query{TargetNFType: sbi.NFTypeSMF})
		if err != nil {
			return nil, err
		}
		ids := make(map[string]bool, len(profiles))
		for _, p := range profiles {
			ids[p.NFInstanceID] = true
		}
		return ids, nil
	}
	if every <= 0 {
		every = pcfSweepInterval
	}
	return &pcfSweeper{sweep: p.NewOrphanSweep(alive), every: every, log: log}
}

func (s *pcfSweeper) start() {
	if s == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.done.Go(func() {
		t := time.NewTicker(s.every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if _, err := s.sweep.Run(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("sweep of the SM policy associations of SMFs gone not done", "error", err)
			}
		}
	})
}

func (s *pcfSweeper) stop() {
	if s == nil || s.cancel == nil {
		return
	}
	s.cancel()
	s.done.Wait()
}
