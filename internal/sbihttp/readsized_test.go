package sbihttp

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// TestReadSized: a body reads whole whatever size it declared, in one
// allocation when it declared its size truthfully, and a read error is
// returned.
func TestReadSized(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 300)
	for _, declared := range []int64{-1, 0, 1, 2999, 3000, 3001, maxPresized + 1} {
		for name, r := range map[string]func() io.Reader{
			"whole":       func() io.Reader { return bytes.NewReader(body) },
			"byte a time": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(body)) },
		} {
			got, err := readSized(r(), declared)
			if err != nil || !bytes.Equal(got, body) {
				t.Errorf("declared %d, %s: read %d bytes, %v; want the %d", declared, name, len(got), err, len(body))
			}
		}
	}
	br := bytes.NewReader(body)
	if a := testing.AllocsPerRun(50, func() { br.Reset(body); readSized(br, int64(len(body))) }); a > 1 {
		t.Errorf("a body of its declared size: %v allocations, want 1", a)
	}
	boom := errors.New("connection reset")
	if _, err := readSized(iotest.ErrReader(boom), 10); !errors.Is(err, boom) {
		t.Errorf("a failing read: %v, want %v", err, boom)
	}
}
