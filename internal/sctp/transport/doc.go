// Package transport picks the SCTP implementation N2 runs on: the kernel's
// where the kernel has SCTP, Keel's userspace SCTP over raw IP where it has
// not. It is a package of its own because it imports both implementations,
// which import package sctp for the interface.
//
// # Concurrency
//
// Select may be called from any goroutine; each call returns a transport
// of its own, which the caller closes.
//
// # Errors
//
// Select wraps sctp.ErrKernelUnsupported when the kernel transport is asked
// for on a kernel without SCTP, sctp.ErrKernelHasSCTP when the userspace
// one is asked for on a kernel with SCTP, and the userspace transport's
// error when it cannot open its raw socket (no CAP_NET_RAW).
//
// # Spec conformance
//
// The two stacks never run side by side: a kernel with SCTP treats the
// userspace stack's packets as out of the blue and answers them with ABORT
// (RFC 9260 §8.4), tearing its associations down.
package transport
