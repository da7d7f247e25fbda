package nnrf

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func decodeJSON(t *testing.T, s string) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

// TestApplyPatchRFC6902 runs the examples of RFC 6902 Appendix A.
func TestApplyPatchRFC6902(t *testing.T) {
	cases := []struct {
		name, doc, patch, want string // want "" means the patch fails
	}{
		{"A.1 add object member", `{"foo":"bar"}`, `[{"op":"add","path":"/baz","value":"qux"}]`, `{"baz":"qux","foo":"bar"}`},
		{"A.2 add array element", `{"foo":["bar","baz"]}`, `[{"op":"add","path":"/foo/1","value":"qux"}]`, `{"foo":["bar","qux","baz"]}`},
		{"A.3 remove object member", `{"baz":"qux","foo":"bar"}`, `[{"op":"remove","path":"/baz"}]`, `{"foo":"bar"}`},
		{"A.4 remove array element", `{"foo":["bar","qux","baz"]}`, `[{"op":"remove","path":"/foo/1"}]`, `{"foo":["bar","baz"]}`},
		{"A.5 replace", `{"baz":"qux","foo":"bar"}`, `[{"op":"replace","path":"/baz","value":"boo"}]`, `{"baz":"boo","foo":"bar"}`},
		{"A.6 move", `{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}`, `[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]`, `{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}`},
		{"A.7 move array element", `{"foo":["all","grass","cows","eat"]}`, `[{"op":"move","from":"/foo/1","path":"/foo/3"}]`, `{"foo":["all","cows","eat","grass"]}`},
		{"A.8 test", `{"baz":"qux","foo":["a",2,"c"]}`, `[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]`, `{"baz":"qux","foo":["a",2,"c"]}`},
		{"A.9 test fails", `{"baz":"qux"}`, `[{"op":"test","path":"/baz","value":"bar"}]`, ``},
		{"A.10 add nested", `{"foo":"bar"}`, `[{"op":"add","path":"/child","value":{"grandchild":{}}}]`, `{"foo":"bar","child":{"grandchild":{}}}`},
		{"A.12 add to nonexistent target", `{"foo":"bar"}`, `[{"op":"add","path":"/baz/bat","value":"qux"}]`, ``},
		{"A.14 escape ordering", `{"/":9,"~1":10}`, `[{"op":"test","path":"/~01","value":10}]`, `{"/":9,"~1":10}`},
		{"A.16 add array value", `{"foo":["bar"]}`, `[{"op":"add","path":"/foo/-","value":["abc","def"]}]`, `{"foo":["bar",["abc","def"]]}`},
		{"replace missing", `{"foo":"bar"}`, `[{"op":"replace","path":"/nope","value":1}]`, ``},
		{"remove missing", `{"foo":"bar"}`, `[{"op":"remove","path":"/nope"}]`, ``},
		{"index out of range", `{"foo":[1]}`, `[{"op":"add","path":"/foo/2","value":1}]`, ``},
		{"leading zero index", `{"foo":[1,2]}`, `[{"op":"remove","path":"/foo/01"}]`, ``},
		{"all or nothing", `{"a":1}`, `[{"op":"remove","path":"/a"},{"op":"remove","path":"/a"}]`, ``},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			items, err := DecodePatch([]byte(c.patch))
			if err != nil {
				t.Fatalf("DecodePatch = %v", err)
			}
			doc := decodeJSON(t, c.doc)
			before, _ := json.Marshal(doc)
			got, err := ApplyPatch(doc, items)
			if after, _ := json.Marshal(doc); string(after) != string(before) {
				t.Errorf("ApplyPatch changed its input: %s", after)
			}
			if c.want == "" {
				if !errors.Is(err, ErrModificationNotAllowed) {
					t.Errorf("ApplyPatch = %v, want %v", err, ErrModificationNotAllowed)
				}
				return
			}
			if err != nil {
				t.Fatalf("ApplyPatch = %v", err)
			}
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(decodeJSON(t, c.want))
			if string(gb) != string(wb) {
				t.Errorf("ApplyPatch = %s, want %s", gb, wb)
			}
		})
	}
}

func TestDecodePatchRefuses(t *testing.T) {
	for _, p := range []string{
		``, `{}`, `[]`, `[{"op":"add","path":"/a"}]`, `[{"op":"frob","path":"/a"}]`,
		`[{"op":"remove","path":"a"}]`, `[{"op":"remove","path":"/a~2"}]`,
		`[{"op":"remove","path":"/a","extra":1}]`, `[{"op":"remove","path":"/a"}] x`,
		`[{"op":"move","from":"x","path":"/a"}]`,
	} {
		if _, err := DecodePatch([]byte(p)); !errors.Is(err, ErrMsgFormat) {
			t.Errorf("DecodePatch(%s) = %v, want %v", p, err, ErrMsgFormat)
		}
	}
}
