package oracle

import (
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// envNotesFD names the environment variable that gives a re-run test
// binary (one run again in a namespace, say) the descriptor its notes go
// to: ForChild's file, which the parent passed on.
const envNotesFD = "KEEL_ORACLE_NOTES_FD"

// announce writes a line where the person running go test sees it. The
// go command keeps a test binary's output to itself unless the package
// fails or -v is given, so the line goes to the go command's standard
// error, opened through /proc, or to the descriptor a parent test binary
// passed on (ForChild). Without either, it goes to this process's
// standard error, seen with -v or when the binary runs by itself.
func announce(line string) {
	if v := os.Getenv(envNotesFD); v != "" {
		if fd, err := strconv.Atoi(v); err == nil {
			if _, err := os.NewFile(uintptr(fd), "oracle-notes").WriteString(line); err == nil {
				return
			}
		}
	}
	if f := goStderr(); f != nil {
		defer f.Close()
		if _, err := f.WriteString(line); err == nil {
			return
		}
	}
	os.Stderr.WriteString(line)
}

// ForChild returns, for a test binary about to run itself again in a
// child process, a file to hand the child as its first extra descriptor
// (exec.Cmd.ExtraFiles[0], descriptor 3) and the environment entry that
// tells the child's notes to go there; nil and "" when there is none.
// The caller closes the file once the child has started. A child in a
// new user namespace may not open its ancestors' descriptors itself.
func ForChild() (*os.File, string) {
	f := goStderr()
	if f == nil {
		return nil, ""
	}
	return f, envNotesFD + "=3"
}

// goStderr opens the standard error of the go command that started this
// test binary, or returns nil: when the parent is not the go command, or
// its standard error is neither a terminal nor a pipe nor a file opened
// for appending (where a second writer would overwrite the go command's
// own output).
func goStderr() *os.File {
	proc := "/proc/" + strconv.Itoa(os.Getppid())
	if comm, err := os.ReadFile(proc + "/comm"); err != nil || strings.TrimSpace(string(comm)) != "go" {
		return nil
	}
	fd := proc + "/fd/2"
	st, err := os.Stat(fd)
	if err != nil {
		return nil
	}
	switch m := st.Mode(); {
	case m&fs.ModeCharDevice != 0, m&fs.ModeNamedPipe != 0:
	case m.IsRegular() && appending(proc+"/fdinfo/2"):
	default:
		return nil
	}
	f, err := os.OpenFile(fd, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil
	}
	return f
}

// appending reports whether an fdinfo file shows O_APPEND in its flags.
func appending(fdinfo string) bool {
	b, err := os.ReadFile(fdinfo)
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "flags:"); ok {
			flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			return err == nil && flags&uint64(os.O_APPEND) != 0
		}
	}
	return false
}
