package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/subcodec"
)

// defaultPageSize is the page size of a ListQuery with no Limit.
const defaultPageSize = 100

// writeTx runs fn in a write transaction, holding the store's write lock,
// and commits if fn returns nil.
func (s *Store) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	select {
	case s.writeLock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.writeLock }()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// CreateSubscriber stores a new subscriber with the SQN it carries.
func (s *Store) CreateSubscriber(ctx context.Context, sub *store.Subscriber) (err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opCreate, time.Now())
	if err := subcodec.Validate(sub); err != nil {
		return fmt.Errorf("sqlite: CreateSubscriber: %w", err)
	}
	r, err := subcodec.Encode(sub)
	if err != nil {
		return fmt.Errorf("sqlite: CreateSubscriber %s: %w", sub.SUPI, err)
	}
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, insertSubscriberSQL, rowArgs(&r)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrExists
		}
		if _, err := tx.ExecContext(ctx, addCountSQL, 1); err != nil {
			return err
		}
		if err := claimAddresses(ctx, tx, &r); err != nil {
			return err
		}
		return replaceDNNs(ctx, tx, r.SUPI, r.DNNNames)
	})
	if err != nil {
		return fmt.Errorf("sqlite: CreateSubscriber %s: %w", sub.SUPI, err)
	}
	s.log.Debug("sqlite: subscriber created", "supi", sub.SUPI)
	return nil
}

// replaceDNNs sets the DNN names recorded for supi.
func replaceDNNs(ctx context.Context, tx *sql.Tx, supi string, names []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM subscriber_dnns WHERE supi = ?`, supi); err != nil {
		return err
	}
	if len(names) == 0 {
		return nil
	}
	ins, err := tx.PrepareContext(ctx, insertDNNSQL)
	if err != nil {
		return err
	}
	defer ins.Close()
	return insertDNNs(ctx, ins, supi, names)
}

// GetSubscriber returns the subscriber with that SUPI.
func (s *Store) GetSubscriber(ctx context.Context, supi string) (_ *store.Subscriber, err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opGet, time.Now())
	sub, err := scanSubscriber(s.getStmt.QueryRowContext(ctx, supi))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: GetSubscriber %s: %w", supi, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: GetSubscriber %s: %w", supi, err)
	}
	return sub, nil
}

// UpdateSubscriber replaces everything but the SQN.
func (s *Store) UpdateSubscriber(ctx context.Context, sub *store.Subscriber) (err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opUpdate, time.Now())
	if err := subcodec.Validate(sub); err != nil {
		return fmt.Errorf("sqlite: UpdateSubscriber: %w", err)
	}
	r, err := subcodec.Encode(sub)
	if err != nil {
		return fmt.Errorf("sqlite: UpdateSubscriber %s: %w", sub.SUPI, err)
	}
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE subscribers
SET k = ?, opc = ?, op_is_op = ?, amf = ?, ue_ambr_ul = ?, ue_ambr_dl = ?, nssai = ?, dnns = ?
WHERE supi = ?`,
			r.K, r.OPc, r.OPIsOP, r.AMF, r.AMBRUL, r.AMBRDL, r.NSSAI, r.DNNs, r.SUPI)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrNotFound
		}
		if err := claimAddresses(ctx, tx, &r); err != nil {
			return err
		}
		return replaceDNNs(ctx, tx, r.SUPI, r.DNNNames)
	})
	if err != nil {
		return fmt.Errorf("sqlite: UpdateSubscriber %s: %w", sub.SUPI, err)
	}
	s.changes.Publish(sub.SUPI)
	s.log.Debug("sqlite: subscriber updated", "supi", sub.SUPI)
	return nil
}

// DeleteSubscriber removes a subscriber and its DNN records.
func (s *Store) DeleteSubscriber(ctx context.Context, supi string) (err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opDelete, time.Now())
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM subscribers WHERE supi = ?`, supi)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrNotFound
		}
		_, err = tx.ExecContext(ctx, addCountSQL, -1)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: DeleteSubscriber %s: %w", supi, err)
	}
	s.changes.Publish(supi)
	s.log.Debug("sqlite: subscriber deleted", "supi", supi)
	return nil
}

// CountSubscribers returns the number of subscribers, from the count the
// writes keep (migration subscriber_count): one row read however many
// subscribers there are.
func (s *Store) CountSubscribers(ctx context.Context) (_ int, err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opCount, time.Now())
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT n FROM subscriber_count WHERE id = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: CountSubscribers: %w", err)
	}
	return n, nil
}

// ListSubscribers returns one page in SUPI order. It seeks to q.After
// rather than counting an offset, so a page costs the same wherever it is
// and concurrent inserts or deletes never make a walk repeat or skip a
// subscriber that stays in place.
func (s *Store) ListSubscribers(ctx context.Context, q store.ListQuery) (_ store.ListPage, err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return store.ListPage{}, err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opList, time.Now())
	limit := q.Limit
	switch {
	case limit < 0:
		return store.ListPage{}, fmt.Errorf("sqlite: ListSubscribers: negative limit %d", limit)
	case limit == 0:
		limit = defaultPageSize
	case limit > store.MaxPageSize:
		limit = store.MaxPageSize
	}

	// With a DNN, the walk follows the (dnn, supi) index, so a page costs
	// its size however rare the DNN is.
	query := `SELECT ` + subscriberColumnsS + ` FROM subscribers s`
	key := `s.supi`
	var (
		where []string
		args  []any
	)
	if q.DNN != "" {
		query = `SELECT ` + subscriberColumnsS + ` FROM subscriber_dnns d JOIN subscribers s ON s.supi = d.supi`
		key = `d.supi`
		where, args = append(where, `d.dnn = ?`), append(args, q.DNN)
	}
	if q.After != "" {
		where, args = append(where, key+` > ?`), append(args, q.After)
	}
	if q.SUPIPrefix != "" {
		where, args = append(where, key+` >= ?`), append(args, q.SUPIPrefix)
		if end, ok := prefixEnd(q.SUPIPrefix); ok {
			where, args = append(where, key+` < ?`), append(args, end)
		}
	}
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY ` + key + ` LIMIT ?`
	args = append(args, limit+1)

	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return store.ListPage{}, fmt.Errorf("sqlite: ListSubscribers: %w", err)
	}
	defer rows.Close()
	var page store.ListPage
	for rows.Next() {
		sub, err := scanSubscriber(rows)
		if err != nil {
			return store.ListPage{}, fmt.Errorf("sqlite: ListSubscribers: %w", err)
		}
		page.Subscribers = append(page.Subscribers, sub)
	}
	if err := rows.Err(); err != nil {
		return store.ListPage{}, fmt.Errorf("sqlite: ListSubscribers: %w", err)
	}
	if len(page.Subscribers) > limit {
		page.Subscribers = page.Subscribers[:limit]
		page.Next = page.Subscribers[limit-1].SUPI
	}
	return page, nil
}

// prefixEnd returns the least string greater than every string that starts
// with prefix, in byte order, and false if there is none.
func prefixEnd(prefix string) (string, bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}
