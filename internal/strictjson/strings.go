package strictjson

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// raw reads a string at r.pos, its quotes included, checking it as
// encoding/json's scanner does (RFC 8259 §7), and reports whether its
// contents need unescaping (an escape, or bytes that are not UTF-8).
func (r *Reader) raw() (plain bool, ok bool) {
	d := r.data
	i := r.pos + 1
	plain = true
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			r.pos = i + 1
			return plain, true
		case c == '\\':
			plain = false
			if i+1 >= len(d) {
				r.pos = i
				r.syntaxError("unterminated string")
				return false, false
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) || !isHex(d[i+5]) {
					r.pos = i
					r.syntaxError("malformed \\u escape")
					return false, false
				}
				i += 6
			default:
				r.pos = i
				r.syntaxError("malformed escape")
				return false, false
			}
		case c < 0x20:
			r.pos = i
			r.syntaxError("control character in string")
			return false, false
		case c < utf8.RuneSelf:
			i++
		default:
			rr, size := utf8.DecodeRune(d[i:])
			if rr == utf8.RuneError && size == 1 {
				plain = false
			}
			i += size
		}
	}
	r.pos = i
	r.syntaxError("unterminated string")
	return false, false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// str reads a string at r.pos and returns its value: a slice of the
// data when it needs no unescaping, else a new buffer.
func (r *Reader) str() ([]byte, bool) {
	start := r.pos
	plain, ok := r.raw()
	if !ok {
		return nil, false
	}
	s := r.data[start+1 : r.pos-1]
	if plain {
		return s, true
	}
	return unquote(s), true
}

// unquote unescapes the contents of a string the scanner took, as
// encoding/json's unquoteBytes does: a lone or unpaired surrogate and
// each byte that is not UTF-8 become U+FFFD.
func unquote(s []byte) []byte {
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			switch s[r+1] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := getu4(s[r:])
				r += 6
				if utf16.IsSurrogate(rr) {
					if rr1 := getu4(s[r:]); rr1 >= 0 {
						if dec := utf16.DecodeRune(rr, rr1); dec != unicode.ReplacementChar {
							r += 6
							b = utf8.AppendRune(b, dec)
							continue
						}
					}
					rr = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, rr)
				continue
			default: // " \ /
				b = append(b, s[r+1])
			}
			r += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			b = utf8.AppendRune(b, rr)
		}
	}
	return b
}

// getu4 decodes \uXXXX at the start of s, -1 if there is none.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c = c - '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
