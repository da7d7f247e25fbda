package websession_test

import (
	"sync"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/websession"
)

// clock is a settable time source for the tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newClock() *clock { return &clock{now: time.Date(2026, 12, 7, 5, 0, 0, 0, time.UTC)} }

func TestCreateLookupDelete(t *testing.T) {
	c := newClock()
	s := websession.New(websession.Options{Now: c.Now})
	id, sess := s.Create()
	if !websession.ValidID(id) || len(sess.CSRF) != len(id) || sess.CSRF == id {
		t.Fatalf("Create() = %q, %q: want two distinct 43-character ids", id, sess.CSRF)
	}
	if want := c.Now().Add(websession.DefaultIdle); !sess.Expires.Equal(want) {
		t.Errorf("Expires = %v, want %v", sess.Expires, want)
	}
	got, ok := s.Lookup(id)
	if !ok || got.CSRF != sess.CSRF {
		t.Fatalf("Lookup(id) = %+v, %v; want the session", got, ok)
	}
	if !got.CSRFMatches(sess.CSRF) || got.CSRFMatches("") || got.CSRFMatches(sess.CSRF[:42]+"x") {
		t.Error("CSRFMatches accepts a wrong token or refuses the right one")
	}
	id2, sess2 := s.Create()
	if id2 == id || sess2.CSRF == sess.CSRF {
		t.Fatal("two sessions share an id or a CSRF token")
	}
	s.Delete(id)
	if _, ok := s.Lookup(id); ok {
		t.Error("Lookup after Delete found the session")
	}
	if _, ok := s.Lookup(id2); !ok {
		t.Error("Delete of one session ended another")
	}
}

func TestForgedIDs(t *testing.T) {
	s := websession.New(websession.Options{})
	id, _ := s.Create()
	forged := []string{"", "x", id[:42], id + "A", id[:42] + "!", string(rune(id[0])^1) + id[1:]}
	for _, f := range forged {
		if _, ok := s.Lookup(f); ok {
			t.Errorf("Lookup(%q) found a session", f)
		}
	}
}

func TestIdleExpiry(t *testing.T) {
	c := newClock()
	s := websession.New(websession.Options{Now: c.Now, Idle: 10 * time.Minute})
	id, _ := s.Create()
	for range 5 {
		c.Add(9 * time.Minute)
		if _, ok := s.Lookup(id); !ok {
			t.Fatal("a session used every 9 minutes expired with a 10-minute idle limit")
		}
	}
	c.Add(10 * time.Minute)
	if _, ok := s.Lookup(id); ok {
		t.Fatal("a session unused for 10 minutes was found")
	}
	if s.Len() != 0 {
		t.Errorf("Len() = %d after expiry, want 0", s.Len())
	}
}

func TestAbsoluteExpiry(t *testing.T) {
	c := newClock()
	s := websession.New(websession.Options{Now: c.Now, Idle: time.Hour, Absolute: 3 * time.Hour})
	id, _ := s.Create()
	var sess websession.Session
	for range 3 {
		c.Add(50 * time.Minute)
		var ok bool
		if sess, ok = s.Lookup(id); !ok {
			t.Fatal("session ended before its absolute limit")
		}
	}
	if want := c.Now().Add(30 * time.Minute); !sess.Expires.Equal(want) {
		t.Errorf("Expires near the absolute limit = %v, want %v", sess.Expires, want)
	}
	c.Add(30 * time.Minute)
	if _, ok := s.Lookup(id); ok {
		t.Fatal("session outlived its absolute limit")
	}
}

func TestMaxEvictsLeastRecentlyUsed(t *testing.T) {
	c := newClock()
	s := websession.New(websession.Options{Now: c.Now, Max: 3})
	var ids []string
	for range 3 {
		id, _ := s.Create()
		ids = append(ids, id)
		c.Add(time.Second)
	}
	s.Lookup(ids[0]) // ids[1] is now the least recently used
	c.Add(time.Second)
	s.Create()
	if s.Len() != 3 {
		t.Fatalf("Len() = %d, want 3", s.Len())
	}
	if _, ok := s.Lookup(ids[1]); ok {
		t.Error("the least recently used session survived")
	}
	for _, i := range []int{0, 2} {
		if _, ok := s.Lookup(ids[i]); !ok {
			t.Errorf("session %d ended, want the least recently used to", i)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	s := websession.New(websession.Options{Max: 8})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				id, _ := s.Create()
				s.Lookup(id)
				s.Delete(id)
			}
		})
	}
	wg.Wait()
	if s.Len() != 0 {
		t.Errorf("Len() = %d, want 0", s.Len())
	}
}

func TestThrottle(t *testing.T) {
	c := newClock()
	th := websession.NewThrottle(websession.ThrottleOptions{Failures: 3, Window: time.Minute, Clients: 2, Now: c.Now})
	for i := range 3 {
		if ok, _ := th.Allow("a"); !ok {
			t.Fatalf("attempt %d refused before 3 failures", i)
		}
		th.Fail("a")
	}
	c.Add(20 * time.Second)
	ok, wait := th.Allow("a")
	if ok || wait != 40*time.Second {
		t.Fatalf("Allow after 3 failures = %v, %v; want false, 40s", ok, wait)
	}
	if ok, _ := th.Allow("b"); !ok {
		t.Fatal("another client refused")
	}
	c.Add(40 * time.Second)
	if ok, _ := th.Allow("a"); !ok {
		t.Fatal("client still refused after the window")
	}
	// Beyond Clients, clients share one count.
	th.Fail("b")
	for range 3 {
		th.Fail("c")
	}
	if ok, _ := th.Allow("d"); ok {
		t.Error("uncounted client allowed though the shared count is exhausted")
	}
	if ok, _ := th.Allow("b"); !ok {
		t.Error("client with a count of its own refused for the shared count")
	}
}
