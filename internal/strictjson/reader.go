package strictjson

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Kind is the class of a decoding fault.
type Kind uint8

const (
	// Syntax: the data are not one JSON value (TS 29.500
	// INVALID_MSG_FORMAT).
	Syntax Kind = iota + 1
	// Unknown: an attribute the data type does not define
	// (INVALID_MSG_FORMAT).
	Unknown
	// Type: a value of the wrong JSON type, or a number the Go type
	// cannot hold (MANDATORY_IE_INCORRECT).
	Type
	// Refused: a value the type's own decoding refuses
	// (MANDATORY_IE_INCORRECT unless Err says otherwise).
	Refused
)

// Error is a decoding fault at an attribute.
type Error struct {
	Kind Kind
	// Pointer is the attribute's JSON pointer, "" for the whole value.
	Pointer string
	Reason  string
	// Err is the error a type's own decoding returned (Refused only).
	Err error
}

func (e *Error) Error() string {
	p := e.Pointer
	if p == "" {
		p = "/"
	}
	return "strictjson: " + p + ": " + e.Reason
}

func (e *Error) Unwrap() error { return e.Err }

// maxDepth is encoding/json's nesting limit: deeper data are malformed.
const maxDepth = 10000

// seg is one step of the path to the value being read: an attribute
// name, or an array index when key is nil.
type seg struct {
	key []byte
	idx int
	n   int // members or elements seen
}

// Reader reads one JSON value from data. The methods that read a value
// leave the Reader after it; once a fault ends decoding (malformed JSON,
// a refused value) they read nothing more and Member and Next report no
// more items, so a decoder needs no error checks of its own: it calls
// Finish at the end.
type Reader struct {
	data    []byte
	pos     int
	lenient bool
	path    []seg
	syntax  *Error // ends decoding
	fatal   *Error // ends decoding
	typ     *Error // first wrong type; decoding goes on
	unknown *Error // first undefined attribute; decoding goes on
	depth   int
	pathBuf [8]seg // path's first levels, without an allocation
}

// NewReader reads data strictly: an attribute the type does not define,
// or one whose name matches only without regard to case, is an Unknown
// fault. Lenient readers (for answers from peers, which may carry
// attributes of later releases) skip such attributes as encoding/json
// does.
func NewReader(data []byte, lenient bool) *Reader {
	r := &Reader{data: data, lenient: lenient}
	r.path = r.pathBuf[:0]
	return r
}

// Failed reports whether a fault ended decoding.
func (r *Reader) Failed() bool { return r.syntax != nil || r.fatal != nil }

// Finish checks that only white space follows the value and returns the
// fault decoding met, nil if none, in encoding/json's order of
// precedence.
func (r *Reader) Finish() error {
	if !r.Failed() {
		r.space()
		if r.pos < len(r.data) {
			r.syntaxError("data after the JSON value")
		}
	}
	if r.syntax != nil {
		return r.syntax
	}
	var e *Error
	switch {
	case r.fatal != nil:
		e = r.fatal
	case r.typ != nil:
		e = r.typ
	case r.unknown != nil:
		e = r.unknown
	default:
		return nil
	}
	// encoding/json checks the whole input before it decodes: malformed
	// JSON after the fault is what it reports.
	if !json.Valid(r.data) {
		return &Error{Kind: Syntax, Reason: "malformed JSON"}
	}
	return e
}

func (r *Reader) pointer() string {
	var b strings.Builder
	for _, s := range r.path {
		b.WriteByte('/')
		if s.key == nil {
			b.WriteString(strconv.Itoa(s.idx))
			continue
		}
		k := string(s.key)
		k = strings.ReplaceAll(k, "~", "~0")
		b.WriteString(strings.ReplaceAll(k, "/", "~1"))
	}
	return b.String()
}

func (r *Reader) syntaxError(reason string) {
	if r.syntax == nil {
		r.syntax = &Error{Kind: Syntax, Pointer: r.pointer(), Reason: reason + " at offset " + strconv.Itoa(r.pos)}
	}
}

// Refuse ends decoding: the value just read is one the type refuses.
// err, when not nil, is the type's own error (kept for its protocol
// meaning).
func (r *Reader) Refuse(reason string, err error) {
	if r.Failed() {
		return
	}
	if err != nil && reason == "" {
		reason = err.Error()
	}
	r.fatal = &Error{Kind: Refused, Pointer: r.pointer(), Reason: reason, Err: err}
}

func (r *Reader) typeError(found, want string) {
	if r.typ == nil {
		r.typ = &Error{Kind: Type, Pointer: r.pointer(), Reason: "JSON " + found + " where " + want + " is wanted"}
	}
}

// Scope is the saved state of Isolate.
type Scope struct{ typ, unknown *Error }

// Isolate starts the decoding of a value that encoding/json hands to a
// type's own UnmarshalJSON: the faults within it are judged on their own
// and end decoding (Join), ahead of wrong types met before it.
func (r *Reader) Isolate() Scope {
	s := Scope{r.typ, r.unknown}
	r.typ, r.unknown = nil, nil
	return s
}

// Join ends what Isolate started.
func (r *Reader) Join(s Scope) {
	inner := r.typ
	if inner == nil {
		inner = r.unknown
	}
	r.typ, r.unknown = s.typ, s.unknown
	if inner != nil && !r.Failed() {
		r.fatal = inner
	}
}

func (r *Reader) space() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// peek is the first byte of the next value, 0 at the end.
func (r *Reader) peek() byte {
	r.space()
	if r.pos < len(r.data) {
		return r.data[r.pos]
	}
	return 0
}

func kindOf(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// Null reads a null if one comes next.
func (r *Reader) Null() bool {
	if r.Failed() || r.peek() != 'n' {
		return false
	}
	r.literal("null")
	return !r.Failed()
}

func (r *Reader) literal(lit string) {
	if len(r.data)-r.pos < len(lit) || string(r.data[r.pos:r.pos+len(lit)]) != lit {
		r.syntaxError("invalid literal")
		return
	}
	r.pos += len(lit)
}

// BeginObject starts reading an object. It returns false, having read
// the value, for a null (the target stays as it is) or a value of
// another type (a Type fault named want).
func (r *Reader) BeginObject(want string) bool {
	if r.Failed() {
		return false
	}
	switch c := r.peek(); c {
	case '{':
		if r.depth++; r.depth > maxDepth {
			r.syntaxError("nested too deep")
			return false
		}
		r.pos++
		r.path = append(r.path, seg{})
		return true
	case 'n':
		r.Null()
		return false
	default:
		r.typeError(kindOf(c), want)
		r.Skip()
		return false
	}
}

// Member reads the next member's name of the object BeginObject started
// and the colon after it; false at the object's end (which it reads) or
// after a fault. The name is valid until the next call.
func (r *Reader) Member() ([]byte, bool) {
	if r.Failed() {
		return nil, false
	}
	top := &r.path[len(r.path)-1]
	c := r.peek()
	if c == '}' && top.n == 0 {
		r.pos++
		r.path = r.path[:len(r.path)-1]
		r.depth--
		return nil, false
	}
	if top.n > 0 {
		switch c {
		case '}':
			r.pos++
			r.path = r.path[:len(r.path)-1]
			r.depth--
			return nil, false
		case ',':
			r.pos++
			c = r.peek()
		default:
			r.syntaxError("want , or } after an object member")
			return nil, false
		}
	}
	if c != '"' {
		r.syntaxError("want an object member's name")
		return nil, false
	}
	key, ok := r.str()
	if !ok {
		return nil, false
	}
	if r.peek() != ':' {
		r.syntaxError("want : after an object member's name")
		return nil, false
	}
	r.pos++
	top.key, top.n = key, top.n+1
	return key, true
}

// Field matches a member's name with the names of the type's attributes
// and returns the one it names. A name that equals one only without
// regard to case returns that one, as encoding/json fills the field, and
// is an Unknown fault unless the Reader is lenient; a name that matches
// none returns "" (the caller skips the value) and is an Unknown fault
// unless lenient.
func (r *Reader) Field(key []byte, names ...string) string {
	for _, n := range names {
		if string(key) == n {
			return n
		}
	}
	if !r.lenient && r.unknown == nil {
		r.unknown = &Error{Kind: Unknown, Pointer: r.pointer(), Reason: "attribute not defined for this data type (names are case-sensitive)"}
	}
	for _, n := range names {
		if strings.EqualFold(string(key), n) {
			return n
		}
	}
	return ""
}

// BeginArray starts reading an array, as BeginObject an object.
func (r *Reader) BeginArray(want string) bool {
	if r.Failed() {
		return false
	}
	switch c := r.peek(); c {
	case '[':
		if r.depth++; r.depth > maxDepth {
			r.syntaxError("nested too deep")
			return false
		}
		r.pos++
		r.path = append(r.path, seg{idx: -1})
		return true
	case 'n':
		r.Null()
		return false
	default:
		r.typeError(kindOf(c), want)
		r.Skip()
		return false
	}
}

// Next moves to the array's next element; false at its end (which it
// reads) or after a fault.
func (r *Reader) Next() bool {
	if r.Failed() {
		return false
	}
	top := &r.path[len(r.path)-1]
	c := r.peek()
	if c == ']' && top.n == 0 {
		r.pos++
		r.path = r.path[:len(r.path)-1]
		r.depth--
		return false
	}
	if top.n > 0 {
		switch c {
		case ']':
			r.pos++
			r.path = r.path[:len(r.path)-1]
			r.depth--
			return false
		case ',':
			r.pos++
		default:
			r.syntaxError("want , or ] after an array element")
			return false
		}
	}
	top.idx++
	top.n++
	return true
}

// String reads a string; false, having read the value, for a null (the
// target stays as it is) or another type (a Type fault).
func (r *Reader) String() (string, bool) {
	if r.Failed() {
		return "", false
	}
	switch c := r.peek(); c {
	case '"':
		b, ok := r.str()
		return string(b), ok
	case 'n':
		r.Null()
		return "", false
	default:
		r.typeError(kindOf(c), "string")
		r.Skip()
		return "", false
	}
}

// number reads a number's text for a target of type want; nil for a
// null or another type.
func (r *Reader) number(want string) []byte {
	if r.Failed() {
		return nil
	}
	switch c := r.peek(); {
	case c == '-' || (c >= '0' && c <= '9'):
		return r.num()
	case c == 'n':
		r.Null()
		return nil
	default:
		r.typeError(kindOf(c), want)
		r.Skip()
		return nil
	}
}

// Int reads a number into an integer of bits bits, as encoding/json
// does: ParseInt must take its text and the value must fit.
func (r *Reader) Int(bits int) (int64, bool) {
	t := r.number("integer")
	if t == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(string(t), 10, 64)
	if err != nil || (bits < 64 && (n < -1<<(bits-1) || n > 1<<(bits-1)-1)) {
		r.typeError("number "+string(t), "int"+strconv.Itoa(bits))
		return 0, false
	}
	return n, true
}

// Uint reads a number into an unsigned integer of bits bits.
func (r *Reader) Uint(bits int) (uint64, bool) {
	t := r.number("unsigned integer")
	if t == nil {
		return 0, false
	}
	n, err := strconv.ParseUint(string(t), 10, 64)
	if err != nil || (bits < 64 && n > 1<<bits-1) {
		r.typeError("number "+string(t), "uint"+strconv.Itoa(bits))
		return 0, false
	}
	return n, true
}

// Float reads a number into a float64.
func (r *Reader) Float() (float64, bool) {
	t := r.number("float64")
	if t == nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(t), 64)
	if err != nil {
		r.typeError("number "+string(t), "float64")
		return 0, false
	}
	return f, true
}

// Bool reads true or false.
func (r *Reader) Bool() (v, ok bool) {
	if r.Failed() {
		return false, false
	}
	switch c := r.peek(); c {
	case 't':
		r.literal("true")
		return true, !r.Failed()
	case 'f':
		r.literal("false")
		return false, false == r.Failed()
	case 'n':
		r.Null()
		return false, false
	default:
		r.typeError(kindOf(c), "bool")
		r.Skip()
		return false, false
	}
}

// Raw reads any value and returns its text, for a type with its own
// UnmarshalJSON; nil after a fault.
func (r *Reader) Raw() []byte {
	if r.Failed() {
		return nil
	}
	r.space()
	start := r.pos
	r.Skip()
	if r.Failed() {
		return nil
	}
	return r.data[start:r.pos]
}

// Skip reads any value, checking its syntax.
func (r *Reader) Skip() {
	if r.Failed() {
		return
	}
	// Containers are walked without recursion: stack holds the closing
	// bracket of each open one.
	var stackBuf [32]byte
	stack := stackBuf[:0]
	for {
		c := r.peek()
		switch {
		case c == '{' || c == '[':
			if len(stack)+r.depth >= maxDepth {
				r.syntaxError("nested too deep")
				return
			}
			r.pos++
			close := byte('}')
			if c == '[' {
				close = ']'
			}
			stack = append(stack, close)
			if r.peek() == close {
				r.pos++
				stack = stack[:len(stack)-1]
				break
			}
			if close == '}' {
				if !r.memberName() {
					return
				}
			}
			continue
		case c == '"':
			if _, ok := r.str(); !ok {
				return
			}
		case c == 't':
			r.literal("true")
		case c == 'f':
			r.literal("false")
		case c == 'n':
			r.literal("null")
		case c == '-' || (c >= '0' && c <= '9'):
			r.num()
		default:
			r.syntaxError("want a JSON value")
		}
		// After a value: close containers or move to the next item.
		for {
			if r.Failed() || len(stack) == 0 {
				return
			}
			close := stack[len(stack)-1]
			c := r.peek()
			if c == close {
				r.pos++
				stack = stack[:len(stack)-1]
				continue
			}
			if c != ',' {
				r.syntaxError("want , or " + string(close))
				return
			}
			r.pos++
			if close == '}' && !r.memberName() {
				return
			}
			break
		}
	}
}

// memberName reads `"name":` within Skip.
func (r *Reader) memberName() bool {
	if r.peek() != '"' {
		r.syntaxError("want an object member's name")
		return false
	}
	if _, ok := r.raw(); !ok {
		return false
	}
	if r.peek() != ':' {
		r.syntaxError("want : after an object member's name")
		return false
	}
	r.pos++
	return true
}

// num reads a number at r.pos (RFC 8259 §6) and returns its text.
func (r *Reader) num() []byte {
	d, i := r.data, r.pos
	start := i
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		r.pos = i
		r.syntaxError("malformed number")
		return nil
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			r.pos = i
			r.syntaxError("malformed number")
			return nil
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			r.pos = i
			r.syntaxError("malformed number")
			return nil
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	r.pos = i
	return d[start:i]
}

// Grow returns l with room for element n (the next one of an array
// being read), as encoding/json grows a slice: an element within l's
// capacity is decoded into as it is, not zeroed.
func Grow[T any](l []T, n int) []T {
	switch {
	case n < len(l):
		return l
	case n < cap(l):
		return l[:n+1]
	}
	var zero T
	return append(l, zero)
}

// Trim ends a slice of n elements read from an array: "[]" gives an
// empty slice that is not nil, as encoding/json gives.
func Trim[T any](l []T, n int) []T {
	if n == 0 {
		return []T{}
	}
	return l[:n]
}

// Strings reads a JSON array of strings (or null) into *l as
// encoding/json reads a []string.
func (r *Reader) Strings(l *[]string) {
	if r.Null() {
		*l = nil
		return
	}
	if !r.BeginArray("array of strings") {
		return
	}
	s, n := *l, 0
	for r.Next() {
		s = Grow(s, n)
		if v, ok := r.String(); ok {
			s[n] = v
		}
		n++
	}
	*l = Trim(s, n)
}

// SetLenient sets whether undefined attributes are skipped (true) or
// faults, and returns the previous setting: a type whose UnmarshalJSON
// reads with plain json.Unmarshal is read leniently wherever it is.
func (r *Reader) SetLenient(lenient bool) bool {
	prev := r.lenient
	r.lenient = lenient
	return prev
}

// Unmarshal reads any value and hands its text to u, as encoding/json
// hands a value to a type with its own UnmarshalJSON (a null included);
// u's error refuses the value.
func (r *Reader) Unmarshal(u interface{ UnmarshalJSON([]byte) error }) {
	raw := r.Raw()
	if raw == nil {
		return
	}
	if err := u.UnmarshalJSON(raw); err != nil {
		r.Refuse("", err)
	}
}

// Map reads an object into *m as encoding/json reads a map: null sets
// it nil; each member replaces its key's value with one decode reads
// from zero.
func Map[T any](r *Reader, m *map[string]T, decode func(*T, *Reader)) {
	if r.Null() {
		*m = nil
		return
	}
	if !r.BeginObject("map") {
		return
	}
	if *m == nil {
		*m = map[string]T{}
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		key := string(k)
		var v T
		decode(&v, r)
		(*m)[key] = v
	}
}

// Ptr reads into *p as encoding/json reads a pointer: null sets it
// nil, a value is decoded into what it points to (a new one if nil).
func Ptr[T any](r *Reader, p **T, decode func(*T, *Reader)) {
	if r.Null() {
		*p = nil
		return
	}
	if *p == nil {
		*p = new(T)
	}
	decode(*p, r)
}
