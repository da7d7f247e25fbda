package config

import (
	"log/slog"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

func TestDefaultValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Errorf("Default().Validate() = %v, want nil", err)
	}
}

func TestDefaultYAML(t *testing.T) {
	got, err := Parse(DefaultYAML())
	if err != nil {
		t.Fatalf("Parse(DefaultYAML()) = %v\n%s", err, DefaultYAML())
	}
	if diff := cmp.Diff(Default(), got, equateNetip()); diff != "" {
		t.Errorf("Parse(DefaultYAML()) mismatch (-Default() +got):\n%s", diff)
	}
}

// TestDefaultYAMLGivesEveryKey guards the other half of the bargain: a
// key missing from DefaultYAML would still parse to its default, but
// operators would not learn of it.
func TestDefaultYAMLGivesEveryKey(t *testing.T) {
	c := Default()
	d := newDecoder()
	if err := d.document(DefaultYAML(), &c); err != nil {
		t.Fatalf("decoding DefaultYAML() = %v", err)
	}
	for _, key := range keyPaths(reflect.ValueOf(Default()), "") {
		if _, ok := d.lines[key]; !ok {
			t.Errorf("DefaultYAML() does not give %s", key)
		}
	}
}

// keyPaths lists the key paths of every field under v.
func keyPaths(v reflect.Value, key string) []string {
	var out []string
	switch {
	case v.Kind() == reflect.Struct && len(fieldsByKey(v.Type())) > 0:
		for name, i := range fieldsByKey(v.Type()) {
			k := child(key, name)
			out = append(out, k)
			out = append(out, keyPaths(v.Field(i), k)...)
		}
	case v.Kind() == reflect.Slice:
		for i := range v.Len() {
			out = append(out, keyPaths(v.Index(i), index(key, i))...)
		}
	}
	return out
}

// TestMarshalRoundTrip checks that the yaml tags and the decoder agree,
// so that yaml.Marshal of a Config writes a file Parse reads back.
func TestMarshalRoundTrip(t *testing.T) {
	want := Default()
	want.Slices = append(want.Slices, Slice{SST: 2, SD: "00000a"})
	out, err := yaml.Marshal(want)
	if err != nil {
		t.Fatalf("yaml.Marshal(Default()) = %v", err)
	}
	got, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse(yaml.Marshal(c)) = %v\n%s", err, out)
	}
	if diff := cmp.Diff(want, got, equateNetip()); diff != "" {
		t.Errorf("Parse(yaml.Marshal(c)) mismatch (-want +got):\n%s", diff)
	}
}

func TestSlogLevel(t *testing.T) {
	for _, tt := range []struct {
		in   LogLevel
		want slog.Level
	}{
		{LogDebug, slog.LevelDebug},
		{LogInfo, slog.LevelInfo},
		{LogWarn, slog.LevelWarn},
		{LogError, slog.LevelError},
		{"loud", slog.LevelInfo},
	} {
		if got := tt.in.SlogLevel(); got != tt.want {
			t.Errorf("LogLevel(%q).SlogLevel() = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestSliceSNSSAI(t *testing.T) {
	for _, tt := range []struct {
		sd     string
		want   uint32
		wantOK bool
	}{
		{"", 0, false},
		{"000000", 0, true},
		{"00000a", 10, true},
		{"ABCDEF", 0xabcdef, true},
		{"ffffff", 0xffffff, true},
		{"12345", 0, false},
		{"1234567", 0, false},
		{"12345g", 0, false},
		{"+12345", 0, false},
	} {
		got := Slice{SST: 1, SD: tt.sd}.SNSSAI()
		if got.SST != 1 || got.SD != tt.want || got.HasSD != tt.wantOK {
			t.Errorf("Slice{SD: %q}.SNSSAI() = %+v, want SD %#x, HasSD %v", tt.sd, got, tt.want, tt.wantOK)
		}
	}
}
