package sqlite

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
)

// TestLogsRedactSecrets runs every operation, failures included, with
// debug logging on and checks that no log record or error message holds
// a K or an OPc, in hexadecimal or raw.
func TestLogsRedactSecrets(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "keel.db")
	s := openTest(t, path, Options{Logger: log})

	var keys []secret.Key128
	sub := func(i int) *store.Subscriber {
		sb := testSubscriber(i, 10)
		keys = append(keys, sb.Auth.K, sb.Auth.OPc)
		return sb
	}
	var errs []error
	record := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	a := sub(1)
	record(s.CreateSubscriber(ctx, a))
	record(s.CreateSubscriber(ctx, a))
	record(s.UpdateSubscriber(ctx, sub(1)))
	record(s.UpdateSubscriber(ctx, sub(99)))
	_, err := s.GetSubscriber(ctx, a.SUPI)
	record(err)
	_, err = s.ListSubscribers(ctx, store.ListQuery{})
	record(err)
	batch := []*store.Subscriber{sub(2), sub(3), sub(1), sub(3)}
	record(s.ImportSubscribers(ctx, batch))
	var ie *store.ImportError
	if errors.As(errs[len(errs)-1], &ie) {
		for _, r := range ie.Rows {
			errs = append(errs, errors.New(r.Reason))
		}
	}
	record(s.ImportSubscribers(ctx, batch[:2]))
	_, err = s.AdvanceSQN(ctx, a.SUPI)
	record(err)
	record(s.ResyncSQN(ctx, a.SUPI, 1000))
	exhausted := sub(4)
	exhausted.Auth.SQN = store.MaxSQN
	record(s.CreateSubscriber(ctx, exhausted))
	_, err = s.AdvanceSQN(ctx, exhausted.SUPI)
	record(err)
	record(s.DeleteSubscriber(ctx, a.SUPI))
	record(s.Close())
	s = openTest(t, path, Options{Logger: log})
	record(s.Close())

	if !strings.Contains(logs.String(), "supi="+a.SUPI) {
		t.Fatalf("debug log = %q, want records naming %s", logs.String(), a.SUPI)
	}
	if len(errs) < 5 {
		t.Fatalf("collected %d errors, want the refused calls' errors", len(errs))
	}
	var texts []string
	texts = append(texts, logs.String())
	for _, err := range errs {
		texts = append(texts, err.Error())
	}
	for _, text := range texts {
		lower := strings.ToLower(text)
		for i, k := range keys {
			if strings.Contains(lower, k.Hex()) || strings.Contains(text, string(k.Bytes())) ||
				strings.Contains(text, fmt.Sprintf("%v", k.Bytes())) {
				t.Errorf("key %d appears in %q", i, text)
			}
		}
	}
}
