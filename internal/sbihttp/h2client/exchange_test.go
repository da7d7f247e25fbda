package h2client

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
)

// TestExchange: an Exchange against net/http's h2c server carries its
// method, target, authority, fields and body, and comes back with the
// answer's status, fields and body; a bad target or field is refused
// before anything goes out.
func TestExchange(t *testing.T) {
	addr := netHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		for _, k := range []string{"Content-Type", "Accept", "User-Agent", "Authorization", "3gpp-Sbi-Callback"} {
			w.Header().Set("X-"+k, r.Header.Get(k))
		}
		w.Header().Set("X-Uri", r.RequestURI)
		w.Header().Set("X-Host", r.Host)
		w.Header().Set("Location", "http://"+r.Host+"/nkeel/v1/r/1")
		w.WriteHeader(201)
		w.Write(append([]byte(r.Method+" "), b...))
	}))
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	x := &Exchange{Method: "POST", Authority: addr, Path: "/nkeel/v1/r?x=1", ContentType: "application/json",
		Accept: "application/json", UserAgent: "AMF-1", Authorization: "Bearer t",
		Header: http.Header{"3gpp-Sbi-Callback": {"Nkeel_Notify"}}, Body: []byte(`{"a":1}`)}
	ans, err := tr.Exchange(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	h := ans.Header
	if ans.Status != 201 || !bytes.Equal(ans.Body, []byte(`POST {"a":1}`)) || h.Get("X-Uri") != "/nkeel/v1/r?x=1" || h.Get("X-Host") != addr ||
		h.Get("X-Content-Type") != "application/json" || h.Get("X-Accept") != "application/json" || h.Get("X-User-Agent") != "AMF-1" ||
		h.Get("X-Authorization") != "Bearer t" || h.Get("X-3gpp-Sbi-Callback") != "Nkeel_Notify" || h.Get("Location") != "http://"+addr+"/nkeel/v1/r/1" {
		t.Errorf("answer %d %q, header %v", ans.Status, ans.Body, h)
	}
	for _, bad := range []*Exchange{
		{Method: "GET", Authority: addr, Path: "/a b"},
		{Method: "GET", Authority: addr, Path: "nkeel/v1"},
		{Method: "GET", Authority: addr, Path: "/x#frag"},
		{Method: "GET", Authority: "bad host", Path: "/"},
		{Method: "GET", Authority: addr, Path: "/", UserAgent: "a\r\nb"},
	} {
		if _, err := tr.Exchange(context.Background(), bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
