package bench

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	b, err := os.ReadFile("testdata/proc_stat")
	if err != nil {
		t.Fatal(err)
	}
	// utime 1234 + stime 567 ticks of 10 ms; cutime and cstime (the
	// children's) are not the process's own.
	got, err := parseStat(b)
	if want := 18010 * time.Millisecond; err != nil || got != want {
		t.Errorf("parseStat(testdata/proc_stat) = %v, %v, want %v", got, err, want)
	}
}

func TestParseStatMalformed(t *testing.T) {
	for _, in := range []string{
		"",
		"4242 keel S 1 2 3",
		"4242 (keel) S 1 2 3 4 5 6 7 8 9 10",
		"4242 (keel) S 1 2 3 4 5 6 7 8 9 10 x 12",
		"4242 (keel) S 1 2 3 4 5 6 7 8 9 10 11 -1",
	} {
		if got, err := parseStat([]byte(in)); err == nil {
			t.Errorf("parseStat(%q) = %v, nil, want an error", in, got)
		}
	}
}

func TestParseStatus(t *testing.T) {
	for _, tc := range []struct {
		file string
		want procStatus
	}{
		{"testdata/proc_status", procStatus{rss: 47120 * 1024, capEff: 0x1fffeffffff}},
		// A zombie has released its memory: no VmRSS line at all.
		{"testdata/proc_status_zombie", procStatus{}},
	} {
		b, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseStatus(b)
		if err != nil || got != tc.want {
			t.Errorf("parseStatus(%s) = %+v, %v, want %+v", tc.file, got, err, tc.want)
		}
	}
}

func TestParseStatusMalformed(t *testing.T) {
	for _, in := range []string{
		"VmRSS:\t 12 MB\n",
		"VmRSS:\t x kB\n",
		"CapEff:\tzz\n",
	} {
		if got, err := parseStatus([]byte(in)); err == nil {
			t.Errorf("parseStatus(%q) = %+v, nil, want an error", in, got)
		}
	}
}

func TestCPUModel(t *testing.T) {
	in := "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu\n\nprocessor\t: 1\nmodel name\t: Other\n"
	if got, want := cpuModel([]byte(in)), "Intel(R) Xeon(R) Processor"; got != want {
		t.Errorf("cpuModel = %q, want %q", got, want)
	}
	if got := cpuModel([]byte("processor\t: 0\nBogoMIPS\t: 50.00\n")); got != "" {
		t.Errorf("cpuModel without a model name = %q, want empty", got)
	}
}

// TestUsageOfExitedChild checks the way the bench reads the simulator's
// CPU time: after waitid(WNOWAIT), before the reaping Wait, /proc agrees
// with the kernel's own account in wait4's rusage.
func TestUsageOfExitedChild(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	cmd := exec.Command("sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	if err := waitExited(cmd.Process.Pid); err != nil {
		t.Fatalf("waitExited = %v", err)
	}
	u, err := readUsage(cmd.Process.Pid)
	if err != nil {
		t.Fatalf("readUsage of an exited child = %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	want := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	// /proc counts whole ticks of each of utime and stime.
	if d := u.CPU - want; d < -2*ticks(1) || d > 2*ticks(1) {
		t.Errorf("CPU from /proc = %v, rusage says %v: want them within two ticks", u.CPU, want)
	}
	if u.CPU == 0 {
		t.Errorf("CPU from /proc = 0 for a busy child, want more")
	}
	if u.RSS != 0 {
		t.Errorf("RSS of an exited child = %d, want 0", u.RSS)
	}
	if _, err := readUsage(cmd.Process.Pid); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("readUsage of a reaped child = %v, want no such file", err)
	}
}
