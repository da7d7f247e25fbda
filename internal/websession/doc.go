// Package websession keeps the operator console's sign-in sessions: a
// browser that signed in with the admin token holds a random session id
// in an HttpOnly cookie, and the server the session behind it, with the
// CSRF token that every state-changing request made with the cookie must
// repeat in a header (the synchronizer token pattern of the OWASP CSRF
// Prevention Cheat Sheet; SameSite=Strict on the cookie is the second
// line).
//
// Sessions live in the process's memory only: a restart signs every
// browser out. A session ends after Options.Idle without use, after
// Options.Absolute in any case, and when signed out; at most Options.Max
// live at once, the least recently used giving way to a new one.
//
// # Secrets
//
// Session ids and CSRF tokens are 256-bit random values. The Store keeps
// only the SHA-256 digest of each id, so that neither its memory nor a
// timing difference in its map lookup gives a usable id away; CSRF
// tokens are compared in constant time. Neither is ever logged.
//
// # Sign-in throttling
//
// A Throttle counts failed sign-ins per client address and refuses
// further attempts from an address for the rest of a window once it has
// failed too often, with bounded memory.
//
// # Concurrency
//
// Store and Throttle are safe for concurrent use: each guards its state
// with one mutex held for map operations only, and neither starts a
// goroutine (expired entries are dropped as they are met and whenever
// an entry is added).
package websession
