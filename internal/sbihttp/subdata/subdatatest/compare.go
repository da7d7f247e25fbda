package subdatatest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// Codec is a pointer to a value of a type with hand-written codecs.
type Codec interface {
	sbihttp.JSONDecoder
	sbihttp.JSONAppender
}

// Compare decodes body with sbihttp.DecodeBytes into hand (a fresh
// value with its own decoder) and into ref (a fresh value of its
// mirror) and fails t unless both accept it with the same value, which
// hand encodes to the bytes json.Marshal gives for ref, or both refuse
// it with the same sbi error. It reports whether they accepted.
func Compare(t testing.TB, body []byte, hand Codec, ref any) bool {
	t.Helper()
	herr := sbihttp.DecodeBytes(body, hand)
	rerr := sbihttp.DecodeBytes(body, ref)
	if (herr == nil) != (rerr == nil) {
		t.Fatalf("DecodeBytes(%q) = %v, reference %v", body, herr, rerr)
	}
	if herr != nil {
		if hp, rp := sbi.ProblemOf(herr), sbi.ProblemOf(rerr); hp == nil || hp != rp {
			t.Fatalf("DecodeBytes(%q) = %v, reference %v: not the same TS 29.500 error", body, herr, rerr)
		}
		return false
	}
	if d := Diff(reflect.ValueOf(hand).Elem(), reflect.ValueOf(ref).Elem(), ""); d != "" {
		t.Fatalf("DecodeBytes(%q): value differs from the reference at %s", body, d)
	}
	got, gerr := hand.AppendJSON(nil)
	want, werr := json.Marshal(ref)
	if (gerr == nil) != (werr == nil) || (gerr == nil && string(got) != string(want)) {
		t.Fatalf("AppendJSON of %q = %s, %v; json.Marshal of the reference %s, %v", body, got, gerr, want, werr)
	}
	return true
}

// Diff compares two values of types of the same shape (field by field,
// nil and empty slices told apart) and names the first difference, ""
// when there is none.
func Diff(a, b reflect.Value, path string) string {
	if a.Kind() != b.Kind() {
		return fmt.Sprintf("%s: %s against %s", path, a.Kind(), b.Kind())
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() != b.IsNil() {
			return fmt.Sprintf("%s: nil %v against %v", path, a.IsNil(), b.IsNil())
		}
		if a.IsNil() {
			return ""
		}
		return Diff(a.Elem(), b.Elem(), path)
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return fmt.Sprintf("%s: nil %v len %d against nil %v len %d", path, a.IsNil(), a.Len(), b.IsNil(), b.Len())
		}
		for i := range a.Len() {
			if d := Diff(a.Index(i), b.Index(i), fmt.Sprintf("%s/%d", path, i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Struct:
		if a.Type() == b.Type() {
			if !reflect.DeepEqual(a.Interface(), b.Interface()) {
				return fmt.Sprintf("%s: %+v against %+v", path, a.Interface(), b.Interface())
			}
			return ""
		}
		if a.NumField() != b.NumField() {
			return fmt.Sprintf("%s: %s against %s", path, a.Type(), b.Type())
		}
		for i := range a.NumField() {
			if d := Diff(a.Field(i), b.Field(i), path+"/"+a.Type().Field(i).Name); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(a.Interface(), b.Interface()) {
		return fmt.Sprintf("%s: %v against %v", path, a.Interface(), b.Interface())
	}
	return ""
}
