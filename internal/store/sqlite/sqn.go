package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/subcodec"
)

// maxSQNBatch bounds the requests the SQN writer commits together.
const maxSQNBatch = 256

const (
	advanceSQL = `UPDATE subscribers SET sqn = sqn + 1 WHERE supi = ? AND sqn < ?
RETURNING k, opc, op_is_op, amf, sqn`
	resyncSQL = `UPDATE subscribers SET sqn = CASE WHEN sqn < ? THEN ? ELSE sqn END WHERE supi = ?
RETURNING sqn`
	lookupSQNSQL = `SELECT sqn FROM subscribers WHERE supi = ?`
)

type sqnOp uint8

const (
	opAdvance sqnOp = iota
	opResync
)

func (op sqnOp) String() string {
	if op == opResync {
		return "ResyncSQN"
	}
	return "AdvanceSQN"
}

// sqnRequest is one AdvanceSQN or ResyncSQN call waiting for the writer.
type sqnRequest struct {
	ctx   context.Context
	op    sqnOp
	supi  string
	sqnMS uint64
	// reply has room for the one result, so the writer never blocks on a
	// caller that has gone away.
	reply chan sqnResult
}

type sqnResult struct {
	auth store.AuthData
	err  error
}

// sqnWriter is the goroutine that applies SQN requests in batches, one
// commit per batch. Only run touches conn and the statements.
type sqnWriter struct {
	reqs chan sqnRequest
	// lock is the store's write lock, held for each batch.
	lock    chan struct{}
	metrics *metrics

	conn                    *sql.Conn
	advance, resync, lookup *sql.Stmt

	cancel context.CancelFunc
	done   chan struct{} // closed when run returns
}

// startSQNWriter takes a dedicated connection from db, prepares the SQN
// statements on it and starts the writer.
func startSQNWriter(ctx context.Context, db *sql.DB, lock chan struct{}, m *metrics) (*sqnWriter, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	w := &sqnWriter{
		reqs:    make(chan sqnRequest, maxSQNBatch),
		lock:    lock,
		metrics: m,
		conn:    conn,
		done:    make(chan struct{}),
	}
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{{&w.advance, advanceSQL}, {&w.resync, resyncSQL}, {&w.lookup, lookupSQNSQL}} {
		if *p.stmt, err = conn.PrepareContext(ctx, p.query); err != nil {
			w.closeConn()
			return nil, err
		}
	}
	runCtx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	go w.run(runCtx)
	return w, nil
}

// stop ends the writer, waits for it and releases its connection. Requests
// still queued belong to callers that have stopped waiting.
func (w *sqnWriter) stop() error {
	w.cancel()
	<-w.done
	return w.closeConn()
}

func (w *sqnWriter) closeConn() error {
	for _, st := range []*sql.Stmt{w.advance, w.resync, w.lookup} {
		if st != nil {
			st.Close()
		}
	}
	return w.conn.Close()
}

// do queues r and waits for its result or for ctx.
func (w *sqnWriter) do(ctx context.Context, r sqnRequest) sqnResult {
	r.ctx = ctx
	r.reply = make(chan sqnResult, 1)
	select {
	case w.reqs <- r:
	case <-ctx.Done():
		return r.failed(ctx.Err())
	}
	select {
	case res := <-r.reply:
		return res
	case <-ctx.Done():
		return r.failed(ctx.Err())
	}
}

func (r *sqnRequest) failed(err error) sqnResult {
	return sqnResult{err: fmt.Errorf("sqlite: %s %s: %w", r.op, r.supi, err)}
}

func (w *sqnWriter) run(ctx context.Context) {
	defer close(w.done)
	batch := make([]sqnRequest, 0, maxSQNBatch)
	results := make([]sqnResult, maxSQNBatch)
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-w.reqs:
			batch = append(batch[:0], r)
		}
	fill:
		for len(batch) < maxSQNBatch {
			select {
			case r := <-w.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		res := results[:len(batch)]
		clear(res)
		w.commit(ctx, batch, res)
		for i, r := range batch {
			r.reply <- res[i]
		}
		clear(batch)
	}
}

// commit applies batch in one transaction and fills res. Results are
// delivered only after commit returns: a request whose change was rolled
// back gets an error, never its SQN.
func (w *sqnWriter) commit(ctx context.Context, batch []sqnRequest, res []sqnResult) {
	failAll := func(err error) {
		for i := range batch {
			res[i] = batch[i].failed(err)
		}
	}
	select {
	case w.lock <- struct{}{}:
	case <-ctx.Done():
		failAll(ctx.Err())
		return
	}
	defer func() { <-w.lock }()

	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		failAll(err)
		return
	}
	advance := tx.StmtContext(ctx, w.advance)
	resync := tx.StmtContext(ctx, w.resync)
	lookup := tx.StmtContext(ctx, w.lookup)
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			res[i] = r.failed(err)
			continue
		}
		var dbErr error
		switch r.op {
		case opAdvance:
			res[i], dbErr = advanceOne(ctx, advance, lookup, r.supi)
		case opResync:
			res[i], dbErr = resyncOne(ctx, resync, r.supi, r.sqnMS)
		}
		if dbErr != nil {
			tx.Rollback()
			failAll(dbErr)
			return
		}
	}
	if err := tx.Commit(); err != nil {
		failAll(fmt.Errorf("commit: %w", err))
		return
	}
	advanced := 0
	for i, r := range batch {
		if r.op == opAdvance && res[i].err == nil {
			advanced++
		}
	}
	w.metrics.sqnAdvances.Add(float64(advanced))
}

// advanceOne increments one SQN inside the batch transaction. The error
// result is the subscriber's; the second return value is a database failure
// that dooms the whole batch.
func advanceOne(ctx context.Context, advance, lookup *sql.Stmt, supi string) (sqnResult, error) {
	var (
		k, opc   []byte
		opIsOP   bool
		amf, sqn int64
		errf     = func(err error) sqnResult { return sqnResult{err: fmt.Errorf("sqlite: AdvanceSQN %s: %w", supi, err)} }
	)
	err := advance.QueryRowContext(ctx, supi, int64(store.MaxSQN)).Scan(&k, &opc, &opIsOP, &amf, &sqn)
	if errors.Is(err, sql.ErrNoRows) {
		err = lookup.QueryRowContext(ctx, supi).Scan(&sqn)
		if errors.Is(err, sql.ErrNoRows) {
			return errf(store.ErrNotFound), nil
		}
		if err != nil {
			return sqnResult{}, err
		}
		return errf(fmt.Errorf("SQN %d cannot advance without exceeding 48 bits", sqn)), nil
	}
	if err != nil {
		return sqnResult{}, err
	}
	auth, err := subcodec.DecodeAuth(supi, k, opc, opIsOP, amf, sqn)
	if err != nil {
		return sqnResult{err: fmt.Errorf("sqlite: AdvanceSQN: %w", err)}, nil
	}
	return sqnResult{auth: auth}, nil
}

func resyncOne(ctx context.Context, resync *sql.Stmt, supi string, sqnMS uint64) (sqnResult, error) {
	var sqn int64
	err := resync.QueryRowContext(ctx, int64(sqnMS), int64(sqnMS), supi).Scan(&sqn)
	if errors.Is(err, sql.ErrNoRows) {
		return sqnResult{err: fmt.Errorf("sqlite: ResyncSQN %s: %w", supi, store.ErrNotFound)}, nil
	}
	if err != nil {
		return sqnResult{}, err
	}
	return sqnResult{}, nil
}

// AdvanceSQN increments the subscriber's SQN and returns the authentication
// data with the new value, after the increment is committed to disk.
func (s *Store) AdvanceSQN(ctx context.Context, supi string) (_ store.AuthData, err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return store.AuthData{}, err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opAdvanceSQN, time.Now())
	res := s.sqn.do(ctx, sqnRequest{op: opAdvance, supi: supi})
	return res.auth, res.err
}

// ResyncSQN raises the stored SQN to sqnMS if it is lower.
func (s *Store) ResyncSQN(ctx context.Context, supi string, sqnMS uint64) (err error) {
	defer classify(&err)
	if err := s.enter(); err != nil {
		return err
	}
	defer s.life.calls.Done()
	defer s.metrics.observe(opResyncSQN, time.Now())
	if sqnMS > store.MaxSQN {
		return fmt.Errorf("sqlite: ResyncSQN %s: SQN %d exceeds 48 bits", supi, sqnMS)
	}
	return s.sqn.do(ctx, sqnRequest{op: opResync, supi: supi, sqnMS: sqnMS}).err
}
