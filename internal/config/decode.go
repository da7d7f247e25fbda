package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

const (
	// maxNodes bounds the values one file may hold once aliases are
	// expanded, so that a small file of nested aliases cannot make
	// decoding take unbounded time.
	maxNodes = 100_000
	// maxMergeDepth bounds merge keys (<<) nested in merged mappings; it
	// also ends a mapping that merges itself.
	maxMergeDepth = 8
)

// A decoder fills a Config from the node tree of a YAML document. It works
// on yaml.Node rather than through yaml.Decoder so that every error can
// name the full key path and line, and so that anything the struct does
// not hold (unknown keys, keys given twice, values of the wrong type) is an
// error rather than silently dropped.
type decoder struct {
	// lines maps the key path of every value the file gives to its line.
	lines  map[string]int
	budget int
}

func newDecoder() *decoder {
	return &decoder{lines: make(map[string]int), budget: maxNodes}
}

// line returns the line of key in the file, or of the nearest key holding
// it, and whether there is one.
func (d *decoder) line(key string) (int, bool) {
	for k := key; k != ""; k = up(k) {
		if l, ok := d.lines[k]; ok {
			return l, true
		}
	}
	return 0, false
}

// document decodes the YAML document in data on top of c. An empty stream
// or a null document leaves c as it is.
func (d *decoder) document(data []byte, c *Config) *Error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return syntaxError(err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return syntaxError(err)
	default:
		return &Error{Problem: fmt.Sprintf("holds more than one YAML document (the second starts at line %d)", next.Line)}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return &Error{Problem: "holds no YAML document"}
	}
	root := doc.Content[0]
	if isNull(deref(root)) {
		return nil
	}
	if deref(root).Kind != yaml.MappingNode {
		return &Error{Problem: fmt.Sprintf("must be a mapping of keys to values, not %s (line %d)", kindName(deref(root)), root.Line)}
	}
	return d.value(root, "", reflect.ValueOf(c).Elem())
}

func syntaxError(err error) *Error {
	return &Error{Problem: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: "), err: err}
}

// value decodes n into v. A null value leaves v as it is: a key without a
// value is the same as a key left out.
func (d *decoder) value(n *yaml.Node, key string, v reflect.Value) *Error {
	if d.budget--; d.budget < 0 {
		return &Error{Problem: fmt.Sprintf("holds more than %d values once aliases are expanded", maxNodes)}
	}
	line := n.Line
	n = deref(n)
	if isNull(n) {
		return nil
	}
	d.lines[key] = line
	switch v.Type() {
	case reflect.TypeFor[netip.Prefix]():
		return d.prefix(n, key, v)
	case reflect.TypeFor[netip.AddrPort]():
		return d.addrPort(n, key, v)
	case reflect.TypeFor[netip.Addr]():
		return d.addr(n, key, v)
	case reflect.TypeFor[time.Duration]():
		return d.duration(n, key, v)
	case reflect.TypeFor[ByteSize]():
		return d.byteSize(n, key, v)
	}
	switch v.Kind() {
	case reflect.Struct:
		return d.mapping(n, key, v)
	case reflect.Slice:
		return d.sequence(n, key, v)
	case reflect.String:
		return d.str(n, key, v)
	case reflect.Bool:
		return d.boolean(n, key, v)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return d.uint(n, key, v)
	}
	panic("config: no decoding for " + v.Type().String())
}

type pair struct{ k, v *yaml.Node }

func (d *decoder) mapping(n *yaml.Node, key string, v reflect.Value) *Error {
	if n.Kind != yaml.MappingNode {
		return mismatch(n, key, "a mapping of keys to values")
	}
	pairs, err := d.pairs(n, key, 0)
	if err != nil {
		return err
	}
	fields := fieldsByKey(v.Type())
	for _, p := range pairs {
		k := child(key, p.k.Value)
		f, ok := fields[p.k.Value]
		if !ok {
			return errorf(k, "unknown key (line %d)", p.k.Line)
		}
		if err := d.value(p.v, k, v.Field(f)); err != nil {
			return err
		}
	}
	for _, name := range requiredKeys(v.Type()) {
		if _, ok := d.lines[child(key, name)]; !ok {
			return errorf(child(key, name), "missing (the entry starts at line %d)", n.Line)
		}
	}
	return nil
}

// pairs returns the keys and values of mapping n with merge keys (<<)
// resolved: keys written in n win over merged ones, and of merged mappings
// the earlier wins.
func (d *decoder) pairs(n *yaml.Node, key string, depth int) ([]pair, *Error) {
	var own, merged []pair
	first := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		if d.budget--; d.budget < 0 {
			return nil, &Error{Problem: fmt.Sprintf("holds more than %d values once aliases are expanded", maxNodes)}
		}
		k, v := n.Content[i], n.Content[i+1]
		if isMerge(k) {
			m, err := d.merged(v, key, depth)
			if err != nil {
				return nil, err
			}
			merged = append(merged, m...)
			continue
		}
		kn := deref(k)
		if kn.Kind != yaml.ScalarNode {
			return nil, errorf(key, "keys must be words, not %s (line %d)", kindName(kn), k.Line)
		}
		if l, dup := first[kn.Value]; dup {
			return nil, errorf(child(key, kn.Value), "given twice (lines %d and %d)", l, k.Line)
		}
		first[kn.Value] = k.Line
		own = append(own, pair{k: &yaml.Node{Kind: yaml.ScalarNode, Value: kn.Value, Line: k.Line}, v: v})
	}
	for _, p := range merged {
		if _, ok := first[p.k.Value]; ok {
			continue
		}
		first[p.k.Value] = p.k.Line
		own = append(own, p)
	}
	return own, nil
}

// merged returns the pairs that the merge key value v brings in.
func (d *decoder) merged(v *yaml.Node, key string, depth int) ([]pair, *Error) {
	if depth >= maxMergeDepth {
		return nil, errorf(key, "merge keys (<<) nested more than %d deep (line %d)", maxMergeDepth, v.Line)
	}
	var sources []*yaml.Node
	switch m := deref(v); m.Kind {
	case yaml.MappingNode:
		sources = []*yaml.Node{m}
	case yaml.SequenceNode:
		sources = m.Content
	default:
		return nil, errorf(key, "<< must be given a mapping or a list of mappings (line %d)", v.Line)
	}
	var out []pair
	for _, s := range sources {
		sm := deref(s)
		if sm.Kind != yaml.MappingNode {
			return nil, errorf(key, "<< must be given a mapping or a list of mappings (line %d)", s.Line)
		}
		ps, err := d.pairs(sm, key, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

func (d *decoder) sequence(n *yaml.Node, key string, v reflect.Value) *Error {
	if n.Kind != yaml.SequenceNode {
		return mismatch(n, key, "a list")
	}
	if len(n.Content) == 0 {
		v.SetZero()
		return nil
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, e := range n.Content {
		k := index(key, i)
		if isNull(deref(e)) {
			return errorf(k, "is empty (line %d)", e.Line)
		}
		s.Index(i).Set(entryDefault(v.Type().Elem()))
		if err := d.value(e, k, s.Index(i)); err != nil {
			return err
		}
	}
	v.Set(s)
	return nil
}

func (d *decoder) str(n *yaml.Node, key string, v reflect.Value) *Error {
	if n.Kind != yaml.ScalarNode {
		return mismatch(n, key, "a string")
	}
	switch n.ShortTag() {
	case "!!str", "!!int", "!!float", "!!bool", "!!timestamp":
	default:
		return mismatch(n, key, "a string")
	}
	v.SetString(n.Value)
	return nil
}

func (d *decoder) boolean(n *yaml.Node, key string, v reflect.Value) *Error {
	var b bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
		return mismatch(n, key, "true or false")
	}
	v.SetBool(b)
	return nil
}

func (d *decoder) uint(n *yaml.Node, key string, v reflect.Value) *Error {
	tag := n.ShortTag()
	if n.Kind != yaml.ScalarNode || tag != "!!int" && tag != "!!float" {
		return mismatch(n, key, "a number")
	}
	s := strings.ReplaceAll(n.Value, "_", "")
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	if len(s) > 1 && s[0] == '0' && strings.Trim(s, "0123456789") == "" {
		// YAML 1.1 reads 010 as octal 8; nobody writing a TAC means that.
		digits := strings.TrimLeft(s, "0")
		if digits == "" {
			digits = "0"
		}
		return errorf(key, "must not start with 0, got %s: write %s, or 0o%s for octal (line %d)",
			n.Value, digits, digits, n.Line)
	}
	if tag != "!!int" {
		return mismatch(n, key, "a whole number")
	}
	max := uint64(1)<<v.Type().Bits() - 1
	u, err := strconv.ParseUint(s, 0, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return mismatch(n, key, "a number")
	}
	if neg && u != 0 {
		// The field's own range (a 24-bit TAC, a 16-bit port) is the
		// validator's to state; the decoder knows only the sign.
		return errorf(key, "must not be negative, got %s (line %d)", n.Value, n.Line)
	}
	if err != nil || u > max {
		return errorf(key, "must be 0..%d, got %s (line %d)", max, n.Value, n.Line)
	}
	v.SetUint(u)
	return nil
}

func (d *decoder) duration(n *yaml.Node, key string, v reflect.Value) *Error {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return mismatch(n, key, "a duration such as 54m or 6s")
	}
	t, err := time.ParseDuration(n.Value)
	if err != nil || t < 0 {
		return errorf(key, "must be a duration such as 54m or 6s, got %q (line %d)", n.Value, n.Line)
	}
	v.SetInt(int64(t))
	return nil
}

// byteSize reads a ByteSize: a whole number of bytes, or a string with
// a unit (8GiB).
func (d *decoder) byteSize(n *yaml.Node, key string, v reflect.Value) *Error {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" && n.ShortTag() != "!!str" {
		return mismatch(n, key, "a size such as 8GiB or 512MiB")
	}
	s, err := ParseByteSize(strings.ReplaceAll(n.Value, "_", ""))
	if err != nil {
		return errorf(key, "must be a size such as 8GiB or 512MiB: %v (line %d)", err, n.Line)
	}
	v.SetUint(uint64(s))
	return nil
}

func (d *decoder) prefix(n *yaml.Node, key string, v reflect.Value) *Error {
	if n.Kind != yaml.ScalarNode {
		return mismatch(n, key, "a network such as 10.45.0.0/16")
	}
	var p netip.Prefix
	if n.Value != "" {
		var err error
		if p, err = netip.ParsePrefix(n.Value); err != nil {
			return errorf(key, "must be a network such as 10.45.0.0/16 or 2001:db8::/48, got %q (line %d)", n.Value, n.Line)
		}
	}
	v.Set(reflect.ValueOf(p))
	return nil
}

func (d *decoder) addrPort(n *yaml.Node, key string, v reflect.Value) *Error {
	if n.Kind != yaml.ScalarNode {
		return mismatch(n, key, "an IP address and port")
	}
	var ap netip.AddrPort
	if n.Value != "" {
		var err error
		if ap, err = netip.ParseAddrPort(n.Value); err != nil {
			if host, _, err := net.SplitHostPort(n.Value); err == nil && host != "" {
				if _, err := netip.ParseAddr(host); err != nil {
					return errorf(key, "host must be an IP address, not a name: got %q (line %d)", n.Value, n.Line)
				}
			}
			return errorf(key, "must be an IP address and port such as 127.0.0.1:38412 or [::1]:38412, got %q (line %d)", n.Value, n.Line)
		}
	}
	v.Set(reflect.ValueOf(ap))
	return nil
}

func (d *decoder) addr(n *yaml.Node, key string, v reflect.Value) *Error {
	if n.Kind != yaml.ScalarNode {
		return mismatch(n, key, "an IP address")
	}
	if n.Value == "" && n.Tag == "!!str" {
		return nil // none: the zero Addr
	}
	a, err := netip.ParseAddr(n.Value)
	if err != nil {
		return errorf(key, "must be an IP address, got %q (line %d)", n.Value, n.Line)
	}
	v.Set(reflect.ValueOf(a))
	return nil
}

// fieldsByKey maps the yaml keys of struct type t to field indexes.
func fieldsByKey(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.IsExported() && name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
}

// entryDefault returns the value a list entry of type t starts from
// before the file's keys apply.
func entryDefault(t reflect.Type) reflect.Value {
	if t == reflect.TypeFor[DNN]() {
		return reflect.ValueOf(DNN{MTU: defaultMTU})
	}
	return reflect.New(t).Elem()
}

// requiredKeys lists the keys a mapping decoded into t must give.
func requiredKeys(t reflect.Type) []string {
	if t == reflect.TypeFor[Slice]() {
		// SST 0 is a valid value, so a missing sst cannot be caught later.
		return []string{"sst"}
	}
	return nil
}

func mismatch(n *yaml.Node, key, want string) *Error {
	if n.Kind == yaml.ScalarNode {
		return errorf(key, "must be %s, got %q (line %d)", want, n.Value, n.Line)
	}
	return errorf(key, "must be %s, not %s (line %d)", want, kindName(n), n.Line)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return "a single value"
}

// deref follows an alias to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func isMerge(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Value == "<<" && n.ShortTag() == "!!merge"
}
