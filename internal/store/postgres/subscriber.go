package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/subcodec"
)

// defaultPageSize is the page size of a ListQuery with no Limit.
const defaultPageSize = 100

// maxTxAttempts bounds the runs of a write transaction that loses to a
// deadlock or a serialization failure.
const maxTxAttempts = 4

const (
	subscriberColumns  = `supi, k, opc, op_is_op, amf, sqn, ue_ambr_ul, ue_ambr_dl, nssai, dnns`
	subscriberColumnsS = `s.supi, s.k, s.opc, s.op_is_op, s.amf, s.sqn, s.ue_ambr_ul, s.ue_ambr_dl, s.nssai, s.dnns`

	insertSubscriberSQL = `INSERT INTO subscribers (` + subscriberColumns + `)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (supi) DO NOTHING`
	insertDNNSQL     = `INSERT INTO subscriber_dnns (supi, dnn) VALUES ($1, $2)`
	insertAddressSQL = `INSERT INTO static_addresses (address, supi, dnn) VALUES ($1, $2, $3)
ON CONFLICT (address) DO NOTHING`
	addressHolderSQL = `SELECT supi FROM static_addresses WHERE address = $1`
)

func rowArgs(r *subcodec.Row) []any {
	return []any{r.SUPI, r.K, r.OPc, r.OPIsOP, r.AMF, r.SQN, r.AMBRUL, r.AMBRDL, r.NSSAI, r.DNNs}
}

// scanSubscriber reads the subscriberColumns of one row. Malformed stored
// data is reported as store.ErrCorrupt.
func scanSubscriber(sc pgx.Row) (*store.Subscriber, error) {
	var r subcodec.Row
	if err := sc.Scan(&r.SUPI, &r.K, &r.OPc, &r.OPIsOP, &r.AMF, &r.SQN, &r.AMBRUL, &r.AMBRDL, &r.NSSAI, &r.DNNs); err != nil {
		return nil, err
	}
	return subcodec.Decode(&r)
}

// writeTx runs fn in a transaction and commits if fn returns nil. A run
// that loses to a deadlock or a serialization failure runs again.
func (s *Store) writeTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	var err error
	for range maxTxAttempts {
		err = pgx.BeginFunc(ctx, s.pool, fn)
		if !retryable(err) {
			return err
		}
	}
	return err
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
		return fmt.Errorf("postgres: CreateSubscriber: %w", err)
	}
	r, err := subcodec.Encode(sub)
	if err != nil {
		return fmt.Errorf("postgres: CreateSubscriber %s: %w", sub.SUPI, err)
	}
	err = s.writeTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, insertSubscriberSQL, rowArgs(&r)...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return store.ErrExists
		}
		if err := claimAddresses(ctx, tx, &r, false); err != nil {
			return err
		}
		return insertDNNs(ctx, tx, r.SUPI, r.DNNNames)
	})
	if err != nil {
		return fmt.Errorf("postgres: CreateSubscriber %s: %w", sub.SUPI, err)
	}
	s.log.Debug("postgres: subscriber created", "supi", sub.SUPI)
	return nil
}

// insertDNNs records the DNN names of a subscriber for the DNN filter.
func insertDNNs(ctx context.Context, tx pgx.Tx, supi string, names []string) error {
	for _, n := range names {
		if _, err := tx.Exec(ctx, insertDNNSQL, supi, n); err != nil {
			return err
		}
	}
	return nil
}

// claimAddresses records r's static addresses in tx, after dropping those
// r's subscriber held before when replace is set. One held by another
// subscriber is an *store.AddressInUseError naming its holder.
func claimAddresses(ctx context.Context, tx pgx.Tx, r *subcodec.Row, replace bool) error {
	if replace {
		if _, err := tx.Exec(ctx, `DELETE FROM static_addresses WHERE supi = $1`, r.SUPI); err != nil {
			return err
		}
	}
	for _, a := range r.Addrs {
		tag, err := tx.Exec(ctx, insertAddressSQL, a.Key, a.SUPI, a.DNN)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			continue
		}
		var holder string
		if err := tx.QueryRow(ctx, addressHolderSQL, a.Key).Scan(&holder); err != nil {
			return err
		}
		return &store.AddressInUseError{Field: a.Field, Addr: a.Addr, Holder: holder}
	}
	return nil
}

// GetSubscriber returns the subscriber with that SUPI.
func (s *Store) GetSubscriber(ctx context.Context, supi string) (_ *store.Subscriber, err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opGet, time.Now())
	sub, err := scanSubscriber(s.pool.QueryRow(ctx, `SELECT `+subscriberColumnsS+` FROM subscribers s WHERE s.supi = $1`, supi))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: GetSubscriber %s: %w", supi, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: GetSubscriber %s: %w", supi, err)
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
		return fmt.Errorf("postgres: UpdateSubscriber: %w", err)
	}
	r, err := subcodec.Encode(sub)
	if err != nil {
		return fmt.Errorf("postgres: UpdateSubscriber %s: %w", sub.SUPI, err)
	}
	err = s.writeTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE subscribers
SET k = $1, opc = $2, op_is_op = $3, amf = $4, ue_ambr_ul = $5, ue_ambr_dl = $6, nssai = $7, dnns = $8
WHERE supi = $9`,
			r.K, r.OPc, r.OPIsOP, r.AMF, r.AMBRUL, r.AMBRDL, r.NSSAI, r.DNNs, r.SUPI)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		if err := claimAddresses(ctx, tx, &r, true); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM subscriber_dnns WHERE supi = $1`, r.SUPI); err != nil {
			return err
		}
		return insertDNNs(ctx, tx, r.SUPI, r.DNNNames)
	})
	if err != nil {
		return fmt.Errorf("postgres: UpdateSubscriber %s: %w", sub.SUPI, err)
	}
	s.log.Debug("postgres: subscriber updated", "supi", sub.SUPI)
	return nil
}

// DeleteSubscriber removes a subscriber with its DNN and address records.
func (s *Store) DeleteSubscriber(ctx context.Context, supi string) (err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opDelete, time.Now())
	tag, err := s.pool.Exec(ctx, `DELETE FROM subscribers WHERE supi = $1`, supi)
	if err == nil && tag.RowsAffected() == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("postgres: DeleteSubscriber %s: %w", supi, err)
	}
	s.log.Debug("postgres: subscriber deleted", "supi", supi)
	return nil
}

// CountSubscribers returns the number of subscribers.
func (s *Store) CountSubscribers(ctx context.Context) (_ int, err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opCount, time.Now())
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM subscribers`).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: CountSubscribers: %w", err)
	}
	return n, nil
}

// ListSubscribers returns one page in SUPI order (byte order: the "C"
// collation). It seeks to q.After rather than counting an offset, so a
// page costs the same wherever it is.
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
		return store.ListPage{}, fmt.Errorf("postgres: ListSubscribers: negative limit %d", limit)
	case limit == 0:
		limit = defaultPageSize
	case limit > store.MaxPageSize:
		limit = store.MaxPageSize
	}

	query := `SELECT ` + subscriberColumnsS + ` FROM subscribers s`
	key := `s.supi`
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if q.DNN != "" {
		query = `SELECT ` + subscriberColumnsS + ` FROM subscriber_dnns d JOIN subscribers s ON s.supi = d.supi`
		key = `d.supi`
		where = append(where, `d.dnn = `+arg(q.DNN))
	}
	if q.After != "" {
		where = append(where, key+` > `+arg(q.After))
	}
	if q.SUPIPrefix != "" {
		where = append(where, key+` >= `+arg(q.SUPIPrefix))
		if end, ok := prefixEnd(q.SUPIPrefix); ok && utf8.ValidString(end) {
			where = append(where, key+` < `+arg(end))
		} else {
			where = append(where, `starts_with(`+key+`, `+arg(q.SUPIPrefix)+`)`)
		}
	}
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY ` + key + ` LIMIT ` + arg(limit+1)

	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return store.ListPage{}, fmt.Errorf("postgres: ListSubscribers: %w", err)
	}
	defer rows.Close()
	var page store.ListPage
	for rows.Next() {
		sub, err := scanSubscriber(rows)
		if err != nil {
			return store.ListPage{}, fmt.Errorf("postgres: ListSubscribers: %w", err)
		}
		page.Subscribers = append(page.Subscribers, sub)
	}
	if err := rows.Err(); err != nil {
		return store.ListPage{}, fmt.Errorf("postgres: ListSubscribers: %w", err)
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
