package churn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
)

// Config describes a churn run.
type Config struct {
	Transport sctp.Transport
	// AMFs are the N2 addresses of the AMF, or of the AMFs of a set, that
	// every gNB connects to.
	AMFs []netip.AddrPort
	// GNBs are the simulated gNBs, each kept connected by the run.
	GNBs []gnb.Config
	// UEs is the number of UEs cycling at once; UE i uses gNB i mod
	// len(GNBs). NewUE builds UE i afresh for every cycle, so that each
	// registration is an initial one with a SUCI.
	UEs   int
	NewUE func(i int) (*ue.UE, error)
	// PDU adds PDU session 1 on DNN (empty: the subscription's default)
	// and Slice to each cycle; a valid Ping then sends PingCount echo
	// requests to it through the session.
	PDU       bool
	DNN       string
	Slice     ident.SNSSAI
	Ping      netip.Addr
	PingCount int
	// Duration is how long the run lasts.
	Duration time.Duration
	// ReconnectEvery is the time between two drops of one gNB's
	// association; the gNBs' drops are spread evenly over it. Zero never
	// drops.
	ReconnectEvery time.Duration
	// Timeout bounds one cycle and one NG Setup.
	Timeout time.Duration
	Log     *slog.Logger
}

// Summary is what a run did.
type Summary struct {
	// Cycles counts the cycles completed.
	Cycles          int `json:"cycles"`
	Registrations   int `json:"registrations"`
	Sessions        int `json:"sessions"`
	PingSent        int `json:"ping_sent"`
	PingReplies     int `json:"ping_replies"`
	Deregistrations int `json:"deregistrations"`
	// Failures counts the unexpected failures by cause: cycles that
	// failed on a gNB the run had not dropped ("5gmm-cause-7",
	// "timeout", ...), gNB associations the core ended ("gnb-lost"),
	// reconnections refused or failed ("reconnect timeout", ...).
	Failures map[string]int `json:"failures"`
	// Interrupted counts, by cause, the cycles that failed because the
	// run dropped their gNB's association while they were under way.
	Interrupted map[string]int `json:"interrupted"`
	// Unfinished counts the cycles the end of the run cut short.
	Unfinished int `json:"unfinished"`
	// Reconnects counts the associations re-established with NG Setup
	// after a drop.
	Reconnects int `json:"reconnects"`
	// ReconnectWaits counts, by cause, the NG Setups on reconnection the
	// AMF refused with a Time to Wait; the gNB waited and set up again.
	ReconnectWaits map[string]int `json:"reconnect_waits"`
}

// Unexpected is the number of unexpected failures.
func (s *Summary) Unexpected() int {
	n := 0
	for _, v := range s.Failures {
		n += v
	}
	return n
}

// tally collects the counts of the UE and gNB goroutines.
type tally struct {
	mu sync.Mutex
	s  Summary
}

func (t *tally) add(f func(s *Summary)) {
	t.mu.Lock()
	f(&t.s)
	t.mu.Unlock()
}

// Run runs the churn until cfg.Duration has passed or ctx ends, and
// returns what happened. It fails only when cfg is unusable or no gNB
// completes its first NG Setup.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	if len(cfg.AMFs) == 0 || len(cfg.GNBs) == 0 || cfg.UEs < 1 || cfg.NewUE == nil || cfg.Duration <= 0 || cfg.Timeout <= 0 {
		return Summary{}, errors.New("churn: want AMFs, gNBs, UEs, NewUE, a duration and a timeout")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	t := &tally{s: Summary{Failures: map[string]int{}, Interrupted: map[string]int{}, ReconnectWaits: map[string]int{}}}
	slots := make([]*slot, len(cfg.GNBs))
	for i, gc := range cfg.GNBs {
		cctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
		g, err := gnb.ConnectAMFs(cctx, cfg.Transport, cfg.AMFs, gc, cfg.Log)
		cancel()
		if err != nil {
			for _, s := range slots[:i] {
				s.g.Close()
			}
			return Summary{}, fmt.Errorf("churn: gNB %d: %w", i+1, err)
		}
		slots[i] = newSlot(gc, g)
	}

	runCtx, stop := context.WithTimeout(ctx, cfg.Duration)
	defer stop()
	var wg sync.WaitGroup
	for i, s := range slots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var first time.Duration
			if cfg.ReconnectEvery > 0 {
				first = cfg.ReconnectEvery * time.Duration(i+1) / time.Duration(len(slots))
			}
			s.keep(runCtx, &cfg, first, t)
		}()
	}
	var ues sync.WaitGroup
	for i := range cfg.UEs {
		ues.Add(1)
		go func() {
			defer ues.Done()
			cycleUE(runCtx, &cfg, i, slots[i%len(slots)], t)
		}()
	}
	ues.Wait()
	wg.Wait()
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.s, nil
}

// cycleUE runs UE i's cycles until ctx ends.
func cycleUE(ctx context.Context, cfg *Config, i int, s *slot, t *tally) {
	for ctx.Err() == nil {
		g, gen, ok := s.current(ctx)
		if !ok {
			return
		}
		err := cycle(ctx, cfg, i, g, t)
		switch {
		case err == nil:
			t.add(func(s *Summary) { s.Cycles++ })
		case ctx.Err() != nil:
			t.add(func(s *Summary) { s.Unfinished++ })
		case s.dropped(gen):
			cause := scenario.Cause(err)
			t.add(func(s *Summary) { s.Interrupted[cause]++ })
		default:
			cause := scenario.Cause(err)
			cfg.Log.Warn("churn: cycle failed", "ue", i, "cause", cause, "err", err)
			t.add(func(s *Summary) { s.Failures[cause]++ })
			// Not a hot loop against a core that refuses everything.
			pause(ctx, 100*time.Millisecond)
		}
	}
}

// cycle registers UE i afresh on g, gives it a PDU session and pings
// through it when asked, and deregisters it.
func cycle(ctx context.Context, cfg *Config, i int, g *gnb.GNB, t *tally) error {
	u, err := cfg.NewUE(i)
	if err != nil {
		return &scenario.Failure{Cause: "ue", Err: err}
	}
	cctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	s, _, err := scenario.Register(cctx, g, u)
	if err != nil {
		return err
	}
	// A cycle that fails with the connection up leaves it to the AMF;
	// the gNB forgets it, as after a radio link failure.
	defer func() {
		if s.Conn != nil {
			s.Conn.Close()
		}
	}()
	t.add(func(s *Summary) { s.Registrations++ })
	if cfg.PDU {
		if _, _, err := s.EstablishPDUSession(cctx, 1, cfg.DNN, cfg.Slice); err != nil {
			return err
		}
		t.add(func(s *Summary) { s.Sessions++ })
		if cfg.Ping.IsValid() {
			p, err := s.Ping(cctx, 1, cfg.Ping, cfg.PingCount)
			t.add(func(s *Summary) { s.PingSent += p.Sent; s.PingReplies += p.Received })
			if err != nil {
				return err
			}
			if p.Received < p.Sent {
				return &scenario.Failure{Cause: "ping-unanswered"}
			}
		}
	}
	if err := s.Deregister(cctx); err != nil {
		return err
	}
	t.add(func(s *Summary) { s.Deregistrations++ })
	return nil
}

func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
