package gmm

import (
	"testing"
	"unsafe"
)

// TestMachineSize keeps a UE's 5GMM machine within the allocator's size
// class it fits today (576 bytes): a field that takes it past costs
// every UE the step to the next class (64 bytes), which the memory per
// UE of BENCHMARKS.md counts.
func TestMachineSize(t *testing.T) {
	if size := unsafe.Sizeof(Machine{}); size > 576 {
		t.Errorf("Machine is %d bytes, past the 576-byte size class", size)
	}
}
