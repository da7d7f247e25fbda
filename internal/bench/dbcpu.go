package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// procTimes are the fields of /proc/<pid>/stat a server's CPU is summed
// from (proc(5)).
type procTimes struct {
	ppid int
	// self is utime+stime; reaped cutime+cstime: the CPU of the
	// children the process has waited for.
	self, reaped time.Duration
}

// parseProcTimes reads ppid (field 4), utime, stime, cutime and cstime
// (fields 14 to 17) from the text of /proc/<pid>/stat, counting fields
// from the last ')' as parseStat does.
func parseProcTimes(b []byte) (procTimes, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procTimes{}, fmt.Errorf("bench: /proc stat: no command name")
	}
	f := bytes.Fields(b[i+1:])
	const ppid, utime, cstime = 4 - 3, 14 - 3, 17 - 3
	if len(f) <= cstime {
		return procTimes{}, fmt.Errorf("bench: /proc stat: %d fields after the command name, want at least %d", len(f), cstime+1)
	}
	var v [4]uint64
	for j := range v {
		n, err := strconv.ParseUint(string(f[utime+j]), 10, 64)
		if err != nil {
			return procTimes{}, fmt.Errorf("bench: /proc stat: field %d %q: want clock ticks", utime+j+3, f[utime+j])
		}
		v[j] = n
	}
	p, err := strconv.Atoi(string(f[ppid]))
	if err != nil {
		return procTimes{}, fmt.Errorf("bench: /proc stat: ppid %q", f[ppid])
	}
	return procTimes{ppid: p, self: ticks(v[0] + v[1]), reaped: ticks(v[2] + v[3])}, nil
}

func readProcTimes(pid int) (procTimes, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procTimes{}, fmt.Errorf("bench: %w", err)
	}
	return parseProcTimes(b)
}

// localPostmaster returns the PID of the PostgreSQL server one of whose
// backends has PID backend, when that server runs on this machine (in
// this PID namespace): the backend's parent, if both are named
// postgres. It returns 0 otherwise: the server is elsewhere, and its CPU
// cannot be read.
func localPostmaster(backend int) int {
	t, err := readProcTimes(backend)
	if err != nil || !isPostgres(backend) || !isPostgres(t.ppid) {
		return 0
	}
	return t.ppid
}

func isPostgres(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return err == nil && string(bytes.TrimSpace(b)) == "postgres"
}

// serverCPU is the CPU time a PostgreSQL server has taken: its
// postmaster's own and that of the children it reaped (backends of
// connections that ended), plus its children still running (the
// backends of open connections, the checkpointer, the WAL writer...).
// A backend that ends between the two reads may be counted twice or not
// at all; the bench samples when the core's connection pools are open,
// so few do.
func serverCPU(postmaster int) (time.Duration, error) {
	pm, err := readProcTimes(postmaster)
	if err != nil {
		return 0, err
	}
	sum := pm.self + pm.reaped
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return 0, fmt.Errorf("bench: %w", err)
	}
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the process has gone since the glob
		}
		t, err := parseProcTimes(b)
		if err != nil || t.ppid != postmaster {
			continue
		}
		sum += t.self
	}
	return sum, nil
}
