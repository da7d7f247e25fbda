package bench

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// childAttr puts a child in a process group of its own, so that a Ctrl-C
// at the terminal reaches the bench alone and the bench stops the child,
// and has the kernel send the child sig should the bench die first.
func childAttr(sig syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: sig}
}

// waitExited blocks until process pid has exited and leaves it unreaped
// (waitid with WNOWAIT, wait(2)): until the caller reaps it,
// /proc/<pid>/stat still holds its final CPU times.
func waitExited(pid int) error {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}
