package ident

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// jsonCase is one identifier with its TS 29.571 JSON form, golden.
type jsonCase struct {
	name   string
	schema string // TS 29.571 schema the JSON must satisfy
	v      any    // the value to marshal
	fresh  func() any
	golden string
}

func jsonCases(t *testing.T) []jsonCase {
	plmn := PLMN{"234", "15"}
	amf := GUAMI{PLMN: plmn, RegionID: 0xca, SetID: 0x3f8, Pointer: 1}
	return []jsonCase{
		{"PLMN", "PlmnId", plmn, func() any { return new(PLMN) }, `{"mcc":"234","mnc":"15"}`},
		{"PLMN 3-digit MNC", "PlmnId", PLMN{"310", "260"}, func() any { return new(PLMN) }, `{"mcc":"310","mnc":"260"}`},
		{"TAI", "Tai", TAI{plmn, 0x0001a2}, func() any { return new(TAI) }, `{"plmnId":{"mcc":"234","mnc":"15"},"tac":"0001a2"}`},
		{"S-NSSAI", "Snssai", SNSSAI{SST: 1}, func() any { return new(SNSSAI) }, `{"sst":1}`},
		{"S-NSSAI with SD", "Snssai", SNSSAI{255, 0xabcdef, true}, func() any { return new(SNSSAI) }, `{"sst":255,"sd":"abcdef"}`},
		{"GUAMI", "Guami", amf, func() any { return new(GUAMI) }, `{"plmnId":{"mcc":"234","mnc":"15"},"amfId":"cafe01"}`},
		{"SUPI", "Supi", SUPI("imsi-" + exampleIMSI), func() any { return new(SUPI) }, `"imsi-234150999999999"`},
		{"SUCI", "SupiOrSuci", SUCI{MCC: "234", MNC: "15", RoutingIndicator: "678", SchemeOutput: []byte{0x90, 0x99, 0x99, 0x99, 0x99}},
			func() any { return new(SUCI) }, `"suci-0-234-15-678-0-0-0999999999"`},
		{"SUCI profile B", "SupiOrSuci", SUCI{MCC: "001", MNC: "01", RoutingIndicator: "0", Scheme: SchemeProfileB, KeyID: 2, SchemeOutput: mustHex(t, "0203b2")},
			func() any { return new(SUCI) }, `"suci-0-001-01-0-2-2-0203b2"`},
		{"DNN", "Dnn", DNN("internet"), func() any { return new(DNN) }, `"internet"`},
		{"5G-GUTI", "", GUTI{GUAMI: amf, TMSI: 0xc0ffee00}, func() any { return new(GUTI) }, `"5g-guti-23415cafe01c0ffee00"`},
	}
}

// deref returns what a pointer made by fresh points at.
func deref(p any) any {
	switch v := p.(type) {
	case *PLMN:
		return *v
	case *TAI:
		return *v
	case *SNSSAI:
		return *v
	case *GUAMI:
		return *v
	case *GUTI:
		return *v
	case *SUPI:
		return *v
	case *SUCI:
		return *v
	case *DNN:
		return *v
	}
	panic("unknown type")
}

func TestJSONGolden(t *testing.T) {
	for _, tc := range jsonCases(t) {
		b, err := json.Marshal(tc.v)
		if err != nil || string(b) != tc.golden {
			t.Errorf("%s: Marshal = %s, %v, want %s", tc.name, b, err, tc.golden)
			continue
		}
		p := tc.fresh()
		if err := json.Unmarshal(b, p); err != nil {
			t.Errorf("%s: Unmarshal(%s): %v", tc.name, b, err)
			continue
		}
		if d := cmp.Diff(tc.v, deref(p)); d != "" {
			t.Errorf("%s: round trip (-want +got):\n%s", tc.name, d)
		}
	}
}

// TestJSONAccepts: forms a peer may send that Keel does not write.
func TestJSONAccepts(t *testing.T) {
	for in, want := range map[string]any{
		`{"plmnId":{"mcc":"001","mnc":"01"},"tac":"00AB"}`: TAI{PLMN{"001", "01"}, 0xab},
		`{"sst":1,"sd":"ABCDEF"}`:                          SNSSAI{1, 0xabcdef, true},
		`{"sst":1,"sd":"FFFFFF"}`:                          SNSSAI{1, NoSD, true},
		` {"sst" : 0} `:                                    SNSSAI{},
	} {
		var p any
		switch want.(type) {
		case TAI:
			p = new(TAI)
		case SNSSAI:
			p = new(SNSSAI)
		}
		if err := json.Unmarshal([]byte(in), p); err != nil || deref(p) != want {
			t.Errorf("Unmarshal(%s) = %+v, %v, want %+v", in, deref(p), err, want)
		}
	}
}

func TestJSONRefuses(t *testing.T) {
	for _, tc := range []struct {
		in, msg string
		p       any
	}{
		{`{"mcc":"001"}`, `ident: PLMN mnc "": missing`, new(PLMN)},
		{`{"mcc":"01","mnc":"01"}`, `ident: PLMN mcc "01": want 3 digits`, new(PLMN)},
		{`{"mcc":1,"mnc":"01"}`, `ident: PLMN mcc "number": wrong JSON type, want a JSON string`, new(PLMN)},
		{`{"mcc":"001","mnc":"01","x":1}`, `ident: PLMN x "": unknown member`, new(PLMN)},
		{`[]`, `ident: PLMN "array": wrong JSON type, want a JSON object`, new(PLMN)},
		{`{"plmnId":{"mcc":"001","mnc":"1"},"tac":"000001"}`, `ident: TAI plmnId.mnc "1": want 2 or 3 digits`, new(TAI)},
		{`{"plmnId":{"mcc":"001","mnc":"01"},"tac":"00001"}`, `ident: TAI tac "00001": want 4 or 6 hex digits`, new(TAI)},
		{`{"plmnId":{"mcc":"001","mnc":"01"}}`, `ident: TAI tac "": missing`, new(TAI)},
		{`{"tac":"000001"}`, `ident: TAI plmnId "": missing`, new(TAI)},
		{`{"plmnId":{"mcc":"001","mnc":"01"},"tac":"000001","nid":"123"}`, `ident: TAI nid "": unknown member`, new(TAI)},
		{`{"sst":1,"sd":"zz"}`, `ident: S-NSSAI sd "zz": want 6 hex digits`, new(SNSSAI)},
		{`{"sst":256}`, `ident: S-NSSAI sst "256": want a number from 0 to 255`, new(SNSSAI)},
		{`{"sst":1.5}`, `ident: S-NSSAI sst "1.5": want a number from 0 to 255`, new(SNSSAI)},
		{`{"sst":"1"}`, `ident: S-NSSAI sst "\"1\"": want a number from 0 to 255`, new(SNSSAI)},
		{`{"sst":-1}`, `ident: S-NSSAI sst "-1": want a number from 0 to 255`, new(SNSSAI)},
		{`{"sd":"000001"}`, `ident: S-NSSAI sst "": missing`, new(SNSSAI)},
		{`{"sst":null}`, `ident: S-NSSAI sst "": missing`, new(SNSSAI)},
		{`{"plmnId":{"mcc":"001","mnc":"01"},"amfId":"cafe0"}`, `ident: GUAMI amfId "cafe0": want 6 hex digits`, new(GUAMI)},
		{`{"plmnId":{"mcc":"001","mnc":"01"}}`, `ident: GUAMI amfId "": missing`, new(GUAMI)},
		{`"imsi-12"`, `ident: SUPI imsi "12": want 6 to 15 digits`, new(SUPI)},
		{`12`, `ident: SUPI "number": wrong JSON type, want a JSON string`, new(SUPI)},
		{`"in_ternet"`, `ident: DNN label "in_ternet": may hold only letters, digits, hyphens and dots`, new(DNN)},
		{`"5g-guti-00101cafe01c0ffee0"`, `ident: 5G-GUTI "5g-guti-00101cafe01c0ffee0": want "5g-guti-" then 5 or 6 MCC and MNC digits and 14 hex digits`, new(GUTI)},
		{`"suci-0-001-01-0-1-0-00"`, `ident: SUCI key id "0": want 1 to 255 with a protection scheme`, new(SUCI)},
	} {
		err := json.Unmarshal([]byte(tc.in), tc.p)
		if err == nil || err.Error() != tc.msg {
			t.Errorf("Unmarshal(%s) into %T = %v, want %s", tc.in, tc.p, err, tc.msg)
		}
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("Unmarshal(%s): %v does not wrap ErrInvalid", tc.in, err)
		}
	}
}

// TestJSONNull: a JSON null leaves the value as it was.
func TestJSONNull(t *testing.T) {
	p := PLMN{"001", "01"}
	if err := json.Unmarshal([]byte("null"), &p); err != nil || p != (PLMN{"001", "01"}) {
		t.Errorf("Unmarshal(null) = %v, %v", p, err)
	}
}

// TestMarshalRefusesInvalid: Keel never writes an identifier the peer
// would refuse.
func TestMarshalRefusesInvalid(t *testing.T) {
	for _, v := range []any{
		PLMN{"01", "01"}, TAI{PLMN{"001", "01"}, 1 << 24}, SNSSAI{1, 1 << 24, true},
		GUAMI{PLMN: PLMN{"001", "01"}, SetID: 1 << 10}, SUPI("imsi-1"), DNN(""), SUCI{MCC: "001", MNC: "01"},
		GUTI{},
	} {
		if b, err := json.Marshal(v); err == nil {
			t.Errorf("Marshal(%#v) = %s, want an error", v, b)
		}
	}
}
