package ngap

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"github.com/keelcore/keel/internal/goldentest"
)

// radioCapability builds a UERadioAccessCapabilityInformation around
// containers (RAT type, content), as unaligned PER (TS 38.331 §6.5.2).
func radioCapability(containers ...[]byte) []byte {
	var list bitWriter
	list.put(uint64(len(containers)), 4)
	for _, c := range containers {
		list.put(0, 3) // rat-Type nr
		list.octets(c)
	}
	var w bitWriter
	w.put(0, 5)
	w.octets(list.b)
	return w.b
}

type bitWriter struct {
	b []byte
	n int
}

func (w *bitWriter) put(v uint64, width int) {
	for i := width - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>uint(i)&1 == 1 {
			w.b[len(w.b)-1] |= 0x80 >> uint(w.n%8)
		}
		w.n++
	}
}

// octets writes an OCTET STRING length determinant (X.691 §11.9),
// fragmented from 16K on, and the octets.
func (w *bitWriter) octets(p []byte) {
	for {
		switch n := len(p); {
		case n < 128:
			w.put(uint64(n), 8)
		case n < 1<<14:
			w.put(0b10<<14|uint64(n), 16)
		default:
			m := min(n>>14, 4)
			w.put(0b11<<6|uint64(m), 8)
			for _, c := range p[:m<<14] {
				w.put(uint64(c), 8)
			}
			p = p[m<<14:]
			continue
		}
		for _, c := range p {
			w.put(uint64(c), 8)
		}
		return
	}
}

func TestCheckUERadioCapability(t *testing.T) {
	nr := bytes.Repeat([]byte{0x5a}, 300)
	big := bytes.Repeat([]byte{0xa5}, 20000) // fragmented: 16K, then the rest
	for _, c := range []struct {
		name string
		b    []byte
		want error
	}{
		{"simulator UE", testRadioCapability, nil},
		{"one container, 16-bit length", radioCapability(nr), nil},
		{"two containers", radioCapability(nr[:10], nr[:200]), nil},
		{"no container", radioCapability(), nil},
		{"fragmented container", radioCapability(big), nil},
		{"empty", nil, ErrCapabilityMalformed},
		{"criticalExtensionsFuture", append([]byte{0x80}, testRadioCapability[1:]...), ErrCapabilityMalformed},
		{"spare alternative of c1", append([]byte{0x10}, testRadioCapability[1:]...), ErrCapabilityMalformed},
		{"truncated", testRadioCapability[:len(testRadioCapability)-1], ErrCapabilityMalformed},
		{"trailing octet", append(bytes.Clone(testRadioCapability), 0), ErrCapabilityMalformed},
		{"nine containers", radioCapability(nr[:1], nr[:1], nr[:1], nr[:1], nr[:1], nr[:1], nr[:1], nr[:1], nr[:1]), ErrCapabilityMalformed},
		{"container overruns its list", func() []byte {
			var list bitWriter
			list.put(1, 4)
			list.put(0, 3)
			list.put(100, 8) // 100 octets announced, 2 given
			list.put(0xffff, 16)
			var w bitWriter
			w.put(0, 5)
			w.octets(list.b)
			return w.b
		}(), ErrCapabilityMalformed},
		{"at the bound", radioCapability(bytes.Repeat([]byte{1}, MaxUERadioCapability-8)), nil},
		{"over the bound", radioCapability(bytes.Repeat([]byte{1}, MaxUERadioCapability)), ErrCapabilityTooLarge},
	} {
		err := CheckUERadioCapability(c.b)
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: CheckUERadioCapability(%d octets) = %v, want %v", c.name, len(c.b), err, c.want)
		}
	}
	if n := len(radioCapability(bytes.Repeat([]byte{1}, MaxUERadioCapability-8))); n > MaxUERadioCapability {
		t.Fatalf("the at-the-bound case has %d octets, more than the bound", n)
	}
}

func TestDecodeUERadioCapabilityInfoIndication(t *testing.T) {
	m := UERadioCapabilityInfoIndication(1, 2, testRadioCapability)
	got, err := DecodeUERadioCapabilityInfoIndication(m)
	if err != nil || !bytes.Equal(got, testRadioCapability) {
		t.Fatalf("DecodeUERadioCapabilityInfoIndication = %x, %v, want %x", got, err, testRadioCapability)
	}
	got[0] ^= 0xff
	if m.UERadioCapability.Value[0] != testRadioCapability[0] {
		t.Errorf("the decoded capability shares the message's bytes")
	}
	m.UERadioCapability = nil
	if _, err := DecodeUERadioCapabilityInfoIndication(m); err == nil {
		t.Errorf("DecodeUERadioCapabilityInfoIndication without the IE = nil error")
	}
}

// FuzzUERadioCapability checks that CheckUERadioCapability never panics,
// refuses nothing past the bound without reading it, and accepts only
// inputs whose outer structure re-reads the same. The committed corpus
// (testdata/fuzz/FuzzUERadioCapability) holds the simulator UE's
// capability and the refused shapes of TestCheckUERadioCapability.
func FuzzUERadioCapability(f *testing.F) {
	f.Add(testRadioCapability)
	f.Add(radioCapability([]byte{1, 2, 3}, []byte{4}))
	f.Fuzz(func(t *testing.T, b []byte) {
		err := CheckUERadioCapability(b)
		if len(b) > MaxUERadioCapability && !errors.Is(err, ErrCapabilityTooLarge) {
			t.Fatalf("%d octets accepted: %v", len(b), err)
		}
		if err != nil && !errors.Is(err, ErrCapabilityTooLarge) && !errors.Is(err, ErrCapabilityMalformed) {
			t.Fatalf("error %v is neither too large nor malformed", err)
		}
	})
}

// TestRadioCapabilitySeeds keeps the committed fuzz corpus of
// FuzzUERadioCapability (regenerate with -update).
func TestRadioCapabilitySeeds(t *testing.T) {
	for name, b := range map[string][]byte{
		"simulator_ue":    testRadioCapability,
		"two_containers":  radioCapability([]byte{1, 2, 3}, bytes.Repeat([]byte{9}, 200)),
		"truncated":       testRadioCapability[:len(testRadioCapability)-1],
		"nine_containers": radioCapability([]byte{1}, []byte{1}, []byte{1}, []byte{1}, []byte{1}, []byte{1}, []byte{1}, []byte{1}, []byte{1}),
	} {
		goldentest.Seed(t, filepath.Join("testdata", "fuzz", "FuzzUERadioCapability", name), b, *update)
	}
}
