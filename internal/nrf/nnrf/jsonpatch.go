package nnrf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// PatchItem is one operation of a JSON Patch document (RFC 6902 §4,
// TS 29.571 PatchItem), sent as application/json-patch+json.
type PatchItem struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	From  string          `json:"from,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
}

// MaxPatchItems bounds a patch document.
const MaxPatchItems = 256

// DecodePatch reads a JSON Patch document: a non-empty array of
// operations, each with a known op, a JSON pointer path, from for move
// and copy, and value for add, replace and test (RFC 6902 §4).
func DecodePatch(b []byte) ([]PatchItem, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	var items []PatchItem
	if err := d.Decode(&items); err != nil {
		return nil, errf(ErrMsgFormat, "", "patch document: %v", err)
	}
	if d.More() {
		return nil, errf(ErrMsgFormat, "", "patch document: trailing data")
	}
	if len(items) == 0 {
		return nil, errf(ErrMsgFormat, "", "patch document: no operation")
	}
	if len(items) > MaxPatchItems {
		return nil, errf(ErrMsgFormat, "", "patch document: more than %d operations", MaxPatchItems)
	}
	for i, it := range items {
		at := "/" + strconv.Itoa(i)
		if _, err := splitPointer(it.Path); err != nil {
			return nil, errf(ErrMsgFormat, at+"/path", "%v", err)
		}
		hasValue := it.Value != nil
		switch it.Op {
		case "add", "replace", "test":
			if !hasValue {
				return nil, errf(ErrMsgFormat, at+"/value", "op %s needs a value", it.Op)
			}
		case "remove":
		case "move", "copy":
			if _, err := splitPointer(it.From); err != nil {
				return nil, errf(ErrMsgFormat, at+"/from", "op %s needs a from pointer", it.Op)
			}
		default:
			return nil, errf(ErrMsgFormat, at+"/op", "unknown op %q", it.Op)
		}
	}
	return items, nil
}

// ApplyPatch applies the operations in order to doc, a decoded JSON
// value (map[string]any, []any, string, float64, bool, nil), and returns
// the result; doc itself is not changed. Any operation that fails fails
// the whole patch (RFC 6902 §5).
func ApplyPatch(doc any, items []PatchItem) (any, error) {
	cur := deepCopy(doc)
	for i, it := range items {
		var err error
		cur, err = applyOne(cur, it)
		if err != nil {
			return nil, errf(ErrModificationNotAllowed, "/"+strconv.Itoa(i), "%s %s: %v", it.Op, it.Path, err)
		}
	}
	return cur, nil
}

func applyOne(doc any, it PatchItem) (any, error) {
	path, _ := splitPointer(it.Path)
	var value any
	if it.Value != nil {
		// Numbers stay json.Number, as in the documents DecodeProfile
		// reads, so that test compares like with like.
		d := json.NewDecoder(bytes.NewReader(it.Value))
		d.UseNumber()
		if err := d.Decode(&value); err != nil {
			return nil, err
		}
	}
	switch it.Op {
	case "add":
		return put(doc, path, value, true)
	case "replace":
		if _, err := get(doc, path); err != nil {
			return nil, err
		}
		return put(doc, path, value, false)
	case "remove":
		return remove(doc, path)
	case "test":
		got, err := get(doc, path)
		if err != nil {
			return nil, err
		}
		if !reflect.DeepEqual(got, value) {
			return nil, fmt.Errorf("value differs")
		}
		return doc, nil
	case "move", "copy":
		from, _ := splitPointer(it.From)
		v, err := get(doc, from)
		if err != nil {
			return nil, err
		}
		if it.Op == "move" {
			if isPrefix(from, path) && len(from) < len(path) {
				return nil, fmt.Errorf("cannot move a value into itself")
			}
			if doc, err = remove(doc, from); err != nil {
				return nil, err
			}
		}
		return put(doc, path, deepCopy(v), true)
	}
	return nil, fmt.Errorf("unknown op %q", it.Op)
}

// splitPointer parses a JSON pointer (RFC 6901 §3, §4): "" is the whole
// document, else "/" and tokens with ~1 for "/" and ~0 for "~".
func splitPointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if p[0] != '/' {
		return nil, fmt.Errorf("JSON pointer %q does not start with /", p)
	}
	tokens := strings.Split(p[1:], "/")
	for i, t := range tokens {
		for j := 0; j < len(t); j++ {
			if t[j] == '~' && (j+1 == len(t) || (t[j+1] != '0' && t[j+1] != '1')) {
				return nil, fmt.Errorf("JSON pointer %q: bad escape", p)
			}
		}
		tokens[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return tokens, nil
}

func isPrefix(a, b []string) bool {
	if len(a) > len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func get(doc any, path []string) (any, error) {
	cur := doc
	for _, tok := range path {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, fmt.Errorf("no member %q", tok)
			}
			cur = v
		case []any:
			i, err := index(tok, len(c), false)
			if err != nil {
				return nil, err
			}
			cur = c[i]
		default:
			return nil, fmt.Errorf("%q is inside a scalar", tok)
		}
	}
	return cur, nil
}

// put sets the value at path; for an array, insert (add) or set
// (replace) at the index, "-" appending.
func put(doc any, path []string, value any, insert bool) (any, error) {
	if len(path) == 0 {
		return value, nil
	}
	parent, err := get(doc, path[:len(path)-1])
	if err != nil {
		return nil, err
	}
	last := path[len(path)-1]
	switch c := parent.(type) {
	case map[string]any:
		c[last] = value
		return doc, nil
	case []any:
		i, err := index(last, len(c), insert)
		if err != nil {
			return nil, err
		}
		var n []any
		if insert {
			n = append(append(append(make([]any, 0, len(c)+1), c[:i]...), value), c[i:]...)
		} else {
			n = append([]any(nil), c...)
			n[i] = value
		}
		return put(doc, path[:len(path)-1], n, false)
	}
	return nil, fmt.Errorf("parent of %q is a scalar", last)
}

func remove(doc any, path []string) (any, error) {
	if len(path) == 0 {
		return nil, fmt.Errorf("cannot remove the whole document")
	}
	parent, err := get(doc, path[:len(path)-1])
	if err != nil {
		return nil, err
	}
	last := path[len(path)-1]
	switch c := parent.(type) {
	case map[string]any:
		if _, ok := c[last]; !ok {
			return nil, fmt.Errorf("no member %q", last)
		}
		delete(c, last)
		return doc, nil
	case []any:
		i, err := index(last, len(c), false)
		if err != nil {
			return nil, err
		}
		n := append(append(make([]any, 0, len(c)-1), c[:i]...), c[i+1:]...)
		return put(doc, path[:len(path)-1], n, false)
	}
	return nil, fmt.Errorf("parent of %q is a scalar", last)
}

// index reads an array index (RFC 6901 §4: digits without leading zeros;
// "-" past the end, only where inserting).
func index(tok string, n int, insert bool) (int, error) {
	if tok == "-" && insert {
		return n, nil
	}
	if tok == "" || len(tok) > 1 && tok[0] == '0' || !digits(tok) {
		return 0, fmt.Errorf("%q is not an array index", tok)
	}
	i, err := strconv.Atoi(tok)
	if err != nil || i > n || (!insert && i == n) {
		return 0, fmt.Errorf("index %s out of range", tok)
	}
	return i, nil
}

func deepCopy(v any) any {
	switch c := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(c))
		for k, e := range c {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(c))
		for i, e := range c {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}
