package store

import (
	"context"
	"errors"
	"time"
)

// Records holds the state network functions keep so that another instance
// can continue where one stopped: AUSF authentication contexts, UDM UECM
// registrations, PCF policy associations, the AMF's UE contexts (TS 23.501
// §5.21, "state that survives" in docs/architecture). A record is an opaque
// value under a kind and a key; its owner encodes it.
//
// # Revisions
//
// Every write gives the record a new revision, larger than any revision the
// record had before. A write with Expect set replaces the record only if it
// is still at that revision (compare-and-set), so two instances racing on one
// record cannot both win; the loser gets ErrConflict and reads again.
//
// # Expiry
//
// A record with a non-zero Expires is gone once that time has passed: Get
// answers ErrNotFound and List skips it, whether or not the engine has
// removed it yet.
//
// # Concurrency
//
// Records is safe for concurrent use by any number of goroutines and, for
// the shared engines (PostgreSQL), by any number of processes.
type Records interface {
	// PutRecord writes r.Value under (r.Kind, r.Key) and returns the new
	// revision. With r.Expect == 0 it creates or replaces; with
	// r.Expect == MustCreate it only creates (ErrConflict if the record
	// exists); with r.Expect > 0 it only replaces the record at that
	// revision (ErrConflict if the record is at another revision, gone or
	// expired).
	PutRecord(ctx context.Context, r Record) (revision int64, err error)
	// GetRecord returns the record; ErrNotFound if absent or expired.
	GetRecord(ctx context.Context, kind RecordKind, key string) (Record, error)
	// DeleteRecord removes the record. With expect > 0 it removes it only
	// at that revision (ErrConflict otherwise). ErrNotFound if absent.
	DeleteRecord(ctx context.Context, kind RecordKind, key string, expect int64) error
	// ListRecords returns up to limit (capped at MaxPageSize) live records
	// of kind whose key starts with prefix and sorts after after, in key
	// order.
	ListRecords(ctx context.Context, kind RecordKind, prefix, after string, limit int) ([]Record, error)
}

// RecordKind names what a record holds, as "nf.thing": "ausf.auth-ctx",
// "udm.amf-registration", "pcf.sm-policy", "amf.ue". Keys are unique per
// kind.
type RecordKind string

// MaxRecordSize bounds a record's value; engines refuse larger ones.
const MaxRecordSize = 64 << 10

// MustCreate as Record.Expect makes PutRecord create only.
const MustCreate = -1

// Record is one stored record.
type Record struct {
	Kind RecordKind
	// Key is at most 255 bytes.
	Key   string
	Value []byte
	// Revision is the record's revision (set by GetRecord and ListRecords;
	// ignored by PutRecord).
	Revision int64
	// Expect is PutRecord's condition: 0 none, MustCreate, or a revision.
	Expect int64
	// Expires, when not zero, is when the record lapses.
	Expires time.Time
}

// ErrConflict means a conditional write lost: the record was created,
// changed or removed by someone else since it was read.
var ErrConflict = errors.New("store: record changed concurrently")
