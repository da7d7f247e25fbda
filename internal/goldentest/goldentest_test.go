package goldentest

import (
	"bytes"
	"path/filepath"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	b := make([]byte, 37)
	for i := range b {
		b[i] = byte(i * 7)
	}
	got, err := ParseHex(FormatHex("a PDU", b))
	if err != nil || !bytes.Equal(got, b) {
		t.Fatalf("ParseHex(FormatHex) = %x, %v, want %x", got, err, b)
	}
	dir := t.TempDir()
	hex, seed := filepath.Join(dir, "x.hex"), filepath.Join(dir, "fuzz", "F", "x")
	Hex(t, hex, "a PDU", b, true)
	Seed(t, seed, b, true)
	if want := Hex(t, hex, "", b, false); !bytes.Equal(want, b) {
		t.Errorf("Hex returned %x, want %x", want, b)
	}
	Seed(t, seed, b, false)
}
