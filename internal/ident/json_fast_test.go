package ident

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The hand-written JSON of PLMN, S-NSSAI, TAI and GUAMI is byte for
// byte what encoding/json gives for their TS 29.571 structs, and reads
// back through the fast path to the same value.
func TestJSONFastForms(t *testing.T) {
	plmns := []PLMN{{MCC: "001", MNC: "01"}, {MCC: "310", MNC: "260"}, {MCC: "999", MNC: "999"}}
	for _, p := range plmns {
		mcc, mnc := p.MCC, p.MNC
		want, _ := json.Marshal(plmnJSON{MCC: &mcc, MNC: &mnc})
		checkFast(t, p, want, fastPLMN)
		for _, tac := range []uint32{0, 1, 0xabcd, 0x123456, MaxTAC} {
			want, _ := json.Marshal(struct {
				PLMN json.RawMessage `json:"plmnId"`
				TAC  string          `json:"tac"`
			}{mustJSON(t, plmnJSON{MCC: &mcc, MNC: &mnc}), hex6(tac)})
			checkFast(t, TAI{PLMN: p, TAC: tac}, want, fastTAI)
		}
		for _, g := range []GUAMI{{PLMN: p}, {PLMN: p, RegionID: 0xca, SetID: 0x3fe, Pointer: 1}, {PLMN: p, RegionID: 0xff, SetID: MaxAMFSetID, Pointer: MaxAMFPointer}} {
			want, _ := json.Marshal(struct {
				PLMN json.RawMessage `json:"plmnId"`
				AMF  string          `json:"amfId"`
			}{mustJSON(t, plmnJSON{MCC: &mcc, MNC: &mnc}), hex6(g.AMFID())})
			checkFast(t, g, want, fastGUAMI)
		}
	}
	for _, s := range []SNSSAI{{SST: 0}, {SST: 1}, {SST: 255}, {SST: 1, SD: 0, HasSD: true}, {SST: 2, SD: 0xabcdef, HasSD: true}, {SST: 128, SD: NoSD, HasSD: true}} {
		v := snssaiJSON{SST: json.RawMessage(mustJSON(t, int(s.SST)))}
		if s.HasSD {
			sd := hex6(s.SD)
			v.SD = &sd
		}
		want, _ := json.Marshal(v)
		checkFast(t, s, want, fastSNSSAI)
	}
}

func hex6(v uint32) string { return string(appendHex6(nil, v)) }

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkFast[T any](t *testing.T, v T, want []byte, fast func([]byte) (T, bool)) {
	t.Helper()
	got, err := json.Marshal(v)
	if err != nil || string(got) != string(want) {
		t.Errorf("json.Marshal(%#v) = %s, %v; want %s", v, got, err, want)
	}
	back, ok := fast(want)
	if !ok || !reflect.DeepEqual(back, v) {
		t.Errorf("fast read of %s = %#v, %v; want %#v", want, back, ok, v)
	}
}

// The fast paths accept only what the strict decoder accepts, with the
// same value; what they do not take goes to the strict decoder, so
// together they accept and refuse exactly what it does.
func FuzzPLMNJSONFast(f *testing.F)   { fuzzFast(f, fastPLMN, (*PLMN).unmarshalStrict) }
func FuzzSNSSAIJSONFast(f *testing.F) { fuzzFast(f, fastSNSSAI, (*SNSSAI).unmarshalStrict) }
func FuzzTAIJSONFast(f *testing.F)    { fuzzFast(f, fastTAI, (*TAI).unmarshalStrict) }
func FuzzGUAMIJSONFast(f *testing.F)  { fuzzFast(f, fastGUAMI, (*GUAMI).unmarshalStrict) }

func fuzzFast[T any](f *testing.F, fast func([]byte) (T, bool), strict func(*T, []byte) error) {
	f.Fuzz(func(t *testing.T, b []byte) {
		v, ok := fast(b)
		if !ok {
			return
		}
		var want T
		if err := strict(&want, b); err != nil {
			t.Fatalf("fast path took %q as %#v; the strict decoder refuses it: %v", b, v, err)
		}
		if !reflect.DeepEqual(v, want) {
			t.Fatalf("fast path read %q as %#v; the strict decoder as %#v", b, v, want)
		}
	})
}

// BenchmarkTAIJSON: a TAI (with its PLMN) read and written through the
// hand-written paths against the strict decoder and encoding/json's.
func BenchmarkTAIJSON(b *testing.B) {
	tai := TAI{PLMN: PLMN{MCC: "001", MNC: "01"}, TAC: 1}
	in, _ := json.Marshal(tai)
	b.Run("read/fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v TAI
			if err := v.UnmarshalJSON(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("read/strict", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v TAI
			if err := v.unmarshalStrict(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("write/fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tai.MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("write/encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		mcc, mnc, tac := tai.PLMN.MCC, tai.PLMN.MNC, hex6(tai.TAC)
		for b.Loop() {
			if _, err := json.Marshal(struct {
				PLMN plmnJSON `json:"plmnId"`
				TAC  *string  `json:"tac"`
			}{plmnJSON{&mcc, &mnc}, &tac}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
