package sbihttp

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/keelcore/keel/internal/sbi"
)

// encoding/json matches attribute names without regard to case, so
// "SupiOrSuci" would fill supiOrSuci. checkKeyCase walks a body that
// decoded into a value of type t and refuses an attribute whose name
// matched a field only that way: for TS 29.500 it is an attribute the
// data type does not define (INVALID_MSG_FORMAT).
//
// The body has already decoded, so it is one valid JSON value: the walk
// reads it in place, byte by byte, and allocates nothing unless an
// attribute name holds an escape or the check fails (it runs on every
// request body an SBI server reads).

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func checkKeyCase(body []byte, t reflect.Type) error {
	w := caseWalker{b: body}
	if bad, ok := w.walk(t); !ok {
		return InvalidParamError(sbi.ErrInvalidMsgFormat, bad, "attribute not defined for this data type (names are case-sensitive)")
	}
	return nil
}

// caseWalker reads a valid JSON value from b at i.
type caseWalker struct {
	b []byte
	i int
}

// walk reads the value at w.i as one of type t. When an attribute's
// name is not one of its struct's JSON names it returns the attribute's
// JSON pointer below this value and false.
func (w *caseWalker) walk(t reflect.Type) (string, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	w.space()
	if t.Kind() == reflect.Interface || t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		w.skip() // the type's own decoding judged it
		return "", true
	}
	switch w.peek() {
	case '[':
		w.i++
		for n := 0; ; n++ {
			w.space()
			if w.peek() == ']' {
				w.i++
				return "", true
			}
			if n > 0 {
				w.i++ // ','
			}
			if bad, ok := w.walk(t.Elem()); !ok {
				return "/*" + bad, false
			}
			w.space()
		}
	case '{':
		w.i++
		for n := 0; ; n++ {
			w.space()
			if w.peek() == '}' {
				w.i++
				return "", true
			}
			if n > 0 {
				w.i++ // ','
				w.space()
			}
			key := w.key()
			w.space()
			w.i++ // ':'
			var ft reflect.Type
			switch t.Kind() {
			case reflect.Map:
				ft, key = t.Elem(), "*"
			case reflect.Struct:
				var found bool
				if ft, found = fieldType(t, key); !found {
					return "/" + key, false
				}
			default:
				w.skip()
				continue
			}
			if bad, ok := w.walk(ft); !ok {
				return "/" + key + bad, false
			}
		}
	}
	w.skip() // a scalar or null
	return "", true
}

func (w *caseWalker) peek() byte {
	if w.i < len(w.b) {
		return w.b[w.i]
	}
	return 0
}

func (w *caseWalker) space() {
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

// key reads a string and returns its value: a slice of the body's text
// when it holds no escape.
func (w *caseWalker) key() string {
	start := w.i
	w.str()
	raw := w.b[start:w.i]
	if len(raw) < 2 {
		return ""
	}
	inner := raw[1 : len(raw)-1]
	for _, c := range inner {
		if c == '\\' {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return string(inner)
			}
			return s
		}
	}
	return string(inner)
}

// str skips a string, its quotes included.
func (w *caseWalker) str() {
	w.i++ // '"'
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case '\\':
			w.i += 2
		case '"':
			w.i++
			return
		default:
			w.i++
		}
	}
}

// skip skips one value: an object or array whole, a string, or a
// literal or number.
func (w *caseWalker) skip() {
	w.space()
	depth := 0
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case '"':
			w.str()
			if depth == 0 {
				return
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return // the end of the enclosing value
			}
			depth--
			if depth == 0 {
				w.i++
				return
			}
		case ',', ':':
			if depth == 0 {
				return
			}
		case ' ', '\t', '\n', '\r':
			if depth == 0 {
				return
			}
		}
		w.i++
	}
}

// fieldType finds the field of struct type t whose JSON name is exactly
// name, and returns its type: t's own fields first, then those of its
// embedded structs, which t's own shadow as in encoding/json.
func fieldType(t reflect.Type, name string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		fname, embedded := jsonName(f)
		if !embedded && fname != "" && fname == name && f.IsExported() {
			return f.Type, true
		}
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if _, embedded := jsonName(f); embedded {
			if typ, ok := fieldType(indirect(f.Type), name); ok {
				return typ, true
			}
		}
	}
	return nil, false
}

// jsonName is a field's JSON name, "" for one encoding/json skips ("-"), and
// whether the field is an untagged embedded struct, whose fields count
// as its parent's.
func jsonName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	name, _, _ := strings.Cut(tag, ",")
	if f.Anonymous && name == "" && indirect(f.Type).Kind() == reflect.Struct {
		return "", true
	}
	if name == "" {
		name = f.Name
	}
	return name, false
}

func indirect(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}

// checkCase runs checkKeyCase for v's type.
func checkCase(body []byte, v any) error {
	if err := checkKeyCase(body, reflect.TypeOf(v)); err != nil {
		if sbi.ProblemOf(err) != nil {
			return err
		}
		return fmt.Errorf("%w: %v", sbi.ErrInvalidMsgFormat, err)
	}
	return nil
}
