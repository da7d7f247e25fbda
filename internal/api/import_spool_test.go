package api

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
)

// The spool gives back what was written, in order, and holds no key in
// the clear; its file, made in the directory given, has no name from the
// start.
func TestSpool(t *testing.T) {
	const k, opc = "465b5ce8b199b49faa5f0a2ee238a6bc", "cd63cb71954a9f4e48a5994e37a02baf"
	dir := t.TempDir()
	sp, err := newSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if !strings.HasPrefix(sp.f.Name(), dir) {
		t.Errorf("spool file %s, want it in %s", sp.f.Name(), dir)
	}
	if _, err := os.Stat(sp.f.Name()); !os.IsNotExist(err) {
		t.Errorf("spool file %s: Stat = %v, want it removed", sp.f.Name(), err)
	}
	supi, kk, oo := "imsi-001010000000001", k, opc
	sp.add(spoolEntry{Row: 2, Req: &SubscriberRequest{SUPI: &supi, K: &kk, OPc: &oo}})
	sp.add(spoolEntry{Row: 3, Field: "k", Reason: "want 32 hexadecimal digits"})
	entries, err := sp.entries(func(r *SubscriberRequest) (*store.Subscriber, error) { return r.Apply(nil, fuzzDefaults) })
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(io.NewSectionReader(sp.f, 0, 1<<20))
	if err != nil || len(raw) == 0 {
		t.Fatalf("reading the spool file = %d bytes, %v", len(raw), err)
	}
	if bytes.Contains(raw, []byte(k)) || bytes.Contains(raw, []byte(opc)) || bytes.Contains(raw, []byte(supi)) {
		t.Errorf("spool file holds rows in the clear: %q", raw)
	}
	var got []string
	for e, err := range entries {
		if err != nil {
			t.Fatalf("entries = %v", err)
		}
		switch {
		case e.Refusal != nil:
			got = append(got, strings.Join([]string{e.Refusal.Field, e.Refusal.Reason}, ": "))
		case e.Subscriber != nil:
			if want, _ := secret.ParseKey128(k); !e.Subscriber.Auth.K.Equal(want) {
				t.Errorf("row %d: K differs after the spool", e.Row)
			}
			got = append(got, e.Subscriber.SUPI)
		}
	}
	if want := []string{supi, "k: want 32 hexadecimal digits"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("spool entries = %q, want %q", got, want)
	}
}
