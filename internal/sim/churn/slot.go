package churn

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/keelcore/keel/internal/sim/gnb"
)

// slot is one simulated gNB across its successive associations.
type slot struct {
	cfg gnb.Config

	mu sync.Mutex
	// g is the connected gNB, nil while it reconnects; up is closed
	// once g is set again. drops counts the run's own drops: a cycle
	// that began under another count was caught by one.
	g     *gnb.GNB
	up    chan struct{}
	drops uint64
}

func newSlot(cfg gnb.Config, g *gnb.GNB) *slot {
	up := make(chan struct{})
	close(up)
	return &slot{cfg: cfg, g: g, up: up}
}

// current waits until the gNB is connected and returns it with the drop
// count; ok is false when ctx ended first.
func (s *slot) current(ctx context.Context) (g *gnb.GNB, drops uint64, ok bool) {
	for {
		s.mu.Lock()
		g, drops, up := s.g, s.drops, s.up
		s.mu.Unlock()
		if g != nil {
			return g, drops, true
		}
		select {
		case <-up:
		case <-ctx.Done():
			return nil, 0, false
		}
	}
}

// dropped reports whether the run dropped the association since the
// drop count was drops.
func (s *slot) dropped(drops uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.drops != drops
}

// take removes the current gNB, counting a drop when planned.
func (s *slot) take(planned bool) *gnb.GNB {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.g
	s.g, s.up = nil, make(chan struct{})
	if planned {
		s.drops++
	}
	return g
}

func (s *slot) put(g *gnb.GNB) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.g = g
	close(s.up)
}

// keep holds the gNB connected until ctx ends: it drops the association
// with an ABORT first after first, then every cfg.ReconnectEvery, and
// reconnects with NG Setup; an association the core ends is an
// unexpected failure ("gnb-lost"), and the gNB reconnects.
func (s *slot) keep(ctx context.Context, cfg *Config, first time.Duration, t *tally) {
	var (
		tm   *time.Timer
		next <-chan time.Time
	)
	if cfg.ReconnectEvery > 0 {
		tm = time.NewTimer(first)
		defer tm.Stop()
		next = tm.C
	}
	for {
		s.mu.Lock()
		down := s.g.Down()
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			s.take(false).Close()
			return
		case <-next:
			g := s.take(true)
			g.Conn().Abort()
			g.Close()
			tm.Reset(cfg.ReconnectEvery)
		case <-down:
			s.take(false).Close()
			t.add(func(s *Summary) { s.Failures["gnb-lost"]++ })
		}
		if !s.reconnect(ctx, cfg, t) {
			return
		}
	}
}

// reconnect connects the gNB again, retrying until ctx ends; it reports
// whether the gNB is back.
func (s *slot) reconnect(ctx context.Context, cfg *Config, t *tally) bool {
	for ctx.Err() == nil {
		cctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
		g, err := gnb.ConnectAMFs(cctx, cfg.Transport, cfg.AMFs, s.cfg, cfg.Log)
		cancel()
		if err == nil {
			s.put(g)
			t.add(func(s *Summary) { s.Reconnects++ })
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		cause := connectCause(err)
		var se *gnb.SetupError
		if errors.As(err, &se) && se.TimeToWait > 0 {
			// TS 38.413 §8.7.1.3: the gNB waits at least the time the AMF
			// asked for, then sets up again. An AMF that has not yet seen
			// the dropped association's ABORT answers so.
			t.add(func(s *Summary) { s.ReconnectWaits[cause]++ })
			pause(ctx, se.TimeToWait)
			continue
		}
		cfg.Log.Warn("churn: gNB reconnection failed", "gnb", s.cfg.Name, "err", err)
		t.add(func(s *Summary) { s.Failures["reconnect "+cause]++ })
		pause(ctx, time.Second)
	}
	return false
}

// connectCause names a failed NG Setup for the summary.
func connectCause(err error) string {
	var se *gnb.SetupError
	switch {
	case errors.As(err, &se):
		return "ng-setup-failure " + se.Cause
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "transport"
}
