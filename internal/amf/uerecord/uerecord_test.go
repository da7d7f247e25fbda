package uerecord_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/amf/uerecord"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
)

func sample() uerecord.UE {
	plmn := ident.PLMN{MCC: "001", MNC: "01"}
	var kamf secret.Key256
	for i := range kamf {
		kamf[i] = byte(0xa0 + i)
	}
	return uerecord.UE{
		SUPI: "imsi-001010000000001",
		GUTI: ident.GUTI{GUAMI: ident.GUAMI{PLMN: plmn, RegionID: 1, SetID: 1, Pointer: 2}, TMSI: 0xc0ffee00},
		Security: uerecord.Security{NgKSI: 1, KAMF: kamf, IntAlg: 2, EncAlg: 2,
			ULCount: 7, ULSeen: true, DLCount: 9},
		Capabilities: []byte{0xe0, 0xe0},
		TAIs:         []ident.TAI{{PLMN: plmn, TAC: 1}, {PLMN: plmn, TAC: 2}},
		Allowed:      []ident.SNSSAI{{SST: 1}},
		Subscribed:   []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 0xabcdef, HasSD: true}},
		Defaults:     []ident.SNSSAI{{SST: 1}},
		AMBRUplink:   1e8, AMBRDownlink: 2e8, DNNs: []string{"internet", "ims"},
		Sessions: []uerecord.Session{{ID: 1, SNSSAI: ident.SNSSAI{SST: 1}, DNN: "internet", Ref: "urn:uuid:1"},
			{ID: 5, SNSSAI: ident.SNSSAI{SST: 1}, DNN: "ims", Ref: "urn:uuid:2"}},
		T3512: 54 * time.Minute,
		Saved: time.UnixMilli(1_800_000_000_123),
		Owner: "3a331b17-69a1-5e56-8679-c5cc5b8044ef",
	}
}

func TestRoundTrip(t *testing.T) {
	u := sample()
	b, err := uerecord.Marshal(nil, u)
	if err != nil {
		t.Fatal(err)
	}
	got, err := uerecord.Unmarshal(b)
	if err != nil {
		t.Fatalf("Unmarshal(%s) = %v", b, err)
	}
	if diff := cmp.Diff(u, got); diff != "" {
		t.Errorf("Unmarshal(Marshal(u)) differs (-want +got):\n%s", diff)
	}
}

// TestFormerGUTI: a context saved while a new 5G-GUTI waits for the
// UE's acknowledgement keeps the former one, and is found by both.
func TestFormerGUTI(t *testing.T) {
	u := sample()
	former := u.GUTI
	former.TMSI = 0x0badcafe
	u.Former = &former
	b, err := uerecord.Marshal(nil, u)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"former":`)) {
		t.Errorf("Marshal = %s, want a former member", b)
	}
	got, err := uerecord.Unmarshal(b)
	if err != nil {
		t.Fatalf("Unmarshal(%s) = %v", b, err)
	}
	if diff := cmp.Diff(u, got); diff != "" {
		t.Errorf("Unmarshal(Marshal(u)) differs (-want +got):\n%s", diff)
	}
	same := u
	g := u.GUTI
	same.Former = &g
	if _, err := uerecord.Marshal(nil, same); err == nil || !strings.Contains(err.Error(), "former") {
		t.Errorf("Marshal(former = 5G-GUTI) = %v, want an error naming the former 5G-GUTI", err)
	}
}

// TestGolden pins the version 1 encoding: a record written by one Keel
// is read by the next, so the form may not drift unnoticed.
func TestGolden(t *testing.T) {
	b, err := uerecord.Marshal(nil, sample())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "v1.json")
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, bytes.TrimSpace(want)) {
		t.Errorf("Marshal(sample) =\n%s\nwant\n%s", b, want)
	}
}

func TestRefused(t *testing.T) {
	good, err := uerecord.Marshal(nil, sample())
	if err != nil {
		t.Fatal(err)
	}
	s := string(good)
	for _, tc := range []struct{ name, in, want string }{
		{"version", strings.Replace(s, `"v":1`, `"v":2`, 1), "unknown record version"},
		{"no SUPI", strings.Replace(s, `"supi":"imsi-001010000000001"`, `"supi":""`, 1), "SUPI"},
		{"short key", strings.Replace(s, `"kamf":"`, `"kamf":"AAAA`, 1), "kamf"},
		{"ngKSI 7", strings.Replace(s, `"ngKsi":1`, `"ngKsi":7`, 1), "ngKSI"},
		{"algorithm", strings.Replace(s, `"ia":2`, `"ia":9`, 1), "algorithms"},
		{"count", strings.Replace(s, `"ul":7`, `"ul":16777216`, 1), "NAS COUNT"},
		{"session ID", strings.Replace(s, `"id":5`, `"id":1`, 1), "twice"},
		{"session ID 0", strings.Replace(s, `"id":5`, `"id":0`, 1), "1..15"},
		{"unknown member", strings.Replace(s, `"v":1`, `"v":1,"x":0`, 1), "unknown field"},
		{"trailing", s + "{}", "after the record"},
		{"not JSON", "\x00", "uerecord"},
	} {
		_, err := uerecord.Unmarshal([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Unmarshal = %v, want an error with %q", tc.name, err, tc.want)
		}
		if tc.name == "version" && !errors.Is(err, uerecord.ErrVersion) {
			t.Errorf("%s: Unmarshal = %v, want ErrVersion", tc.name, err)
		}
	}
}

// TestNoKeyInText: the context prints, logs and fails without its KAMF.
func TestNoKeyInText(t *testing.T) {
	u := sample()
	hex := fmt.Sprintf("%x", u.Security.KAMF.Bytes())
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "ue", u, "sec", u.Security)
	for _, s := range []string{fmt.Sprint(u), fmt.Sprintf("%+v", u), fmt.Sprintf("%#v", u.Security), buf.String()} {
		if strings.Contains(s, hex) || strings.Contains(s, "160") {
			t.Errorf("text of the context holds its KAMF: %s", s)
		}
	}
	bad := u
	bad.Security.NgKSI = 7
	if _, err := uerecord.Marshal(nil, bad); err == nil || strings.Contains(err.Error(), hex) {
		t.Errorf("Marshal(ngKSI 7) = %v, want an error without the key", err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	good, err := uerecord.Marshal(nil, sample())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := uerecord.Unmarshal(b)
		if err != nil {
			return
		}
		// What decodes encodes again and decodes to the same context.
		again, err := uerecord.Marshal(nil, u)
		if err != nil {
			t.Fatalf("Marshal(Unmarshal(%q)) = %v", b, err)
		}
		u2, err := uerecord.Unmarshal(again)
		if err != nil {
			t.Fatalf("Unmarshal(Marshal(Unmarshal(%q))) = %v", b, err)
		}
		if diff := cmp.Diff(u, u2); diff != "" {
			t.Fatalf("second round trip differs:\n%s", diff)
		}
	})
}
