//go:build !unix

package dirlock

import "errors"

// Lock is a held directory lock.
type Lock struct{}

// Acquire fails: there is no flock(2) here.
func Acquire(string) (*Lock, error) {
	return nil, errors.New("dirlock: directory locks need a Unix system")
}

// Release does nothing.
func (*Lock) Release() error { return nil }
