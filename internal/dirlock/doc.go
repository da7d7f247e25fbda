// Package dirlock keeps one process at a time on a directory: Acquire takes
// an exclusive lock the kernel holds (flock(2) on a lock file inside the
// directory, which records the holder's process ID) and refuses a second
// holder with an error naming the first one's PID. Keel locks its data
// directory with it, so that two cores never share a store, an admin token
// and home network keys.
//
// The kernel releases the lock when its holder closes it or dies, however
// it dies; a lock file left behind by a dead process holds no lock and is
// taken over. The file itself is never removed: removing it would let a
// process that opened it before the removal lock a file nobody else can
// find.
//
// # Concurrency
//
// A Lock is released once, by one goroutine. flock locks belong to the
// open file, so two locks acquired in one process on one directory exclude
// each other too.
//
// # Errors
//
// Errors start with "dirlock: "; a directory held by another process
// gives a *HeldError.
package dirlock
