package logtest

import (
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Writers log from several goroutines while the test reads: under -race
// no access is unguarded, every read sees whole lines, and the last read
// sees every line.
func TestConcurrentWrites(t *testing.T) {
	const writers, each = 8, 200
	var b Buffer
	log := slog.New(slog.NewJSONHandler(&b, nil))
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				log.Info("line", "writer", w, "i", i)
			}
		}()
	}
	for range 20 {
		for _, rec := range b.Records(t) {
			if rec["msg"] != "line" {
				t.Fatalf("record %v read while writers write, want msg=line", rec)
			}
		}
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, rec := range b.Records(t) {
		seen[fmt.Sprint(rec["writer"], "/", rec["i"])] = true
	}
	if len(seen) != writers*each {
		t.Errorf("Records() after %d writers of %d lines = %d distinct records, want %d", writers, each, len(seen), writers*each)
	}
	if n := strings.Count(b.String(), "\n"); n != writers*each {
		t.Errorf("String() holds %d lines, want %d", n, writers*each)
	}
}

func TestRecordsEmpty(t *testing.T) {
	var b Buffer
	if recs := b.Records(t); len(recs) != 0 {
		t.Errorf("Records() of an empty buffer = %v, want none", recs)
	}
}

// fatalTB records a Fatalf and stops its goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestRecordsBadLine(t *testing.T) {
	var b Buffer
	fmt.Fprintln(&b, `{"msg":"ok"}`)
	fmt.Fprintln(&b, `not json`)
	tb := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		tb.msg = "Records returned"
		b.Records(tb)
	}()
	<-done
	if !strings.Contains(tb.msg, `"not json"`) {
		t.Errorf("Records() of a bad line: %q, want the test failed naming the line", tb.msg)
	}
}
