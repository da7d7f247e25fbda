package api

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"

	"github.com/keelcore/keel/internal/store"
)

// spool holds an import's checked rows on disk between reading the body
// and storing them. The store's transaction holds the write lock that
// every authentication's SQN advance needs, so it must last as long as
// the inserts take, not as long as a client takes to send: the body is
// read into the spool first, at the client's pace, and the transaction
// then reads the spool at the disk's. Memory holds one row either way.
//
// The rows carry K and OPc: the file is unlinked as soon as it is made,
// so nothing is left behind whatever happens, and encrypted (AES-CTR) with
// a key that only this spool holds.
type spool struct {
	f      *os.File
	stream func() cipher.Stream // a fresh keystream from the start
	w      *bufio.Writer
	enc    *json.Encoder
}

// spoolEntry is one row in the spool: a checked request, or the reason it
// was refused.
type spoolEntry struct {
	Row    int                `json:"row"`
	Req    *SubscriberRequest `json:"req,omitempty"`
	Field  string             `json:"field,omitempty"`
	Reason string             `json:"reason,omitempty"`
}

// newSpool makes a spool in dir ("": the system's temporary directory).
func newSpool(dir string) (*spool, error) {
	f, err := os.CreateTemp(dir, "keel-import-*")
	if err != nil {
		return nil, fmt.Errorf("api: import spool: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("api: import spool: %w", err)
	}
	key := make([]byte, 32)
	iv := make([]byte, aes.BlockSize)
	rand.Read(key)
	rand.Read(iv)
	block, err := aes.NewCipher(key)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("api: import spool: %w", err)
	}
	sp := &spool{f: f, stream: func() cipher.Stream { return cipher.NewCTR(block, iv) }}
	sp.w = bufio.NewWriterSize(cipher.StreamWriter{S: sp.stream(), W: f}, 64<<10)
	sp.enc = json.NewEncoder(sp.w)
	return sp, nil
}

func (sp *spool) add(e spoolEntry) error {
	if err := sp.enc.Encode(e); err != nil {
		return fmt.Errorf("api: import spool: %w", err)
	}
	return nil
}

// entries reads the spool back from its start, building each request's
// subscriber again.
func (sp *spool) entries(build func(*SubscriberRequest) (*store.Subscriber, error)) (iter.Seq2[store.ImportEntry, error], error) {
	if err := sp.w.Flush(); err != nil {
		return nil, fmt.Errorf("api: import spool: %w", err)
	}
	if _, err := sp.f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("api: import spool: %w", err)
	}
	dec := json.NewDecoder(bufio.NewReaderSize(cipher.StreamReader{S: sp.stream(), R: sp.f}, 64<<10))
	return func(yield func(store.ImportEntry, error) bool) {
		for {
			var se spoolEntry
			err := dec.Decode(&se)
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield(store.ImportEntry{}, fmt.Errorf("api: import spool: %w", err))
				return
			}
			e := store.ImportEntry{Row: se.Row}
			if se.Req == nil {
				e.Refusal = &store.RowError{Field: se.Field, Reason: se.Reason}
			} else if e.Subscriber, err = build(se.Req); err != nil {
				e.Refusal = refusal(err)
			}
			if !yield(e, nil) {
				return
			}
		}
	}, nil
}

func (sp *spool) Close() error { return sp.f.Close() }

// refusal is the refusal of a row whose request failed to build.
func refusal(err error) *store.RowError {
	var fe *FieldError
	if errors.As(err, &fe) {
		return &store.RowError{Field: fe.Field, Reason: fe.Reason}
	}
	return &store.RowError{Reason: err.Error()}
}
