package websession

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"
)

// CookieName is the name of the cookie holding the session id.
const CookieName = "keel_session"

// Defaults of Options.
const (
	DefaultIdle     = 30 * time.Minute
	DefaultAbsolute = 12 * time.Hour
	DefaultMax      = 256
)

// idLen is the length of a session id or CSRF token in its text form:
// 32 random bytes in unpadded base64url.
var idLen = base64.RawURLEncoding.EncodedLen(32)

// Options configure a Store; zero values take the defaults.
type Options struct {
	// Idle ends a session unused for this long.
	Idle time.Duration
	// Absolute ends a session this long after sign-in, however used.
	Absolute time.Duration
	// Max bounds the number of live sessions.
	Max int
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Session is what a client learns of its session.
type Session struct {
	// CSRF is the token state-changing requests carry in X-CSRF-Token.
	CSRF string
	// Expires is when the session ends unless used before: the idle
	// expiry, or the absolute one if sooner.
	Expires time.Time
}

// Store holds the live sessions. The zero value is not usable; call New.
type Store struct {
	opts Options

	mu   sync.Mutex // guards byID
	byID map[[sha256.Size]byte]*entry
}

type entry struct {
	csrf    string
	created time.Time
	used    time.Time
}

// New returns an empty Store.
func New(opts Options) *Store {
	if opts.Idle <= 0 {
		opts.Idle = DefaultIdle
	}
	if opts.Absolute <= 0 {
		opts.Absolute = DefaultAbsolute
	}
	if opts.Max <= 0 {
		opts.Max = DefaultMax
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{opts: opts, byID: make(map[[sha256.Size]byte]*entry)}
}

func randomText() string {
	var b [32]byte
	rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Create starts a session and returns its id, for the cookie, and what
// the client is told of it. When Max sessions are live already, the
// least recently used ends.
func (s *Store) Create() (id string, sess Session) {
	id = randomText()
	now := s.opts.Now()
	e := &entry{csrf: randomText(), created: now, used: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruneLocked(now)
	if len(s.byID) >= s.opts.Max {
		var oldest [sha256.Size]byte
		var at time.Time
		for k, v := range s.byID {
			if at.IsZero() || v.used.Before(at) {
				oldest, at = k, v.used
			}
		}
		delete(s.byID, oldest)
	}
	s.byID[sha256.Sum256([]byte(id))] = e
	return id, s.sessionLocked(e)
}

// Lookup finds the live session of id and marks it used now. A forged,
// malformed, expired or ended id finds nothing.
func (s *Store) Lookup(id string) (Session, bool) {
	if !ValidID(id) {
		return Session{}, false
	}
	k := sha256.Sum256([]byte(id))
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.byID[k]
	if !ok {
		return Session{}, false
	}
	if s.expired(e, now) {
		delete(s.byID, k)
		return Session{}, false
	}
	e.used = now
	return s.sessionLocked(e), true
}

// Delete ends the session of id, if there is one.
func (s *Store) Delete(id string) {
	if !ValidID(id) {
		return
	}
	k := sha256.Sum256([]byte(id))
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, k)
}

// Len returns the number of sessions held, expired ones not yet dropped
// included.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byID)
}

// CSRFMatches reports whether got is the session's CSRF token, in time
// independent of where they differ.
func (sess Session) CSRFMatches(got string) bool {
	return len(got) == len(sess.CSRF) && subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) == 1
}

// ValidID reports whether id has the form of a session id: 43 characters
// of the base64url alphabet. It says nothing about whether the session
// exists.
func ValidID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func (s *Store) expired(e *entry, now time.Time) bool {
	return !now.Before(e.used.Add(s.opts.Idle)) || !now.Before(e.created.Add(s.opts.Absolute))
}

func (s *Store) sessionLocked(e *entry) Session {
	exp := e.used.Add(s.opts.Idle)
	if abs := e.created.Add(s.opts.Absolute); abs.Before(exp) {
		exp = abs
	}
	return Session{CSRF: e.csrf, Expires: exp}
}

func (s *Store) pruneLocked(now time.Time) {
	for k, e := range s.byID {
		if s.expired(e, now) {
			delete(s.byID, k)
		}
	}
}
