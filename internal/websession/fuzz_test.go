package websession_test

import (
	"testing"

	"github.com/keelcore/keel/internal/websession"
)

// FuzzLookup feeds cookie values to a Store's lookup, the entry point of
// every cookie a client sends: none may crash it or find a session it
// was not given.
func FuzzLookup(f *testing.F) {
	s := websession.New(websession.Options{})
	id, _ := s.Create()
	f.Add(id)
	f.Fuzz(func(t *testing.T, v string) {
		_, ok := s.Lookup(v)
		if ok != (v == id) {
			t.Fatalf("Lookup(%q) = %v", v, ok)
		}
		if websession.ValidID(v) && len(v) != 43 {
			t.Fatalf("ValidID(%q) with length %d", v, len(v))
		}
		s.Delete(v + "x")
	})
}
