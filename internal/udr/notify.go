package udr

import (
	"context"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store"
)

// Subscribe adds n to the NFs told of every change of subscription data
// (Nudr_DM_Subscribe with continuous reporting for any SUPI, TS 23.502
// §5.2.12, §4.16.9 step 0). Subscribe before the first change.
func (u *UDR) Subscribe(n sbi.NudrDataChangeNotifier) {
	u.subs.Lock()
	u.subs.list = append(u.subs.list, n)
	u.subs.Unlock()
}

// Changed is told that supi's subscription data changed in the store
// (the management API wrote it, through this UDR or another sharing the
// store): the cached copy goes, so the next read sees the change at once,
// and every subscriber is notified (Nudr_DM_Notify, TS 23.502 §4.16.9
// step 2), in the order they subscribed, on the caller's goroutine.
func (u *UDR) Changed(ctx context.Context, supi string) {
	u.cache.forget(supi)
	u.subs.Lock()
	list := u.subs.list
	u.subs.Unlock()
	for _, n := range list {
		n.SubscriptionDataChanged(ctx, supi)
	}
}

// Forget drops supi's cached subscription without notifying anyone: the
// writer calls it at once, and the notifications follow from the store's
// announcement of the change (Options.Changes).
func (u *UDR) Forget(supi string) { u.cache.forget(supi) }

// Start watches the store's changes (Options.Changes), if it announces
// them, on a goroutine of its own until Stop: each change is Changed,
// and news of changes missed (the store's connection was lost) drops the
// whole cache.
func (u *UDR) Start() {
	if u.changes == nil || u.watch.done != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	u.watch.cancel, u.watch.done = cancel, make(chan struct{})
	established := u.watching()
	go func() {
		defer close(u.watch.done)
		first := true
		err := u.changes.WatchChanges(ctx, func(c store.Change) {
			if first {
				first = false
				close(established)
			}
			if c.Missed {
				u.cache.forgetAll()
				u.log.Debug("subscription cache dropped: changes may have gone unannounced")
				return
			}
			u.Changed(ctx, c.SUPI)
		})
		if ctx.Err() == nil {
			u.log.Warn("no longer watching subscription changes", "error", err)
		}
	}()
}

// Watching returns a channel closed once the watch Start began is in
// place: changes committed after that are announced. It is never closed
// for a UDR without Options.Changes, or one not started.
func (u *UDR) Watching() <-chan struct{} { return u.watching() }

func (u *UDR) watching() chan struct{} {
	u.watchOnce.Do(func() { u.watch.established = make(chan struct{}) })
	return u.watch.established
}

// Stop ends the watch Start began and waits for it.
func (u *UDR) Stop() {
	if u.watch.done == nil {
		return
	}
	u.watch.cancel()
	<-u.watch.done
}
