package console

import (
	"strings"
	"testing"
)

// FuzzAcceptsGzip feeds Accept-Encoding headers, a client's input, to
// their parser: it never panics, and a header naming gzip alone with no
// parameter always admits it.
func FuzzAcceptsGzip(f *testing.F) {
	for _, s := range []string{"gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8", "*", "gzip;q=0", "identity", ";;;,,=q", "gzip;q=abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got := acceptsGzip(header)
		if strings.TrimSpace(header) == "gzip" && !got {
			t.Errorf("acceptsGzip(%q) = false", header)
		}
	})
}
