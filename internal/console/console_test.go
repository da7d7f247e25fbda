package console_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/keelcore/keel/internal/console"
)

const testIndex = `<!doctype html><html><head><script src="/app.js"></script></head><body></body></html>`

func testHandler(t *testing.T) *console.Handler {
	t.Helper()
	h, err := console.NewFS(fstest.MapFS{
		"index.html":     {Data: []byte(testIndex)},
		"app.js":         {Data: []byte(strings.Repeat("console.log('keel');\n", 50))},
		"style.css":      {Data: []byte("body{margin:0}")},
		"img/logo.svg":   {Data: []byte("<svg/>")},
		"img/sample.png": {Data: []byte{0x89, 'P', 'N', 'G'}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(t *testing.T, h http.Handler, method, path string, hdr map[string]string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestServesFilesAndRoutes(t *testing.T) {
	h := testHandler(t)
	tests := []struct {
		path, ctype string
		code        int
		index       bool
	}{
		{"/", "text/html; charset=utf-8", 200, true},
		{"/index.html", "text/html; charset=utf-8", 200, true},
		{"/app.js", "text/javascript; charset=utf-8", 200, false},
		{"/style.css", "text/css; charset=utf-8", 200, false},
		{"/img/logo.svg", "image/svg+xml", 200, false},
		{"/img/sample.png", "image/png", 200, false},
		// Client-side routes get index.html.
		{"/ues/imsi-001010000000001", "text/html; charset=utf-8", 200, true},
		{"/gnbs/gnb-00101-1", "text/html; charset=utf-8", 200, true},
		{"/subscribers", "text/html; charset=utf-8", 200, true},
		{"/../../etc/passwd", "", 200, true},
		// A missing asset is not papered over with index.html.
		{"/missing.js", "", 404, false},
		{"/img/none.png", "", 404, false},
	}
	for _, tt := range tests {
		resp := get(t, h, "GET", tt.path, nil)
		b := body(t, resp)
		if resp.StatusCode != tt.code {
			t.Errorf("GET %s = %d, want %d", tt.path, resp.StatusCode, tt.code)
			continue
		}
		if tt.ctype != "" && resp.Header.Get("Content-Type") != tt.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", tt.path, resp.Header.Get("Content-Type"), tt.ctype)
		}
		if (b == testIndex) != tt.index {
			t.Errorf("GET %s served index.html = %v, want %v", tt.path, b == testIndex, tt.index)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := testHandler(t)
	for _, c := range []struct{ method, path string }{{"GET", "/"}, {"GET", "/app.js"}, {"GET", "/x.js"}, {"POST", "/"}, {"GET", "/ues"}} {
		resp := get(t, h, c.method, c.path, nil)
		want := map[string]string{
			"Content-Security-Policy": console.ContentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
			"X-Frame-Options":         "DENY",
		}
		for k, v := range want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s %s: %s = %q, want %q", c.method, c.path, k, got, v)
			}
		}
	}
	csp := console.ContentSecurityPolicy
	for _, forbidden := range []string{"unsafe-inline", "unsafe-eval", "*"} {
		if strings.Contains(csp, forbidden) {
			t.Errorf("Content-Security-Policy allows %s", forbidden)
		}
	}
	for _, must := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "connect-src 'self'"} {
		if !strings.Contains(csp, must) {
			t.Errorf("Content-Security-Policy lacks %q", must)
		}
	}
}

func TestMethods(t *testing.T) {
	h := testHandler(t)
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		resp := get(t, h, m, "/", nil)
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s / = %d Allow %q, want 405 GET, HEAD", m, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	resp := get(t, h, "HEAD", "/app.js", nil)
	if resp.StatusCode != 200 || body(t, resp) != "" || resp.Header.Get("Content-Length") == "" {
		t.Errorf("HEAD /app.js = %d with a body or without Content-Length", resp.StatusCode)
	}
}

func TestGzipAndETag(t *testing.T) {
	h := testHandler(t)
	plain := get(t, h, "GET", "/app.js", nil)
	want := body(t, plain)
	if plain.Header.Get("Content-Encoding") != "" {
		t.Fatal("gzip sent to a client that did not accept it")
	}
	for _, ae := range []string{"gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8", "*"} {
		resp := get(t, h, "GET", "/app.js", map[string]string{"Accept-Encoding": ae})
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("Accept-Encoding %q: not compressed", ae)
			continue
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(zr)
		if string(b) != want {
			t.Errorf("Accept-Encoding %q: decompressed body differs", ae)
		}
		if resp.Header.Get("ETag") == plain.Header.Get("ETag") {
			t.Error("the compressed and plain bodies share an ETag")
		}
	}
	for _, ae := range []string{"gzip;q=0", "br", "identity", "deflate"} {
		if resp := get(t, h, "GET", "/app.js", map[string]string{"Accept-Encoding": ae}); resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("Accept-Encoding %q: compressed", ae)
		}
	}
	etag := plain.Header.Get("ETag")
	if etag == "" || plain.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q", etag, plain.Header.Get("Cache-Control"))
	}
	if resp := get(t, h, "GET", "/app.js", map[string]string{"If-None-Match": etag}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("GET with the ETag = %d, want 304", resp.StatusCode)
	}
	if resp := get(t, h, "GET", "/style.css", map[string]string{"If-None-Match": etag}); resp.StatusCode != http.StatusOK {
		t.Errorf("GET another file with the ETag = %d, want 200", resp.StatusCode)
	}
}

func TestNeedsIndex(t *testing.T) {
	if _, err := console.NewFS(fstest.MapFS{"app.js": {Data: []byte("x")}}); err == nil {
		t.Error("NewFS without index.html succeeded")
	}
}

// TestEmbedded: the binary's own assets serve, with an index.html
// free of inline scripts and styles (the policy would block them).
func TestEmbedded(t *testing.T) {
	h, err := console.New()
	if err != nil {
		t.Fatal(err)
	}
	resp := get(t, h, "GET", "/", nil)
	b := body(t, resp)
	if resp.StatusCode != 200 || !strings.Contains(strings.ToLower(b), "<html") {
		t.Fatalf("GET / = %d %.80q", resp.StatusCode, b)
	}
	lower := strings.ToLower(b)
	for _, bad := range []string{"<style", " style=", " onclick=", " onload=", "javascript:"} {
		if strings.Contains(lower, bad) {
			t.Errorf("index.html holds %q, which the Content-Security-Policy blocks", bad)
		}
	}
	for i := 0; ; {
		j := strings.Index(lower[i:], "<script")
		if j < 0 {
			break
		}
		i += j
		end := strings.Index(lower[i:], ">")
		if end < 0 || !strings.Contains(lower[i:i+end], "src=") {
			t.Errorf("index.html holds an inline script at byte %d", i)
			break
		}
		i += end
	}
}
