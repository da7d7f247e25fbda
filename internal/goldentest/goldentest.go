// Package goldentest keeps the golden files of codec tests: encodings
// pinned as hexadecimal text in testdata/*.hex, and the fuzz seeds made
// from the same bytes. A test compares what its encoder produces with
// them and, run with its -update flag, rewrites them for review.
package goldentest

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Hex keeps the golden file path equal to got. With update it writes got
// there, after about as a comment line, and returns got. Otherwise it
// reports a difference and returns the golden bytes; a missing or
// unreadable file stops the test.
func Hex(t testing.TB, path, about string, got []byte, update bool) []byte {
	t.Helper()
	if update {
		write(t, path, FormatHex(about, got))
		return got
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	want, err := ParseHex(raw)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("encoding = \n%s\nwant (%s)\n%s", FormatHex("", got), path, FormatHex("", want))
	}
	return want
}

// Seed keeps the fuzz seed file path ("go test fuzz v1") holding b: with
// update it writes it, otherwise it reports a missing or stale one.
func Seed(t testing.TB, path string, b []byte, update bool) {
	t.Helper()
	SeedValues(t, path, update, b)
}

// SeedValues is Seed for a fuzz target of several arguments, each a
// []byte or a byte.
func SeedValues(t testing.TB, path string, update bool, values ...any) {
	t.Helper()
	want := []byte("go test fuzz v1\n")
	for _, v := range values {
		switch v := v.(type) {
		case []byte:
			want = fmt.Appendf(want, "[]byte(%q)\n", v)
		case byte:
			want = fmt.Appendf(want, "byte(%q)\n", v)
		default:
			t.Fatalf("goldentest.SeedValues: a %T is not a fuzz argument it writes", v)
		}
	}
	if update {
		write(t, path, want)
		return
	}
	if raw, err := os.ReadFile(path); err != nil || !bytes.Equal(raw, want) {
		t.Errorf("%s is not the seed of these values (%v): run with -update", path, err)
	}
}

// FormatHex writes b as lines of 16 octets in hexadecimal, after about as
// a # comment line when it is not empty.
func FormatHex(about string, b []byte) []byte {
	var w bytes.Buffer
	if about != "" {
		fmt.Fprintf(&w, "# %s\n", about)
	}
	for i := 0; i < len(b); i += 16 {
		for j, c := range b[i:min(i+16, len(b))] {
			if j > 0 {
				w.WriteByte(' ')
			}
			fmt.Fprintf(&w, "%02x", c)
		}
		w.WriteByte('\n')
	}
	return w.Bytes()
}

// ParseHex reads hexadecimal octets, with any spacing, skipping # comment
// lines.
func ParseHex(raw []byte) ([]byte, error) {
	var digits strings.Builder
	for line := range strings.SplitSeq(string(raw), "\n") {
		if !strings.HasPrefix(line, "#") {
			digits.WriteString(strings.Join(strings.Fields(line), ""))
		}
	}
	return hex.DecodeString(digits.String())
}

func write(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
