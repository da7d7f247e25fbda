package store

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalidRecord means a record's kind, key or value breaks the rules of
// CheckRecordKey and CheckRecord: the request is refused, not the store.
var ErrInvalidRecord = errors.New("store: invalid record")

// MaxRecordKindSize bounds a RecordKind.
const MaxRecordKindSize = 64

// MaxRecordKeySize bounds Record.Key.
const MaxRecordKeySize = 255

// CheckRecordKey checks what every engine requires of a kind and a key, so
// that the engines refuse alike: a kind of 1 to MaxRecordKindSize bytes of
// lower-case letters, digits, '.', '-' and '_'; a key of 1 to
// MaxRecordKeySize bytes of UTF-8 without NUL (a PostgreSQL TEXT value,
// ordered as bytes). The error wraps ErrInvalidRecord.
func CheckRecordKey(kind RecordKind, key string) error {
	if len(kind) == 0 || len(kind) > MaxRecordKindSize {
		return fmt.Errorf("%w: kind %q: length %d, want 1 to %d bytes", ErrInvalidRecord, kind, len(kind), MaxRecordKindSize)
	}
	for _, c := range []byte(kind) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return fmt.Errorf("%w: kind %q: byte %q not allowed", ErrInvalidRecord, kind, c)
		}
	}
	switch {
	case len(key) == 0:
		return fmt.Errorf("%w: %s: empty key", ErrInvalidRecord, kind)
	case len(key) > MaxRecordKeySize:
		return fmt.Errorf("%w: %s: key of %d bytes, want at most %d", ErrInvalidRecord, kind, len(key), MaxRecordKeySize)
	case !utf8.ValidString(key) || strings.IndexByte(key, 0) >= 0:
		return fmt.Errorf("%w: %s: key %q is not UTF-8 text without NUL", ErrInvalidRecord, kind, key)
	}
	return nil
}

// CheckRecord checks a record given to PutRecord: its kind and key
// (CheckRecordKey), a value of at most MaxRecordSize bytes, and an Expect
// of 0, MustCreate or a revision. The error wraps ErrInvalidRecord.
func CheckRecord(r Record) error {
	if err := CheckRecordKey(r.Kind, r.Key); err != nil {
		return err
	}
	if len(r.Value) > MaxRecordSize {
		return fmt.Errorf("%w: %s %q: value of %d bytes, want at most %d", ErrInvalidRecord, r.Kind, r.Key, len(r.Value), MaxRecordSize)
	}
	if r.Expect < MustCreate {
		return fmt.Errorf("%w: %s %q: Expect %d, want 0, MustCreate or a revision", ErrInvalidRecord, r.Kind, r.Key, r.Expect)
	}
	return nil
}
