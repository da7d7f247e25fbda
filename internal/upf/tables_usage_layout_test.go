package upf

import (
	"testing"
	"unsafe"
)

// TestURRCounterLayout checks what keeps the two readers of a URR's
// counters off each other's cache lines: the counter fills a 128-byte
// size class (whose objects the allocator aligns on 128 bytes), the
// uplink pair in its first line, the downlink pair at the start of its
// second; and that counters allocated in a row are so aligned.
func TestURRCounterLayout(t *testing.T) {
	var u urrCounter
	if size := unsafe.Sizeof(u); size != 2*urrLine {
		t.Errorf("urrCounter is %d bytes, want %d", size, 2*urrLine)
	}
	if off := unsafe.Offsetof(u.dlBytes); off != urrLine {
		t.Errorf("dlBytes at %d, want %d", off, urrLine)
	}
	if end := unsafe.Offsetof(u.id) + unsafe.Sizeof(u.id); end > urrLine {
		t.Errorf("the uplink half ends at %d, past the line of %d", end, urrLine)
	}
	var held []*urrCounter
	for range 64 {
		held = append(held, &urrCounter{})
	}
	for _, c := range held {
		if p := uintptr(unsafe.Pointer(c)); p%(2*urrLine) != 0 {
			t.Fatalf("a urrCounter at %#x, not %d-byte aligned", p, 2*urrLine)
		}
	}
}

// TestPDRRuleSize keeps a compiled PDR within the allocator's 160-byte
// size class: a session's uplink and downlink PDRs are each a slice of
// one.
func TestPDRRuleSize(t *testing.T) {
	if size := unsafe.Sizeof(pdrRule{}); size > 160 {
		t.Errorf("pdrRule is %d bytes, past the 160-byte size class", size)
	}
}
