package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// FuzzParse checks that Parse never panics, that every failure is a
// one-line *Error, and that whatever it accepts is valid and survives
// yaml.Marshal and Parse again.
func FuzzParse(f *testing.F) {
	f.Add(DefaultYAML())
	files, _ := filepath.Glob("testdata/*/*.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) = %T %v, want an *Error", data, err, err)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("Parse(%q) = %q, want one line", data, err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse(%q) accepted a config that Validate refuses: %v", data, err)
		}
		out, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("yaml.Marshal(Parse(%q)) = %v", data, err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(yaml.Marshal(Parse(%q))) = %v\n%s", data, err, out)
		}
		if diff := cmp.Diff(c, again, equateNetip()); diff != "" {
			t.Fatalf("Parse(yaml.Marshal(Parse(%q))) mismatch (-first +second):\n%s", data, diff)
		}
	})
}
