package memrecords

// packed is a record's value as memory keeps it: the bytes it shares
// with a reference value of its kind, a prefix and a suffix of it, and
// the bytes between, in a string of their own. Records of one kind
// written by one NF differ in few bytes (an SM policy association's
// SUPI, an AMF registration not at all): at 10,000 UEs with a session
// the values took some 370 bytes per UE kept whole, a few bytes packed.
// A value of its kind that shares less than half its bytes with the
// reference becomes the reference (kind.pack), so the reference follows
// the values written; an older one lives as long as the values that
// name it.
type packed struct {
	ref      *string // nil for no value
	mid      string
	pre, suf uint32
}

// len is the value's length.
func (p packed) len() int { return int(p.pre) + len(p.mid) + int(p.suf) }

// value returns the value in a new slice.
func (p packed) value() []byte {
	if p.ref == nil && p.mid == "" {
		return nil
	}
	b := make([]byte, 0, p.len())
	if p.ref != nil {
		r := *p.ref
		b = append(b, r[:p.pre]...)
		b = append(b, p.mid...)
		return append(b, r[len(r)-int(p.suf):]...)
	}
	return append(b, p.mid...)
}

// kind is the records of one kind and the reference their values are
// packed against.
type kind struct {
	keys map[string]entry
	ref  *string
}

// pack packs v against k's reference, or makes v the reference when it
// shares less than half its bytes with it.
func (k *kind) pack(v []byte) packed {
	if v == nil {
		return packed{}
	}
	if r := k.ref; r != nil {
		pre := commonPrefix(*r, v)
		suf := commonSuffix((*r)[pre:], v[pre:])
		if 2*(pre+suf) >= len(v) {
			return packed{ref: r, mid: string(v[pre : len(v)-suf]), pre: uint32(pre), suf: uint32(suf)}
		}
	}
	s := string(v)
	k.ref = &s
	return packed{ref: &s, pre: uint32(len(s))}
}

func commonPrefix(a string, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

func commonSuffix(a string, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[len(a)-1-i] != b[len(b)-1-i] {
			return i
		}
	}
	return n
}
