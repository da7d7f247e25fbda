package suci

import (
	"bytes"
	"testing"
)

// FuzzDeconceal feeds arbitrary scheme outputs to Deconceal under the
// profile A and profile B keys of TS 33.501 Annex C.4: it must never panic,
// and whatever it accepts must come back unchanged from Conceal with the
// same ephemeral key. The committed seed corpus is in
// testdata/fuzz/FuzzDeconceal.
func FuzzDeconceal(f *testing.F) {
	keys := []HomeNetworkKey{vectorKey(f, 0), vectorKey(f, 2)}
	for _, tc := range annexC4 {
		f.Add(mustHex(f, tc.out))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		for _, key := range keys {
			pt, err := Deconceal(key, out)
			if err != nil {
				continue
			}
			if len(pt) != len(out)-len(key.Public)-macLen {
				t.Fatalf("Deconceal(%v, %d octets) returned %d octets", key.Scheme, len(out), len(pt))
			}
			_, _ = MSIN(pt)
		}
		_, _ = MSIN(out)
		if len(out) == 0 {
			return
		}
		// Round trip with the fuzz input as scheme input and a fixed ephemeral key.
		for i, key := range keys {
			eph := mustHex(t, annexC4[2*i].ephPrivate)
			enc, err := Conceal(key.Scheme, key.Public, out, &fixedReader{eph})
			if err != nil {
				t.Fatalf("Conceal(%v, %x): %v", key.Scheme, out, err)
			}
			dec, err := Deconceal(key, enc)
			if err != nil || !bytes.Equal(dec, out) {
				t.Fatalf("Deconceal(Conceal(%v, %x)) = %x, %v", key.Scheme, out, dec, err)
			}
		}
	})
}
