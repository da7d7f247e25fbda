package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp/nudr"
)

// Subscription data changes between processes (TS 29.504 §5.2.2.3,
// §5.2.2.4; TS 23.502 §4.16.9 step 2): the UDR's process serves data
// change subscriptions; a process with the UDM or the PCF but not the
// UDR serves the notification callback and subscribes it at every UDR
// the NRF lists, retrying until each answers.

// subscribeRetry is the wait between attempts to subscribe at a UDR.
const subscribeRetry = 2 * time.Second

// dataChange fans a UDR's notification out to the NFs of the process.
type dataChange []sbi.NudrDataChangeNotifier

func (d dataChange) SubscriptionDataChanged(ctx context.Context, supi string) {
	for _, n := range d {
		n.SubscriptionDataChanged(ctx, supi)
	}
}

// serveDataChanges registers the routes of data change subscriptions on
// the SBI of a split process and returns the notifiers to subscribe at
// the UDRs of other processes (none when the process runs the UDR, or
// neither the UDM nor the PCF).
func (a *App) serveDataChanges() dataChange {
	if a.sbi == nil {
		return nil
	}
	if a.udr != nil {
		nudr.ServeSubscriptions(a.sbi.srv, a.udr, a.sbi.notify, a.log.With("component", "udr"))
		return nil
	}
	var d dataChange
	if a.udm != nil {
		d = append(d, a.udm)
	}
	if a.pcf != nil {
		d = append(d, a.pcf)
	}
	if len(d) > 0 {
		nudr.ServeNotifications(a.sbi.srv, d)
	}
	return d
}

// subscriber subscribes the process's data change callback at the UDRs
// of other processes: a goroutine from start to stop.
type subscriber struct {
	udrs     func(ctx context.Context) ([]sbi.Peer[sbi.NudrDataRepository], error)
	callback string
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// start subscribes at each UDR the NRF lists that has not answered yet,
// looking again every subscribeRetry, so that a UDR registering later
// (a new instance, after a restart) is subscribed at too.
func (s *subscriber) start(log *slog.Logger) {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		done := map[string]bool{}
		t := time.NewTicker(subscribeRetry)
		defer t.Stop()
		for {
			peers, _ := s.udrs(ctx)
			for _, p := range peers {
				c, ok := p.Service.(interface {
					Subscribe(ctx context.Context, callbackURI string) error
				})
				if !ok || done[p.ID] {
					continue
				}
				if err := c.Subscribe(ctx, s.callback); err != nil {
					log.Warn("subscribing to the UDR's data changes", "udr", p.ID, "err", err)
					continue
				}
				log.Info("subscribed to the UDR's data changes", "udr", p.ID, "callback", s.callback)
				done[p.ID] = true
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

func (s *subscriber) stop() {
	if s != nil && s.cancel != nil {
		s.cancel()
		s.wg.Wait()
	}
}
