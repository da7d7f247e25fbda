package udr

import (
	"context"

	"github.com/keelcore/keel/internal/sbi"
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
// (the management API wrote it): the cached copy goes, so the next read
// sees the change at once, and every subscriber is notified (Nudr_DM_Notify,
// TS 23.502 §4.16.9 step 2), in the order they subscribed, on the
// caller's goroutine.
func (u *UDR) Changed(ctx context.Context, supi string) {
	u.cache.forget(supi)
	u.subs.Lock()
	list := u.subs.list
	u.subs.Unlock()
	for _, n := range list {
		n.SubscriptionDataChanged(ctx, supi)
	}
}
