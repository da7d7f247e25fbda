package ue

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"github.com/keelcore/keel/internal/ident"
	"go/parser"
	"go/token"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestParseScheme(t *testing.T) {
	for in, want := range map[string]Scheme{"null": SchemeNull, "NULL": SchemeNull, "a": SchemeA, "A": SchemeA, "b": SchemeB, "B": SchemeB} {
		if got, err := ParseScheme(in); err != nil || got != want {
			t.Errorf("ParseScheme(%q) = %v, %v, want %v", in, got, err, want)
		}
	}
	if _, err := ParseScheme("c"); err == nil {
		t.Error(`ParseScheme("c"): no error`)
	}
}

func TestNewRejects(t *testing.T) {
	for name, edit := range map[string]func(*Config){
		"nai SUPI":             func(c *Config) { c.SUPI = "nai-user@example.org" },
		"SUPI letters":         func(c *Config) { c.SUPI = "imsi-00101000000000x" },
		"SUPI of another PLMN": func(c *Config) { c.SUPI = "imsi-002010000000001" },
		"SUPI without MSIN":    func(c *Config) { c.SUPI = "imsi-00101" },
		"MCC":                  func(c *Config) { c.MCC = "1" },
		"MNC":                  func(c *Config) { c.MNC = "1234" },
		"routing indicator":    func(c *Config) { c.RoutingIndicator = "12345" },
		"zero K":               func(c *Config) { c.K = [16]byte{} },
		"SQN over 48 bits":     func(c *Config) { c.SQN = 1 << 48 },
		"SD over 24 bits":      func(c *Config) { c.SNSSAIs = []ident.SNSSAI{{SST: 1, SD: 1 << 24, HasSD: true}} },
		"profile A key":        func(c *Config) { c.Scheme, c.HNPublic = SchemeA, []byte{1, 2, 3} },
		"profile B key":        func(c *Config) { c.Scheme, c.HNPublic = SchemeB, append([]byte{2}, bytes.Repeat([]byte{0xFF}, 32)...) },
		"unknown scheme":       func(c *Config) { c.Scheme = 7 },
	} {
		cfg := testConfig(t)
		edit(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("New with bad %s: no error", name)
		}
	}
	u := newTestUE(t, func(c *Config) { c.SUPI = "IMSI-001010000000001" })
	if u.SUPI() != testSUPI || u.State() != Deregistered {
		t.Errorf("SUPI() = %q, State() = %v", u.SUPI(), u.State())
	}
}

// TestSecretsRedacted prints a registered UE the ways a log line might
// and looks for key material in hexadecimal, as a Go array and raw. (fmt
// cannot call the secret types' methods on unexported fields, so the UE
// keeps its contexts behind pointers and formats itself.)
func TestSecretsRedacted(t *testing.T) {
	u := newTestUE(t, nil)
	register(t, u, newNetwork(t), 2, 2)
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("ue", "ue", u)
	out := fmt.Sprintf("%v %+v %#v %s %v %+v %#v", u, u, u, u, *u, *u, *u) + logged.String()
	for _, k := range [][]byte{key128(t, testK).Bytes(), key128(t, testOPc).Bytes(), u.ctx.kamf[:], u.ctx.kEnc[:], u.ctx.kInt[:]} {
		dec := fmt.Sprint(k)
		if strings.Contains(out, hex.EncodeToString(k)) || strings.Contains(out, dec[1:len(dec)-1]) || bytes.Contains([]byte(out), k) {
			t.Fatalf("key material in %s", out)
		}
	}
	if !strings.Contains(out, testSUPI) {
		t.Errorf("the SUPI is not in %s", out)
	}
}

// TestImportsIndependentOfCore keeps the UE independent of the core's
// implementations of the same specifications (see doc.go).
func TestImportsIndependentOfCore(t *testing.T) {
	const module = "github.com/keelcore/keel/internal/"
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, path := range files {
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, core := range []string{"crypto", "nas", "amf", "ausf", "udm"} {
				if p == module+core || strings.HasPrefix(p, module+core+"/") {
					t.Errorf("%s imports %s: the simulated UE must not share the core's code", path, p)
				}
			}
		}
	}
}

func TestStrings(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Deregistered.String(), "5GMM-DEREGISTERED"},
		{RegisteredInitiated.String(), "5GMM-REGISTERED-INITIATED"},
		{Registered.String(), "5GMM-REGISTERED"},
		{DeregisteredInitiated.String(), "5GMM-DEREGISTERED-INITIATED"},
		{ServiceRequestInitiated.String(), "5GMM-SERVICE-REQUEST-INITIATED"},
		{EventServiceAccepted.String(), "service accepted"},
		{ServiceMobileTerminated.String(), "mobile terminated services"},
		{State(9).String(), "State(9)"},
		{EventRegistered.String(), "registered"},
		{SchemeB.String(), "b"},
		{ident.GUTI{GUAMI: ident.GUAMI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, RegionID: 0xCA, SetID: 0x3FF, Pointer: 0x3F}, TMSI: 0xDEADBEEF}.String(), "5g-guti-00101caffffdeadbeef"},
	} {
		if c.got != c.want {
			t.Errorf("String() = %q, want %q", c.got, c.want)
		}
	}
}

func TestIdentityCodecs(t *testing.T) {
	g := ident.GUTI{GUAMI: ident.GUAMI{PLMN: ident.PLMN{MCC: "310", MNC: "410"}, RegionID: 1, SetID: 0x2AB, Pointer: 5}, TMSI: 0x01020304}
	b := appendGUTI(nil, g)
	if got, err := parseGUTI(b); err != nil || got != g {
		t.Errorf("parseGUTI(appendGUTI(%+v)) = %+v, %v", g, got, err)
	}
	if got := hex.EncodeToString(b); got != "f2130014"+"01aac5"+"01020304" {
		t.Errorf("GUTI identity = %s", got)
	}
	if got, _ := routingIndicator("12"); got != [2]byte{0x21, 0xFF} {
		t.Errorf("routingIndicator(12) = % x, want 21 ff", got)
	}
	nssai := []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 0xABCDEF, HasSD: true}}
	if got, err := parseNSSAI(appendNSSAI(nil, nssai)); err != nil || len(got) != 2 || got[0] != nssai[0] || got[1] != nssai[1] {
		t.Errorf("NSSAI round trip = %v, %v", got, err)
	}
	// Type 10 TAI list: two TAIs of different PLMNs.
	tais, err := parseTAIList([]byte{0x41, 0x00, 0xF1, 0x10, 0, 0, 7, 0x13, 0x00, 0x14, 0, 1, 0})
	if err != nil || len(tais) != 2 || tais[0] != (ident.TAI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, TAC: 7}) || tais[1] != (ident.TAI{PLMN: ident.PLMN{MCC: "310", MNC: "410"}, TAC: 256}) {
		t.Errorf("parseTAIList(type 10) = %v, %v", tais, err)
	}
	for _, bad := range [][]byte{{0x00, 0x00, 0xF1}, {0x60}, {0x41, 0x00, 0xF1, 0x10, 0, 0, 7}} {
		if _, err := parseTAIList(bad); err == nil {
			t.Errorf("parseTAIList(% x): no error", bad)
		}
	}
}
