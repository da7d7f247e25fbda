package sctptest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/keelcore/keel/internal/oracle"
)

// MainInNetNS is a TestMain body for tests that need raw sockets: it runs
// the package's tests (and benchmarks) in a child process of their own, in
// a new network namespace with only lo, up. The child also gets a new user
// namespace in which it is root, so CAP_NET_RAW holds there without any
// privilege on the host; where user namespaces are refused, root falls
// back on a network namespace alone. Nothing of the host's network is seen
// or touched. When no namespace can be made the tests run in place, and
// RequireNetNS skips those that need one, saying why.
func MainInNetNS(m *testing.M) {
	if v := os.Getenv(envNetNS); v != "" {
		if v == "1" {
			if err := loopbackUp(); err != nil {
				fmt.Fprintf(os.Stderr, "sctptest: bringing lo up in the test namespace: %v\n", err)
				os.Exit(2)
			}
		}
		os.Exit(m.Run())
	}
	code, err := rerunInNetNS()
	if err != nil {
		os.Setenv(envNetNS, "unavailable: "+err.Error())
		os.Exit(m.Run())
	}
	os.Exit(code)
}

// rerunInNetNS runs this test binary again, with the same arguments, in a
// new network namespace and returns its exit code.
func rerunInNetNS() (int, error) {
	// The child is killed if this thread dies (Pdeathsig follows the
	// thread that forked), so keep it.
	runtime.LockOSThread()
	attrs := []*syscall.SysProcAttr{{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
		Pdeathsig:   syscall.SIGKILL,
	}}
	if os.Getuid() == 0 {
		attrs = append(attrs, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGKILL})
	}
	// The child's notes of missing oracles go where the go command shows
	// them, which the child may not open from its user namespace.
	notes, notesEnv := oracle.ForChild()
	if notes != nil {
		defer notes.Close()
	}
	var errs []error
	for _, attr := range attrs {
		cmd := exec.Command("/proc/self/exe", os.Args[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		cmd.Env = append(os.Environ(), envNetNS+"=1")
		if notes != nil {
			cmd.ExtraFiles = []*os.File{notes}
			cmd.Env = append(cmd.Env, notesEnv)
		}
		cmd.SysProcAttr = attr
		if err := cmd.Start(); err != nil {
			errs = append(errs, err)
			continue
		}
		err := cmd.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), nil
		}
		return 0, err
	}
	return 0, fmt.Errorf("creating a network namespace: %w", errors.Join(errs...))
}

// loopbackUp sets lo up, as a new network namespace has it down.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}
