package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/keelcore/keel/internal/secret"
)

// TokenFile is the admin token's file name inside the data directory.
const TokenFile = "admin-token"

// MinTokenLen is the fewest characters an admin token may have.
const MinTokenLen = 32

// CheckToken checks an admin token given by the process
// (Options.AdminToken) as loadOrCreateToken checks a token file's: at
// least MinTokenLen characters, and none of them white space or
// control characters, which an HTTP Authorization header could not
// carry as written.
func CheckToken(t secret.Token) error {
	s := t.Reveal()
	if len(s) < MinTokenLen {
		return fmt.Errorf("admin token: %d characters, want at least %d", len(s), MinTokenLen)
	}
	for i := range len(s) {
		if s[i] <= ' ' || s[i] == 0x7f {
			return fmt.Errorf("admin token: character %d is white space or a control character", i+1)
		}
	}
	return nil
}

// loadOrCreateToken returns the admin token kept in dir, creating it with
// mode 0600 on first start; created reports whether it is new. A token
// file that others can read is refused rather than trusted.
func loadOrCreateToken(dir string) (tok secret.Token, created bool, err error) {
	path := filepath.Join(dir, TokenFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		st, err := os.Stat(path)
		if err != nil {
			return "", false, err
		}
		if st.Mode().Perm()&0o077 != 0 {
			return "", false, fmt.Errorf("admin token file %s is accessible to others (mode %04o): run chmod 600 %s", path, st.Mode().Perm(), path)
		}
		t := strings.TrimSpace(string(b))
		if len(t) < MinTokenLen {
			return "", false, fmt.Errorf("admin token file %s holds %d characters, want at least %d: delete it to have a new token made", path, len(t), MinTokenLen)
		}
		return secret.Token(t), false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", false, fmt.Errorf("reading admin token: %w", err)
	}
	tok = secret.NewToken()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", false, fmt.Errorf("creating admin token: %w", err)
	}
	if _, err := f.WriteString(tok.Reveal() + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return "", false, fmt.Errorf("writing admin token: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return "", false, fmt.Errorf("writing admin token: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", false, fmt.Errorf("writing admin token: %w", err)
	}
	return tok, true, nil
}
