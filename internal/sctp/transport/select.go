package transport

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/kernel"
	"github.com/keelcore/keel/internal/sctp/userspace"
)

// Modes Select accepts.
const (
	Auto      = "auto"
	Kernel    = "kernel"
	Userspace = "userspace"
)

// Select returns the transport mode asks for and logs which one runs.
// "auto" (or "") probes the kernel with sctp.KernelSCTP and takes kernel
// SCTP if it is there, userspace SCTP if not. "kernel" fails, wrapping
// sctp.ErrKernelUnsupported, on a kernel without SCTP; "userspace" fails,
// wrapping sctp.ErrKernelHasSCTP, on a kernel with it. Userspace SCTP also
// fails without CAP_NET_RAW. A nil log discards the records.
func Select(mode string, log *slog.Logger) (sctp.Transport, error) {
	return SelectWith(mode, Options{Logger: log})
}

// Options tune the transport SelectWith returns.
type Options struct {
	// Logger receives the selection record and the transport's; nil
	// discards them.
	Logger *slog.Logger
	// PeerTimeout, when positive, declares an association down once its
	// peer has been silent that long although probed with heartbeats
	// (RFC 9260 §8.3), in place of the userspace transport's default of
	// 60 s; heartbeats then start after a quarter of it. A peer whose
	// host died sends no ABORT: this bounds how long its associations
	// look alive. Kernel SCTP keeps its own path failure detection (the
	// net.sctp sysctls).
	PeerTimeout time.Duration
	// SCTPDebug passes the userspace SCTP engine's own records (pion's
	// association internals: chunks, timers, state changes) to Logger at
	// Debug level. Off, they are dropped, and Debug shows the transport's
	// own records only. Kernel SCTP has no such records.
	SCTPDebug bool
}

// SelectWith is Select with options.
func SelectWith(mode string, o Options) (sctp.Transport, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	switch mode {
	case Auto, "", Kernel, Userspace:
	default:
		return nil, fmt.Errorf("sctp: unknown mode %q: want auto, kernel or userspace", mode)
	}
	has, err := sctp.KernelSCTP()
	if err != nil {
		return nil, err
	}
	switch {
	case mode == Kernel && !has:
		return nil, fmt.Errorf("%w: kernel SCTP was asked for; the sctp module is absent or cannot load (use auto or userspace)", sctp.ErrKernelUnsupported)
	case mode == Userspace && has:
		return nil, fmt.Errorf("%w: userspace SCTP was asked for, but the kernel would abort its associations (use auto or kernel)", sctp.ErrKernelHasSCTP)
	case has:
		t, err := kernel.New(kernel.Options{Logger: log})
		if err != nil {
			return nil, err
		}
		log.Info("sctp: kernel SCTP", "mode", modeName(mode))
		return t, nil
	}
	uo := userspace.Options{Logger: log, SCTPDebug: o.SCTPDebug}
	if o.PeerTimeout > 0 {
		uo.PeerTimeout, uo.HeartbeatInterval = o.PeerTimeout, o.PeerTimeout/4
	}
	t, err := userspace.New(uo)
	if err != nil {
		return nil, err
	}
	log.Info("sctp: userspace SCTP over raw IPv4 (the kernel has no SCTP)", "mode", modeName(mode))
	return t, nil
}

func modeName(mode string) string {
	if mode == "" {
		return Auto
	}
	return mode
}
