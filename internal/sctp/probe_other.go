//go:build !linux

package sctp

// KernelSCTP reports whether the kernel provides SCTP. Keel uses kernel
// SCTP only on Linux.
func KernelSCTP() (bool, error) { return false, nil }
