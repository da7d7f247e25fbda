package sqlite

import (
	"context"
	"fmt"

	"github.com/keelcore/keel/internal/store"
)

var _ store.ChangeNotifier = (*Store)(nil)

// WatchChanges announces the subscribers updated or deleted through this
// store (store.ChangeNotifier): a database file has one UDR, so every
// change passes through it. It ends when ctx is done or the store closes.
func (s *Store) WatchChanges(ctx context.Context, fn func(store.Change)) error {
	if err := s.changes.Watch(ctx, fn); err != nil {
		return fmt.Errorf("sqlite: %s: watching changes: %w", s.path, err)
	}
	return nil
}
