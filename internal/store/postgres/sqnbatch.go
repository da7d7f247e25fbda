package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/subcodec"
)

// maxSQNBatch bounds the advances one batch statement carries.
const maxSQNBatch = 256

// batchAdvanceSQL advances several subscribers' SQNs in one statement and
// one commit: subscriber $1[i] by $2[i]. The rows are locked in SUPI order
// first, so that two processes' batches never wait on each other in a
// cycle. A subscriber absent, or whose SQN would pass $3, is left alone
// and returns no row.
const batchAdvanceSQL = `WITH b AS (
	SELECT * FROM unnest($1::text[], $2::bigint[]) AS b(supi, n)
), locked AS (
	SELECT s.supi FROM subscribers s JOIN b ON b.supi = s.supi ORDER BY s.supi FOR UPDATE OF s
)
UPDATE subscribers s SET sqn = s.sqn + b.n
FROM b, locked
WHERE s.supi = b.supi AND locked.supi = b.supi AND s.sqn + b.n <= $3
RETURNING s.supi, s.k, s.opc, s.op_is_op, s.amf, s.sqn`

// advanceReq is one AdvanceSQN call waiting for the batcher.
type advanceReq struct {
	ctx   context.Context
	supi  string
	reply chan advanceRes // room for one: the batcher never blocks on it
}

type advanceRes struct {
	auth store.AuthData
	err  error
	// single asks the caller to advance on its own: the batch could not
	// (the subscriber is absent or its SQN near the end), and the single
	// statement says which.
	single bool
}

// sqnBatcher is the goroutine that gathers the AdvanceSQN calls queued at
// one moment and advances them with one statement (group commit across
// callers): under load a commit, and its flush, serves many advances.
// Started by Open, stopped by Close after the calls in flight returned.
type sqnBatcher struct {
	s      *Store
	reqs   chan *advanceReq
	cancel context.CancelFunc
	done   chan struct{}
}

func startSQNBatcher(s *Store) *sqnBatcher {
	ctx, cancel := context.WithCancel(context.Background())
	b := &sqnBatcher{s: s, reqs: make(chan *advanceReq, maxSQNBatch), cancel: cancel, done: make(chan struct{})}
	go b.run(ctx)
	return b
}

func (b *sqnBatcher) stop() {
	b.cancel()
	<-b.done
}

// advance queues one advance and waits for its result.
func (b *sqnBatcher) advance(ctx context.Context, supi string) advanceRes {
	r := &advanceReq{ctx: ctx, supi: supi, reply: make(chan advanceRes, 1)}
	select {
	case b.reqs <- r:
	case <-ctx.Done():
		return advanceRes{err: ctx.Err()}
	}
	select {
	case res := <-r.reply:
		return res
	case <-ctx.Done():
		// The batch may still commit this advance: an SQN left unused,
		// which TS 33.102 Annex C permits.
		return advanceRes{err: ctx.Err()}
	}
}

func (b *sqnBatcher) run(ctx context.Context) {
	defer close(b.done)
	batch := make([]*advanceReq, 0, maxSQNBatch)
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-b.reqs:
			batch = append(batch[:0], r)
		}
	fill:
		for len(batch) < maxSQNBatch {
			select {
			case r := <-b.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		b.commit(ctx, batch)
		clear(batch)
	}
}

// commit advances the live requests of batch in one statement and answers
// each. The i-th request of a subscriber advanced by n gets the i-th of
// the n values, in the order the requests came.
func (b *sqnBatcher) commit(ctx context.Context, batch []*advanceReq) {
	count := map[string]int64{}
	var live []*advanceReq
	for _, r := range batch {
		if r.ctx.Err() != nil {
			r.reply <- advanceRes{err: r.ctx.Err()}
			continue
		}
		count[r.supi]++
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	if len(live) == 1 {
		live[0].reply <- advanceRes{single: true}
		return
	}
	supis := make([]string, 0, len(count))
	for s := range count {
		supis = append(supis, s)
	}
	slices.Sort(supis)
	ns := make([]int64, len(supis))
	for i, s := range supis {
		ns[i] = count[s]
	}
	last := map[string]store.AuthData{}
	var err error
	for range maxTxAttempts {
		clear(last)
		err = b.query(ctx, supis, ns, last)
		if !retryable(err) {
			break
		}
	}
	if err != nil {
		for _, r := range live {
			r.reply <- advanceRes{err: err}
		}
		return
	}
	b.s.metrics.sqnAdvances.Add(float64(len(live)))
	given := map[string]int64{}
	for _, r := range live {
		a, ok := last[r.supi]
		if !ok {
			r.reply <- advanceRes{single: true}
			continue
		}
		given[r.supi]++
		a.SQN = a.SQN - uint64(count[r.supi]) + uint64(given[r.supi])
		r.reply <- advanceRes{auth: a}
	}
}

// query runs the batch statement and records, per subscriber advanced,
// the authentication data with its new (last) SQN.
func (b *sqnBatcher) query(ctx context.Context, supis []string, ns []int64, last map[string]store.AuthData) error {
	rows, err := b.s.pool.Query(ctx, batchAdvanceSQL, supis, ns, int64(store.MaxSQN))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			supi     string
			k, opc   []byte
			opIsOP   bool
			amf, sqn int64
		)
		if err := rows.Scan(&supi, &k, &opc, &opIsOP, &amf, &sqn); err != nil {
			return err
		}
		a, err := subcodec.DecodeAuth(supi, k, opc, opIsOP, amf, sqn)
		if err != nil {
			return err
		}
		last[supi] = a
	}
	return rows.Err()
}

// advanceOne is AdvanceSQN as one statement of its own, for a call the
// batch did not serve: it also tells an absent subscriber from an SQN at
// its end.
func (s *Store) advanceOne(ctx context.Context, supi string) (store.AuthData, error) {
	var (
		k, opc   []byte
		opIsOP   bool
		amf, sqn int64
	)
	err := s.pool.QueryRow(ctx, advanceSQL, supi, int64(store.MaxSQN)).Scan(&k, &opc, &opIsOP, &amf, &sqn)
	if errors.Is(err, pgx.ErrNoRows) {
		err = s.pool.QueryRow(ctx, lookupSQNSQL, supi).Scan(&sqn)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.AuthData{}, store.ErrNotFound
		}
		if err != nil {
			return store.AuthData{}, err
		}
		return store.AuthData{}, fmt.Errorf("SQN %d cannot advance without exceeding 48 bits", sqn)
	}
	if err != nil {
		return store.AuthData{}, err
	}
	s.metrics.sqnAdvances.Inc()
	return subcodec.DecodeAuth(supi, k, opc, opIsOP, amf, sqn)
}
