package ident

import "strconv"

// The JSON forms of PLMN, S-NSSAI, TAI and GUAMI (TS 29.571 PlmnId,
// Snssai, Tai, Guami) are in almost every SBI body, several times over:
// through encoding/json's reflection and a strict decoder each, they
// cost some 3% of the CPU of a core whose NFs run apart. Here they are
// written by hand, byte for byte what encoding/json gives for their
// JSON structs (a test holds the two equal), and read by hand when they
// come in that compact form, as Keel's NFs send them; any other form
// (whitespace, escapes, another member order, an unknown member, a
// fault) goes to the strict decoder, so what is accepted and how a
// fault is reported do not change (a fuzz test holds the two paths to
// the same results).

// appendPLMN appends {"mcc":"...","mnc":"..."} for a valid p.
func appendPLMN(b []byte, p PLMN) []byte {
	b = append(b, `{"mcc":"`...)
	b = append(b, p.MCC...)
	b = append(b, `","mnc":"`...)
	b = append(b, p.MNC...)
	return append(b, `"}`...)
}

// appendHex6 appends v as 6 lower-case hex digits, as %06x does for v
// below 1<<24.
func appendHex6(b []byte, v uint32) []byte {
	const digits = "0123456789abcdef"
	for shift := 20; shift >= 0; shift -= 4 {
		b = append(b, digits[(v>>uint(shift))&0xf])
	}
	return b
}

// fastReader reads the compact form of an identifier from b.
type fastReader struct {
	b  []byte
	ok bool
}

// lit consumes s, if b goes on with it.
func (r *fastReader) lit(s string) {
	if !r.ok || len(r.b) < len(s) || string(r.b[:len(s)]) != s {
		r.ok = false
		return
	}
	r.b = r.b[len(s):]
}

// str consumes a string's characters up to its closing quote, itself
// consumed, and returns them: printable ASCII without escapes only, so
// that the value is the text.
func (r *fastReader) str() string {
	if !r.ok {
		return ""
	}
	for i, c := range r.b {
		switch {
		case c == '"':
			s := string(r.b[:i])
			r.b = r.b[i+1:]
			return s
		case c < 0x20 || c > 0x7e || c == '\\':
			r.ok = false
			return ""
		}
	}
	r.ok = false
	return ""
}

// number consumes a JSON number made of digits only (no leading zero,
// no sign, fraction or exponent) and returns its text.
func (r *fastReader) number() string {
	if !r.ok {
		return ""
	}
	i := 0
	for i < len(r.b) && r.b[i] >= '0' && r.b[i] <= '9' {
		i++
	}
	if i == 0 || i > 1 && r.b[0] == '0' {
		r.ok = false
		return ""
	}
	s := string(r.b[:i])
	r.b = r.b[i:]
	return s
}

// end reports whether everything went as expected and b is consumed.
func (r *fastReader) end() bool { return r.ok && len(r.b) == 0 }

// plmn reads {"mcc":"...","mnc":"..."}, a valid PLMN.
func (r *fastReader) plmn() PLMN {
	r.lit(`{"mcc":"`)
	mcc := r.str()
	r.lit(`,"mnc":"`)
	mnc := r.str()
	r.lit(`}`)
	p := PLMN{MCC: mcc, MNC: mnc}
	if r.ok && p.Validate() != nil {
		r.ok = false
	}
	return p
}

// fastPLMN reads the compact form of a PlmnId; ok is false when b is in
// any other form or not valid.
func fastPLMN(b []byte) (PLMN, bool) {
	r := fastReader{b: b, ok: true}
	p := r.plmn()
	return p, r.end()
}

// fastSNSSAI reads {"sst":N} or {"sst":N,"sd":"xxxxxx"}.
func fastSNSSAI(b []byte) (SNSSAI, bool) {
	r := fastReader{b: b, ok: true}
	r.lit(`{"sst":`)
	sst := r.number()
	if !r.ok {
		return SNSSAI{}, false
	}
	n, err := parseSST(sst)
	if err != nil {
		return SNSSAI{}, false
	}
	out := SNSSAI{SST: n}
	if len(r.b) > 0 && r.b[0] == ',' {
		r.lit(`,"sd":"`)
		sd := r.str()
		if !r.ok {
			return SNSSAI{}, false
		}
		if out.SD, err = parseSD(sd); err != nil {
			return SNSSAI{}, false
		}
		out.HasSD = true
	}
	r.lit(`}`)
	return out, r.end()
}

// fastTAI reads {"plmnId":{...},"tac":"..."}.
func fastTAI(b []byte) (TAI, bool) {
	r := fastReader{b: b, ok: true}
	r.lit(`{"plmnId":`)
	p := r.plmn()
	r.lit(`,"tac":"`)
	tac := r.str()
	r.lit(`}`)
	if !r.end() {
		return TAI{}, false
	}
	v, err := parseTAC(tac)
	if err != nil {
		return TAI{}, false
	}
	return TAI{PLMN: p, TAC: v}, true
}

// fastGUAMI reads {"plmnId":{...},"amfId":"..."}.
func fastGUAMI(b []byte) (GUAMI, bool) {
	r := fastReader{b: b, ok: true}
	r.lit(`{"plmnId":`)
	p := r.plmn()
	r.lit(`,"amfId":"`)
	amf := r.str()
	r.lit(`}`)
	if !r.end() {
		return GUAMI{}, false
	}
	id, err := parseAMFID(amf)
	if err != nil {
		return GUAMI{}, false
	}
	return GUAMI{PLMN: p}.withAMFID(id), true
}

// appendSNSSAI appends the Snssai of a valid s.
func appendSNSSAI(b []byte, s SNSSAI) []byte {
	b = append(b, `{"sst":`...)
	b = strconv.AppendUint(b, uint64(s.SST), 10)
	if s.HasSD {
		b = append(b, `,"sd":"`...)
		b = appendHex6(b, s.SD)
		b = append(b, '"')
	}
	return append(b, '}')
}
