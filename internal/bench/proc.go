package bench

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// sysconf(_SC_CLK_TCK), which Linux fixes at 100 for user space whatever
// the kernel's own tick rate.
const clockTicks = 100

// capNetAdmin is CAP_NET_ADMIN's bit in the capability sets
// (linux/capability.h), which the UPF needs for its TUN device.
const capNetAdmin = 12

// Usage is what /proc says about a process at one moment.
type Usage struct {
	// CPU is user plus system time.
	CPU time.Duration
	// RSS is the resident set in bytes; 0 for a process that has exited
	// and not been reaped (its memory is gone).
	RSS uint64
}

// readUsage samples process pid.
func readUsage(pid int) (Usage, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Usage{}, fmt.Errorf("bench: %w", err)
	}
	cpu, err := parseStat(stat)
	if err != nil {
		return Usage{}, err
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Usage{}, fmt.Errorf("bench: %w", err)
	}
	st, err := parseStatus(status)
	if err != nil {
		return Usage{}, err
	}
	return Usage{CPU: cpu, RSS: st.rss}, nil
}

// parseStat returns utime+stime from the text of /proc/<pid>/stat
// (proc(5)). The command name in field 2 is in parentheses and may itself
// hold spaces and parentheses, so the fields are counted from the last
// ')': state is field 3, utime field 14, stime field 15.
func parseStat(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("bench: /proc stat: no command name")
	}
	f := bytes.Fields(b[i+1:])
	const utime, stime = 14 - 3, 15 - 3
	if len(f) <= stime {
		return 0, fmt.Errorf("bench: /proc stat: %d fields after the command name, want at least %d", len(f), stime+1)
	}
	u, err1 := strconv.ParseUint(string(f[utime]), 10, 64)
	s, err2 := strconv.ParseUint(string(f[stime]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bench: /proc stat: utime %q, stime %q: want clock ticks", f[utime], f[stime])
	}
	return ticks(u + s), nil
}

func ticks(n uint64) time.Duration {
	return time.Duration(n) * (time.Second / clockTicks)
}

// procStatus is what Keel reads of /proc/<pid>/status.
type procStatus struct {
	rss    uint64 // bytes; 0 when the line is missing (a zombie)
	capEff uint64 // effective capabilities
}

// parseStatus reads VmRSS ("VmRSS:\t  1234 kB") and CapEff (hexadecimal)
// from the text of /proc/<pid>/status.
func parseStatus(b []byte) (procStatus, error) {
	var st procStatus
	for line := range bytes.Lines(b) {
		key, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		val = bytes.TrimSpace(val)
		switch string(key) {
		case "VmRSS":
			num, unit, _ := bytes.Cut(val, []byte(" "))
			kb, err := strconv.ParseUint(string(num), 10, 64)
			if err != nil || string(bytes.TrimSpace(unit)) != "kB" {
				return procStatus{}, fmt.Errorf("bench: /proc status: VmRSS %q: want kilobytes", val)
			}
			st.rss = kb * 1024
		case "CapEff":
			c, err := strconv.ParseUint(string(val), 16, 64)
			if err != nil {
				return procStatus{}, fmt.Errorf("bench: /proc status: CapEff %q: want hexadecimal", val)
			}
			st.capEff = c
		}
	}
	return st, nil
}
