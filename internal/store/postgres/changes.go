package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/subcodec"
)

var _ store.ChangeNotifier = (*Store)(nil)

// changesChannel is the LISTEN/NOTIFY channel on which the trigger of
// schema migration 3 announces a changed subscriber's SUPI.
const changesChannel = "keel_subscriber_changed"

// Reconnection back-off of WatchChanges.
const (
	watchRetryMin = 50 * time.Millisecond
	watchRetryMax = 5 * time.Second
)

// WatchChanges announces the subscribers updated or deleted by any process
// sharing the database (store.ChangeNotifier). It holds a connection of
// its own, outside the pool, that LISTENs on changesChannel; when the
// connection fails it connects again, backing off up to watchRetryMax, and
// announces store.Change{Missed: true} once it listens again, since
// notifications sent meanwhile are lost. It runs on the caller's goroutine
// until ctx is done or the store closes.
func (s *Store) WatchChanges(ctx context.Context, fn func(store.Change)) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.life.calls.Done()
	// Close waits for the calls in flight: this one ends with the store.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.closing, cancel)
	defer stop()

	wait := watchRetryMin
	for {
		err := s.listen(ctx, fn, func() { wait = watchRetryMin })
		if ctx.Err() != nil {
			if s.closing.Err() != nil {
				return errClosed
			}
			return ctx.Err()
		}
		s.log.Warn("postgres: watching subscriber changes: connection lost, reconnecting",
			"database", s.name, "retry_in", wait, "error", err)
		select {
		case <-ctx.Done():
			continue
		case <-time.After(wait):
		}
		wait = min(2*wait, watchRetryMax)
	}
}

// listen connects, LISTENs and delivers notifications until the
// connection fails or ctx is done. listening is called once the LISTEN is
// in place.
func (s *Store) listen(ctx context.Context, fn func(store.Change), listening func()) error {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+changesChannel); err != nil {
		return err
	}
	listening()
	fn(store.Change{Missed: true})
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Channel != changesChannel {
			continue
		}
		fn(ParseChange(n.Payload))
	}
}

// ParseChange reads a notification's payload: the SUPI of the subscriber
// that changed. A payload that is not a SUPI (the channel is open to any
// session of the database) is taken as news of changes unknown:
// store.Change{Missed: true}.
func ParseChange(payload string) store.Change {
	if !subcodec.ValidSUPI(payload) {
		return store.Change{Missed: true}
	}
	return store.Change{SUPI: payload}
}
