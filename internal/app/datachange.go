package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp/nudm"
	"github.com/keelcore/keel/internal/sbihttp/nudr"
)

// Subscription data changes between processes (TS 29.504 §5.2.2.3,
// §5.2.2.4; TS 23.502 §4.16.9 step 2, §4.5.1): the UDR's process serves
// data change subscriptions, and a process with the UDM or the PCF but
// not the UDR serves the notification callback and subscribes it at
// every UDR the NRF lists; likewise the UDM's process serves SDM
// subscriptions, and a process with the AMF but not the UDM subscribes
// its callback at every UDM.

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
	if a.udm != nil {
		nudm.ServeSubscriptions(a.sbi.srv, a.udm, a.sbi.notifier(a.cfg, sbi.NFTypeUDM), a.log.With("component", "udm"))
	} else if a.amf != nil {
		nudm.ServeNotifications(a.sbi.srv, a.amf)
	}
	if a.udr != nil {
		nudr.ServeSubscriptions(a.sbi.srv, a.udr, a.sbi.notifier(a.cfg, sbi.NFTypeUDR), a.log.With("component", "udr"))
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

// target is one producer instance to subscribe at: its ID and the
// subscription request.
type target struct {
	id        string
	subscribe func(ctx context.Context) error
}

// subscriber subscribes a callback of the process at the producers of
// other processes (UDRs for data changes, UDMs for SDM changes): a
// goroutine from start to stop.
type subscriber struct {
	what    string // for the log: "the UDR's data changes"
	targets func(ctx context.Context) []target
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// start subscribes at each producer the NRF lists that has not answered
// yet, looking again every subscribeRetry, so that one registering later
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
			for _, tg := range s.targets(ctx) {
				if done[tg.id] {
					continue
				}
				if err := tg.subscribe(ctx); err != nil {
					log.Warn("subscribing to "+s.what, "instance", tg.id, "err", err)
					continue
				}
				log.Info("subscribed to "+s.what, "instance", tg.id)
				done[tg.id] = true
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

// dataChangeTargets are the UDRs of other processes, for the data change
// callback of the process at callback (TS 29.504 §5.2.2.3).
func dataChangeTargets(dir sbi.Directory, callback string) func(ctx context.Context) []target {
	return func(ctx context.Context) []target {
		peers, _ := dir.UDRs(ctx, sbi.Query{})
		var out []target
		for _, p := range peers {
			if c, ok := p.Service.(interface {
				Subscribe(ctx context.Context, callbackURI string) error
			}); ok {
				out = append(out, target{p.ID, func(ctx context.Context) error { return c.Subscribe(ctx, callback) }})
			}
		}
		return out
	}
}

// sdmTargets are the UDMs of other processes, for the SDM change
// callback of the process's AMF at callback (TS 29.503 §5.2.2.3,
// Nudm_SDM_Subscribe to am-data of any UE).
func sdmTargets(dir sbi.Directory, callback string) func(ctx context.Context) []target {
	return func(ctx context.Context) []target {
		peers, _ := dir.UDMs(ctx, sbi.Query{})
		var out []target
		for _, p := range peers {
			if c, ok := p.Service.(interface {
				SubscribeSDM(ctx context.Context, callbackURI string) error
			}); ok {
				out = append(out, target{p.ID, func(ctx context.Context) error { return c.SubscribeSDM(ctx, callback) }})
			}
		}
		return out
	}
}
