package dirlock

import (
	"fmt"
	"path/filepath"
)

// FileName is the lock file's name inside the directory.
const FileName = "keel.lock"

// HeldError reports a directory locked by another process.
type HeldError struct {
	Dir string
	// PID is the holder's process ID as it recorded it; 0 if it had not
	// written it yet or the file could not be read.
	PID int
}

func (e *HeldError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("dirlock: %s is in use by another process (it holds %s)", e.Dir, filepath.Join(e.Dir, FileName))
	}
	return fmt.Sprintf("dirlock: %s is in use by another process, PID %d (it holds %s)", e.Dir, e.PID, filepath.Join(e.Dir, FileName))
}
