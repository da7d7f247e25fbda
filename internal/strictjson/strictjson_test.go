package strictjson

import (
	"encoding/json"
	"errors"
	"testing"
)

// decodeAny reads data with the Reader as the value of a type that
// holds a string s, an int8 i, a uint16 u, a float f, a bool t and a
// []string l, refusing every other attribute.
type probe struct {
	S string   `json:"s"`
	I int8     `json:"i"`
	U uint16   `json:"u"`
	F float64  `json:"f"`
	T bool     `json:"t"`
	L []string `json:"l"`
	P *probe   `json:"p"`
}

func (p *probe) decode(r *Reader) {
	if !r.BeginObject("probe") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "s", "i", "u", "f", "t", "l", "p") {
		case "s":
			if v, ok := r.String(); ok {
				p.S = v
			}
		case "i":
			if v, ok := r.Int(8); ok {
				p.I = int8(v)
			}
		case "u":
			if v, ok := r.Uint(16); ok {
				p.U = uint16(v)
			}
		case "f":
			if v, ok := r.Float(); ok {
				p.F = v
			}
		case "t":
			if v, ok := r.Bool(); ok {
				p.T = v
			}
		case "l":
			r.Strings(&p.L)
		case "p":
			if r.Null() {
				p.P = nil
				continue
			}
			if p.P == nil {
				p.P = new(probe)
			}
			p.P.decode(r)
		default:
			r.Skip()
		}
	}
}

// refKind decodes data as encoding/json does into a probe and classes
// the result as Finish would.
func refKind(data []byte, v *probe) Kind {
	err := json.Unmarshal(data, v)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
	case errors.As(err, &syn) || !json.Valid(data):
		return Syntax
	case errors.As(err, &typ):
		return Type
	default:
		return Refused
	}
	if !exactKeys(data) {
		return Unknown
	}
	return 0
}

// exactKeys reports whether every attribute name of data's objects is
// one of probe's, compared case-sensitively.
func exactKeys(data []byte) bool {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return false
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				switch k {
				case "s", "i", "u", "f", "t", "l":
				case "p":
					if !walk(x) {
						return false
					}
				default:
					return false
				}
			}
		}
		return true
	}
	return walk(v)
}

func gotKind(err error) Kind {
	if err == nil {
		return 0
	}
	var e *Error
	if !errors.As(err, &e) {
		return 255
	}
	return e.Kind
}

func checkProbe(t *testing.T, data []byte) {
	var want, got probe
	wantKind := refKind(data, &want)
	r := NewReader(data, false)
	got.decode(r)
	err := r.Finish()
	if g := gotKind(err); g != wantKind {
		t.Fatalf("decode(%q) = %v (kind %d), want kind %d", data, err, g, wantKind)
	}
	if err != nil {
		return
	}
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(got)
	if string(a) != string(b) || (want.L == nil) != (got.L == nil) {
		t.Fatalf("decode(%q) = %s, want %s", data, b, a)
	}
}

var probeSeeds = []string{
	`{"s":"a\u00e9\ud83d\ude00\ud800x\"\\\/\b\f\n\r\t","i":-128,"u":65535,"f":1.5e3,"t":true,"l":["x",null,"y"]}`,
	`{"s":"\xff\xfe<>&\u2028","i":127}`,
	`{"i":128}`, `{"i":1.0}`, `{"i":1e0}`, `{"i":-0}`, `{"u":-0}`, `{"u":-1}`, `{"u":65536}`,
	`{"f":1e400}`, `{"s":1}`, `{"S":"x"}`, `{"x":{"y":[1,2,{"z":null}]}}`, `{"l":[]}`, `{"l":null}`,
	`{"p":{"p":{"s":"deep","i":"x"}},"Z":1}`, `{"s":"a"} x`, `{"s":"a",}`, `{"s":"\ud800\u0041"}`,
	`{"s":"\q"}`, "{\"s\":\"\x01\"}", `[1]`, `null`, `{"l":["a","b"],"l":["c"]}`, `{"t":tru}`,
	`{"i":"x","X":1}`, `{"X":1,"i":"x"}`, `{"i":01}`, ` {"s" : "a" } `, ``, `{`, `{"p":[]}`,
}

func TestReaderAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range probeSeeds {
		checkProbe(t, []byte(s))
	}
}

func FuzzReader(f *testing.F) {
	for _, s := range probeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkProbe(t, data)
		// Skip checks syntax as encoding/json does.
		r := NewReader(data, false)
		r.Skip()
		if ok := r.Finish() == nil; ok != json.Valid(data) {
			t.Fatalf("Skip(%q) ok = %v, json.Valid %v", data, ok, !ok)
		}
	})
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "<a href=\"x\">&</a>", "\u2028\u2029", "\x00\x1f\b\f\n\r\t\\", "\xff\xc3", "é😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}

func TestAppendStrings(t *testing.T) {
	for _, l := range [][]string{nil, {}, {"a", "<b>"}} {
		want, _ := json.Marshal(l)
		if got := AppendStrings(nil, l); string(got) != string(want) {
			t.Errorf("AppendStrings(%q) = %s, want %s", l, got, want)
		}
	}
}

func TestPointerAndPrecedence(t *testing.T) {
	for _, c := range []struct {
		in   string
		kind Kind
		ptr  string
	}{
		{`{"p":{"l":["a",1]}}`, Type, "/p/l/1"},
		{`{"Q":1,"p":{"i":300}}`, Type, "/p/i"},
		{`{"p":{"a/b~":1}}`, Unknown, "/p/a~1b~0"},
		{`{"i":300,"s":"x"`, Syntax, ""},
	} {
		var p probe
		r := NewReader([]byte(c.in), false)
		p.decode(r)
		var e *Error
		if err := r.Finish(); !errors.As(err, &e) || e.Kind != c.kind || (c.ptr != "" && e.Pointer != c.ptr) {
			t.Errorf("decode(%s) = %v, want kind %d at %s", c.in, err, c.kind, c.ptr)
		}
	}
	var p probe
	r := NewReader([]byte(`{"Q":1}`), true)
	p.decode(r)
	if err := r.Finish(); err != nil {
		t.Errorf("lenient decode of an undefined attribute = %v, want nil", err)
	}
}
