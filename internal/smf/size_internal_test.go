package smf

import (
	"testing"
	"unsafe"
)

// TestSessionSize keeps a PDU session within the allocator's size class
// it fits today (416 bytes): a field that takes it past costs every
// session the step to the next class (32 bytes), which the memory per
// UE of BENCHMARKS.md counts.
func TestSessionSize(t *testing.T) {
	if size := unsafe.Sizeof(session{}); size > 416 {
		t.Errorf("session is %d bytes, past the 416-byte size class", size)
	}
}
