package ident

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// Every text and JSON entry point is fuzzed from the corpus in
// testdata/fuzz: no panic, every error an ident error, and whatever is
// accepted is valid and survives a round trip through its own form.

type validator interface{ Validate() error }

func fuzzParse[T validator](f *testing.F, parse func(string) (T, error), format func(T) string) {
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("parse(%q): %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if err := v.Validate(); err != nil {
			t.Fatalf("parse(%q) = %#v, which does not validate: %v", s, v, err)
		}
		back, err := parse(format(v))
		if err != nil || !reflect.DeepEqual(back, v) {
			t.Fatalf("parse(%q) = %#v; its text %q parses to %#v, %v", s, v, format(v), back, err)
		}
	})
}

func fuzzJSON[T validator](f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) || isNull(b) {
			return // encoding/json never hands UnmarshalJSON such input
		}
		var v T
		p := any(&v).(json.Unmarshaler)
		if err := p.UnmarshalJSON(b); err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("UnmarshalJSON(%s): %v does not wrap ErrInvalid", b, err)
			}
			return
		}
		if err := v.Validate(); err != nil {
			t.Fatalf("UnmarshalJSON(%s) = %#v, which does not validate: %v", b, v, err)
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("UnmarshalJSON(%s) = %#v, which does not marshal: %v", b, v, err)
		}
		var back T
		if err := json.Unmarshal(out, &back); err != nil || !reflect.DeepEqual(back, v) {
			t.Fatalf("UnmarshalJSON(%s) = %#v; its JSON %s reads back as %#v, %v", b, v, out, back, err)
		}
	})
}

func FuzzParsePLMN(f *testing.F)  { fuzzParse(f, ParsePLMN, PLMN.String) }
func FuzzParseTAI(f *testing.F)   { fuzzParse(f, ParseTAI, TAI.String) }
func FuzzParseGUAMI(f *testing.F) { fuzzParse(f, ParseGUAMI, GUAMI.String) }
func FuzzParseGUTI(f *testing.F)  { fuzzParse(f, ParseGUTI, GUTI.String) }
func FuzzParseSUPI(f *testing.F)  { fuzzParse(f, ParseSUPI, SUPI.String) }
func FuzzParseSUCI(f *testing.F)  { fuzzParse(f, ParseSUCI, SUCI.String) }
func FuzzParseDNN(f *testing.F)   { fuzzParse(f, ParseDNN, DNN.String) }

// FuzzParseSNSSAI checks both text forms, String and Key.
func FuzzParseSNSSAI(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseSNSSAI(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseSNSSAI(%q): %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		for _, text := range []string{v.String(), v.Key()} {
			if back, err := ParseSNSSAI(text); err != nil || back != v {
				t.Fatalf("ParseSNSSAI(%q) = %#v; its text %q parses to %#v, %v", s, v, text, back, err)
			}
		}
	})
}

// FuzzPLMNFromOctets checks the TS 24.008 octets against Octets.
func FuzzPLMNFromOctets(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := PLMNFromOctets(b)
		if err != nil {
			return
		}
		o, err := p.Octets()
		if err != nil || string(o[:]) != string(b) {
			t.Fatalf("PLMNFromOctets(% x) = %v, which encodes to % x, %v", b, p, o, err)
		}
	})
}

func FuzzPLMNJSON(f *testing.F)   { fuzzJSON[PLMN](f) }
func FuzzTAIJSON(f *testing.F)    { fuzzJSON[TAI](f) }
func FuzzSNSSAIJSON(f *testing.F) { fuzzJSON[SNSSAI](f) }
func FuzzGUAMIJSON(f *testing.F)  { fuzzJSON[GUAMI](f) }
func FuzzGUTIJSON(f *testing.F)   { fuzzJSON[GUTI](f) }
func FuzzSUPIJSON(f *testing.F)   { fuzzJSON[SUPI](f) }
func FuzzSUCIJSON(f *testing.F)   { fuzzJSON[SUCI](f) }
func FuzzDNNJSON(f *testing.F)    { fuzzJSON[DNN](f) }
