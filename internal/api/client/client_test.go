package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/secret"
)

// slowBody is an import body that takes longer to send than the client's
// timeout, as a large import does: the core reads it as it stores it.
type slowBody struct {
	rows int
	gap  time.Duration
}

func (b *slowBody) Read(p []byte) (int, error) {
	if b.rows == 0 {
		return 0, io.EOF
	}
	b.rows--
	time.Sleep(b.gap)
	return copy(p, "imsi-001010000000001,k,opc\n"), nil
}

// An import may take longer to send than any other request may take; only
// the wait for its answer once sent is bounded, and an answer that does
// not come in time is reported as an *UnansweredError.
func TestImportOutlastsRequestTimeout(t *testing.T) {
	const timeout = 200 * time.Millisecond
	for _, c := range []struct {
		name  string
		stall time.Duration // between reading the body and answering
	}{{"answered", 0}, {"answer late", 5 * timeout}} {
		t.Run(c.name, func(t *testing.T) {
			done := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				select {
				case <-time.After(c.stall):
				case <-done:
				}
				w.Write([]byte(`{"imported": 1}`))
			}))
			defer srv.Close()
			defer close(done)
			cl := newClient(srv.URL, secret.Token("t"), timeout)
			res, err := cl.ImportSubscribers(context.Background(), &slowBody{rows: 10, gap: timeout / 4}, "text/csv")
			var unanswered *UnansweredError
			switch {
			case c.stall == 0 && (err != nil || res.Imported != 1):
				t.Errorf("import sent over %v with a %v timeout = %+v, %v, want imported 1", 10*timeout/4, timeout, res, err)
			case c.stall > 0 && !errors.As(err, &unanswered):
				t.Errorf("import answered after %v with a %v timeout = %+v, %v, want an *UnansweredError", c.stall, timeout, res, err)
			}
		})
	}
}
