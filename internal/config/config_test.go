package config

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/keelcore/keel/internal/ident"
)

// equateNetip lets cmp compare the netip types, whose fields are
// unexported.
func equateNetip() cmp.Option {
	return cmpopts.EquateComparable(netip.Addr{}, netip.AddrPort{}, netip.Prefix{})
}

func TestLoadValid(t *testing.T) {
	files, err := filepath.Glob("testdata/valid/*.yaml")
	if err != nil || len(files) < 4 {
		t.Fatalf("Glob(testdata/valid/*.yaml) = %d files, %v; want at least 4", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := Load(f); err != nil {
				t.Errorf("Load(%q) = %v, want no error", f, err)
			}
		})
	}
}

// TestLoadInvalid loads every file in testdata/invalid. The first line of
// each says what must go wrong:
//
//	# want: <key>: <substring of Problem>
//
// with "-" for the empty key of a fault with the file as a whole.
func TestLoadInvalid(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil || len(files) < 15 {
		t.Fatalf("Glob(testdata/invalid/*.yaml) = %d files, %v; want at least 15", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(data), "\n")
			want, ok := strings.CutPrefix(first, "# want: ")
			if !ok {
				t.Fatalf("%s: first line %q, want \"# want: <key>: <problem>\"", f, first)
			}
			wantKey, wantProblem, ok := strings.Cut(want, ": ")
			if !ok {
				t.Fatalf("%s: first line %q, want \"# want: <key>: <problem>\"", f, first)
			}
			if wantKey == "-" {
				wantKey = ""
			}

			c, err := Load(f)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Load(%q) = %+v, %v; want an *Error", f, c, err)
			}
			if e.Key != wantKey || !strings.Contains(e.Problem, wantProblem) {
				t.Errorf("Load(%q) = %q, want key %q and a problem containing %q", f, err, wantKey, wantProblem)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("Load(%q) = %q, want one line", f, err)
			}
		})
	}
}

// TestLoadFull checks that every key reaches its field.
func TestLoadFull(t *testing.T) {
	got, err := Load("testdata/valid/full.yaml")
	if err != nil {
		t.Fatalf("Load(full.yaml) = %v", err)
	}
	want := Config{
		NFs: []string{"amf", "smf", "upf"},
		SBI: SBI{Address: netip.MustParseAddrPort("10.0.0.1:7777"), NRF: "https://10.0.0.9:7777", Locality: "edge-1",
			Timeout: 2 * time.Second, TLS: SBITLS{Certificate: "/etc/keel/sbi.pem", Key: "/etc/keel/sbi-key.pem", CA: "/etc/keel/ca.pem", Mutual: true},
			OAuth2: SBIOAuth2{Enabled: true, SigningKey: "/etc/keel/nrf-signing-key.pem", NRFKey: "/etc/keel/nrf.pub"}},
		PLMN:   ident.PLMN{MCC: "310", MNC: "260"},
		TACs:   []uint32{1, 2, 16},
		Slices: []Slice{{SST: 1}, {SST: 2, SD: "0000FF"}},
		AMF: AMF{Name: "Keel AMF (lab 3)", RegionID: 202, SetID: 1023, Pointer: 63,
			Integrity: []string{"NIA1", "NIA2"}, Ciphering: []string{"NEA0"}, T3512: 12 * time.Minute,
			T3513: 2 * time.Second, PagingAttempts: 4, MobileReachable: 20 * time.Minute, ImplicitDeregistration: 10 * time.Minute, MaxRegistering: 500,
			Deadlines: AMFDeadlines{Authentication: 4 * time.Second, Subscription: 3 * time.Second, Session: 20 * time.Second, Reactivation: 4 * time.Second},
			T3502:     30 * time.Minute, IMSVoiceOverPS: true, EmergencyServices: true,
			EmergencyNumbers: []EmergencyNumber{{Number: "112", Categories: []string{"police", "ambulance", "fire"}},
				{Number: "1400", Categories: []string{"mountain"}}, {Number: "999"}},
			ServiceAreaTACs: []uint32{1, 2},
			NetworkName:     NetworkName{Full: "Keel Lab Network", Short: "KeelLab"}, TimeZone: "Europe/Paris"},
		DNNs: []DNN{{
			Name:     "internet",
			IPv4Pool: netip.MustParsePrefix("10.45.0.0/16"),
			IPv6Pool: netip.MustParsePrefix("2001:db8:45::/48"),
			DNS:      []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("2001:4860:4860::8888")},
			PCSCF:    []netip.Addr{netip.MustParseAddr("10.45.0.10"), netip.MustParseAddr("2001:db8:45::10")},
			MTU:      1400,
		}},
		N2: N2{Address: netip.MustParseAddrPort("[::]:38412"), SCTP: SCTPUserspace, SCTPDebug: true},
		N4: N4{Address: netip.MustParseAddrPort("10.0.0.1:8805")},
		N3: N3{Address: netip.MustParseAddrPort("10.0.0.1:2152")},
		UPF: UPF{N4: UPFN4{Peers: []netip.Addr{netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("2001:db8::5")}, AllowAddressChange: true},
			DLBuffer: UPFDLBuffer{Packets: 128, Bytes: 256 << 10, Time: 30 * time.Second}, TUN: "upf1"},
		SMF: SMF{N4: SMFN4{Peers: []netip.Addr{netip.MustParseAddr("10.0.0.2")}, HeartbeatInterval: 2 * time.Second},
			UPFs: []SMFUPF{
				{Name: "edge-1", N4: netip.MustParseAddrPort("10.0.1.5:8805"), Peers: []netip.Addr{netip.MustParseAddr("10.0.1.6")},
					DNNs: []SMFUPFDNN{{Name: "internet", IPv4Pool: netip.MustParsePrefix("10.45.0.0/17"), IPv6Pool: netip.MustParsePrefix("2001:db8:45::/49")}}, Slices: []Slice{{SST: 2, SD: "0000FF"}}, TACs: []uint32{1, 2}},
				{N4: netip.MustParseAddrPort("10.0.2.5:8805"), DNNs: []SMFUPFDNN{{Name: "Internet",
					IPv4Pool: netip.MustParsePrefix("10.45.128.0/17"), IPv6Pool: netip.MustParsePrefix("2001:db8:45:8000::/49")}}},
			}},
		HTTP:        HTTP{Address: netip.MustParseAddrPort("0.0.0.0:0"), Pprof: true},
		DataDir:     "/var/lib/keel",
		Log:         Log{Format: LogJSON, Level: LogDebug},
		MemoryLimit: 14 << 30,
	}
	if diff := cmp.Diff(want, got, equateNetip()); diff != "" {
		t.Errorf("Load(full.yaml) mismatch (-want +got):\n%s", diff)
	}
}

// TestLoadEntries checks list entries: defaults for keys left out, merge
// keys and aliases.
func TestLoadEntries(t *testing.T) {
	for _, tt := range []struct {
		file string
		want []DNN
	}{
		{"ipv6-only-dnn.yaml", []DNN{{
			Name:     "ims",
			IPv6Pool: netip.MustParsePrefix("2001:db8:1::/48"),
			DNS:      []netip.Addr{netip.MustParseAddr("2001:4860:4860::8888"), netip.MustParseAddr("2001:4860:4860::8844")},
			MTU:      1280,
		}}},
		{"anchors.yaml", []DNN{
			{Name: "internet", IPv4Pool: netip.MustParsePrefix("10.45.0.0/16"), DNS: []netip.Addr{netip.MustParseAddr("9.9.9.9"), netip.MustParseAddr("149.112.112.112")}, MTU: 1400},
			{Name: "ims", IPv4Pool: netip.MustParsePrefix("10.46.0.0/16"), DNS: []netip.Addr{netip.MustParseAddr("9.9.9.9"), netip.MustParseAddr("149.112.112.112")}, MTU: 1400},
			{Name: "iot", IPv4Pool: netip.MustParsePrefix("10.47.0.0/16"), DNS: []netip.Addr{netip.MustParseAddr("9.9.9.9"), netip.MustParseAddr("149.112.112.112")}, MTU: 1400},
		}},
	} {
		c, err := Load(filepath.Join("testdata/valid", tt.file))
		if err != nil {
			t.Fatalf("Load(%s) = %v", tt.file, err)
		}
		if diff := cmp.Diff(tt.want, c.DNNs, equateNetip()); diff != "" {
			t.Errorf("Load(%s).DNNs mismatch (-want +got):\n%s", tt.file, diff)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keel.yaml")
	_, err := Load(path)
	var e *Error
	if !errors.As(err, &e) || e.Key != "" {
		t.Fatalf("Load(%q) = %v, want an *Error with no key", path, err)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("errors.Is(Load(%q), os.ErrNotExist) = false, want true (err %v)", path, err)
	}
}

func TestLoadEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keel.yaml")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatalf("Load(empty file) = %v, want no error", err)
	}
	if diff := cmp.Diff(Default(), got, equateNetip()); diff != "" {
		t.Errorf("Load(empty file) mismatch (-want +got):\n%s", diff)
	}
}
