package amf

import (
	"testing"
	"unsafe"
)

// TestUEContextSize keeps a UE's context within the allocator's size
// class it fits today (416 bytes): a field that takes it past costs
// every UE the step to the next class (32 bytes), which the memory per
// UE of BENCHMARKS.md counts.
func TestUEContextSize(t *testing.T) {
	if size := unsafe.Sizeof(ueContext{}); size > 416 {
		t.Errorf("ueContext is %d bytes, past the 416-byte size class", size)
	}
}
