package sqlite

import (
	"context"
	"database/sql"
	"slices"

	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/subcodec"
)

// subscriberColumns lists the columns of subscribers in the order
// rowArgs and scanSubscriber use; subscriberColumnsS is the same list
// qualified by the alias s.
const (
	subscriberColumns  = `supi, k, opc, op_is_op, amf, sqn, ue_ambr_ul, ue_ambr_dl, nssai, dnns`
	subscriberColumnsS = `s.supi, s.k, s.opc, s.op_is_op, s.amf, s.sqn, s.ue_ambr_ul, s.ue_ambr_dl, s.nssai, s.dnns`
)

const insertSubscriberSQL = `INSERT INTO subscribers (` + subscriberColumns + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (supi) DO NOTHING`

// addCountSQL adds to the kept number of subscribers (migration
// subscriber_count); every statement inserting into or deleting from
// subscribers is followed by it in its transaction.
const addCountSQL = `UPDATE subscriber_count SET n = n + ? WHERE id = 1`

const insertDNNSQL = `INSERT INTO subscriber_dnns (supi, dnn) VALUES (?, ?)`

// insertAddressSQL claims a static address; it changes no row when the
// address is held already.
const (
	insertAddressSQL = `INSERT INTO static_addresses (address, supi, dnn) VALUES (?, ?, ?)
ON CONFLICT (address) DO NOTHING`
	addressHolderSQL = `SELECT supi FROM static_addresses WHERE address = ?`
)

func rowArgs(r *subcodec.Row) []any {
	return []any{r.SUPI, r.K, r.OPc, r.OPIsOP, r.AMF, r.SQN, r.AMBRUL, r.AMBRDL, r.NSSAI, r.DNNs}
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// scanSubscriber reads the subscriberColumns of one row. Malformed stored
// data is reported as store.ErrCorrupt.
func scanSubscriber(sc scanner) (*store.Subscriber, error) {
	var r subcodec.Row
	err := sc.Scan(&r.SUPI, &r.K, &r.OPc, &r.OPIsOP, &r.AMF, &r.SQN, &r.AMBRUL, &r.AMBRDL, &r.NSSAI, &r.DNNs)
	if err != nil {
		return nil, err
	}
	return subcodec.Decode(&r)
}

// insertDNNs records the DNN names of a subscriber for the DNN filter. A
// DNN subscribed in several slices is recorded once.
func insertDNNs(ctx context.Context, ins *sql.Stmt, supi string, names []string) error {
	for i, n := range names {
		if slices.Contains(names[:i], n) {
			continue
		}
		if _, err := ins.ExecContext(ctx, supi, n); err != nil {
			return err
		}
	}
	return nil
}

// addressStmts claims static addresses in one transaction.
type addressStmts struct {
	insert, holder *sql.Stmt
}

func prepareAddressStmts(ctx context.Context, tx *sql.Tx) (addressStmts, error) {
	ins, err := tx.PrepareContext(ctx, insertAddressSQL)
	if err != nil {
		return addressStmts{}, err
	}
	holder, err := tx.PrepareContext(ctx, addressHolderSQL)
	if err != nil {
		ins.Close()
		return addressStmts{}, err
	}
	return addressStmts{insert: ins, holder: holder}, nil
}

func (a addressStmts) close() {
	a.insert.Close()
	a.holder.Close()
}

// claim records r's static addresses. One held already is an
// *store.AddressInUseError naming its holder; the addresses before it
// stay claimed, so the caller must roll back or go on to refuse.
func (a addressStmts) claim(ctx context.Context, r *subcodec.Row) error {
	for _, ar := range r.Addrs {
		res, err := a.insert.ExecContext(ctx, ar.Key, ar.SUPI, ar.DNN)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 {
			continue
		}
		var holder string
		if err := a.holder.QueryRowContext(ctx, ar.Key).Scan(&holder); err != nil {
			return err
		}
		return &store.AddressInUseError{Field: ar.Field, Addr: ar.Addr, Holder: holder}
	}
	return nil
}

// claimAddresses records r's static addresses in tx, replacing those
// r's subscriber held before.
func claimAddresses(ctx context.Context, tx *sql.Tx, r *subcodec.Row) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM static_addresses WHERE supi = ?`, r.SUPI); err != nil {
		return err
	}
	if len(r.Addrs) == 0 {
		return nil
	}
	a, err := prepareAddressStmts(ctx, tx)
	if err != nil {
		return err
	}
	defer a.close()
	return a.claim(ctx, r)
}
