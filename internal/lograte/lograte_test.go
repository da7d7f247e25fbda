package lograte_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/lograte"
	"github.com/keelcore/keel/internal/logtest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestBurstThenSummary(t *testing.T) {
	var buf logtest.Buffer
	c := &clock{t: time.Unix(1000, 0)}
	l := lograte.New(slog.NewJSONHandler(&buf, nil), lograte.Options{Burst: 3, Interval: 10 * time.Second, Keys: []string{"cause"}, Now: c.now})
	log := slog.New(l)
	for i := range 100 {
		log.With("supi", fmt.Sprintf("imsi-00101%010d", i)).Info("registration rejected", "cause", 7)
	}
	log.Info("registration rejected", "cause", 22) // another key
	got := buf.Records(t)
	if len(got) != 4 {
		t.Fatalf("lines after 100 records of one key and 1 of another = %d, want 4 (burst 3 + 1)", len(got))
	}
	c.add(10 * time.Second)
	log.Info("registration rejected", "cause", 7)
	got = buf.Records(t)
	if len(got) != 6 {
		t.Fatalf("lines after the interval = %d, want 6: summary and the new record", len(got))
	}
	sum := got[4]
	if sum["msg"] != "suppressed 97 similar lines" || sum["suppressed"] != float64(97) || sum["like"] != "registration rejected" {
		t.Errorf("summary = %v, want 97 suppressed lines like \"registration rejected\"", sum)
	}
	if _, ok := sum["supi"]; ok {
		t.Errorf("summary %v carries one record's supi", sum)
	}
	if got[5]["msg"] != "registration rejected" {
		t.Errorf("line after the summary = %v", got[5])
	}
}

func TestFlush(t *testing.T) {
	var buf logtest.Buffer
	c := &clock{t: time.Unix(1000, 0)}
	l := lograte.New(slog.NewJSONHandler(&buf, nil), lograte.Options{Burst: 1, Now: c.now})
	log := slog.New(l).With("component", "amf")
	for range 5 {
		log.Warn("error indication")
	}
	log.Info("once")
	l.Flush(context.Background())
	l.Flush(context.Background()) // nothing left to say
	got := buf.Records(t)
	if len(got) != 3 {
		t.Fatalf("lines = %v, want the first record, \"once\" and one summary", got)
	}
	if got[2]["msg"] != "suppressed 4 similar lines" || got[2]["level"] != "WARN" {
		t.Errorf("summary = %v, want 4 suppressed at WARN", got[2])
	}
}

func TestKeyFromWithAttrs(t *testing.T) {
	var buf logtest.Buffer
	l := lograte.New(slog.NewJSONHandler(&buf, nil), lograte.Options{Burst: 1, Keys: []string{"cause"}})
	slog.New(l).With("cause", 1).Info("x")
	slog.New(l).With("cause", 2).Info("x")
	slog.New(l).With("cause", 2).Info("x")
	if n := len(buf.Records(t)); n != 2 {
		t.Errorf("lines = %d, want 2: one per cause", n)
	}
}

func TestManyKeysBounded(t *testing.T) {
	var buf logtest.Buffer
	l := lograte.New(slog.NewJSONHandler(&buf, nil), lograte.Options{Burst: 1, Keys: []string{"cause"}})
	log := slog.New(l)
	for i := range 20000 {
		log.Info("x", "cause", i)
	}
	if n := len(buf.Records(t)); n > 5000 {
		t.Errorf("20000 distinct keys wrote %d lines, want the table bounded", n)
	}
}

func TestConcurrent(t *testing.T) {
	var buf logtest.Buffer
	l := lograte.New(slog.NewJSONHandler(&buf, nil), lograte.Options{Burst: 5})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				slog.New(l).Info("flood")
			}
		}()
	}
	wg.Wait()
	l.Flush(context.Background())
	if n := strings.Count(buf.String(), "\n"); n != 6 {
		t.Errorf("8000 concurrent records wrote %d lines, want 5 and a summary", n)
	}
	if !strings.Contains(buf.String(), "suppressed 7995 similar lines") {
		t.Errorf("log = %s, want 7995 suppressed", buf.String())
	}
}

func TestBurstAttribute(t *testing.T) {
	var buf logtest.Buffer
	c := &clock{t: time.Unix(1000, 0)}
	l := lograte.New(slog.NewJSONHandler(&buf, nil), lograte.Options{Burst: 5, Now: c.now})
	log := slog.New(l)
	for range 10 {
		log.Warn("store failure", lograte.Burst(1), "op", "advance_sqn")
	}
	for range 10 {
		log.Info("other")
	}
	got := buf.Records(t)
	if len(got) != 6 {
		t.Fatalf("lines = %d, want 1 of the Burst(1) message and 5 of the other", len(got))
	}
	if _, ok := got[0]["lograte.burst"]; ok || got[0]["op"] != "advance_sqn" {
		t.Errorf("line = %v, want the burst attribute removed and the others kept", got[0])
	}
	c.add(lograte.DefaultInterval)
	log.Warn("store failure", lograte.Burst(1), "op", "advance_sqn")
	if got := buf.Records(t); len(got) != 8 || got[6]["msg"] != "suppressed 9 similar lines" {
		t.Errorf("after the interval: %v, want the summary of 9 then the line", got[6:])
	}
}
