package transport

import (
	"fmt"
	"log/slog"

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
	t, err := userspace.New(userspace.Options{Logger: log})
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
