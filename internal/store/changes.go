package store

import "context"

// ChangeNotifier is a store that announces changes of subscription data,
// so that what was read from it and kept (the UDR's cache, the UDM's and
// PCF's subscribers) is dropped when it changes rather than when a timer
// runs out (TS 23.502 §4.16.9 step 2, §4.5.1). The embedded engine
// announces the changes made through it; the shared engine (PostgreSQL)
// those made by any process sharing its database.
type ChangeNotifier interface {
	// WatchChanges calls fn on the caller's goroutine until ctx is done,
	// then returns ctx's error; it returns at once with an error if the
	// store is closed. fn gets each subscriber updated or deleted, after
	// the change committed, in commit order. Its first call, once the
	// watch is established, and any call after the watch was
	// re-established (a lost connection) or fell behind, has Missed set:
	// changes may have gone unannounced, and everything kept from the
	// store must go. fn must not block for long: announcements queue
	// behind it.
	WatchChanges(ctx context.Context, fn func(Change)) error
}

// Change is one announcement of a ChangeNotifier.
type Change struct {
	// SUPI is the subscriber whose data changed or who was deleted.
	SUPI string
	// Missed, with SUPI empty, means that any subscriber may have
	// changed.
	Missed bool
}
