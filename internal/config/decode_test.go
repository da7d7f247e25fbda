package config

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/keelcore/keel/internal/ident"
)

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		want     Error
	}{
		{
			"nested unknown key",
			"dnns:\n  - name: internet\n    ipv4_pool: 10.45.0.0/16\n    pool: x\n",
			Error{Key: "dnns[0].pool", Problem: "unknown key (line 4)"},
		},
		{
			"odd key quoted",
			"amf:\n  \"a b\": 1\n",
			Error{Key: `amf."a b"`, Problem: "unknown key (line 2)"},
		},
		{
			"validation error gets its line",
			"plmn:\n  mcc: \"1\"\n",
			Error{Key: "plmn.mcc", Problem: `must be 3 digits, got "1" (line 2)`},
		},
		{
			"validation error of a key left out gets the line of its entry",
			"dnns:\n  - name: internet\n",
			Error{Key: "dnns[0].ipv4_pool", Problem: "must be set unless ipv6_pool is (line 2)"},
		},
		{
			"validation error of a key given twice gets the line of the later",
			"n4:\n  address: 127.0.0.1:9999\nn3:\n  address: 127.0.0.1:9999\n",
			Error{Key: "n3.address", Problem: "127.0.0.1:9999 clashes with n4.address 127.0.0.1:9999: both are UDP on port 9999 (line 4)"},
		},
		{
			"validation error of a default has no line",
			"n4:\n  address: 127.0.0.1:2152\n",
			Error{Key: "n3.address", Problem: "127.0.0.1:2152 clashes with n4.address 127.0.0.1:2152: both are UDP on port 2152"},
		},
		{
			"number out of range for its type",
			"amf:\n  region_id: 256\n",
			Error{Key: "amf.region_id", Problem: "must be 0..255, got 256 (line 2)"},
		},
		{
			"negative number",
			"tacs: [-1]\n",
			Error{Key: "tacs[0]", Problem: "must not be negative, got -1 (line 1)"},
		},
		{
			"fraction",
			"dnns:\n  - mtu: 1400.5\n",
			Error{Key: "dnns[0].mtu", Problem: `must be a whole number, got "1400.5" (line 2)`},
		},
		{
			"string given a list",
			"data_dir: [a]\n",
			Error{Key: "data_dir", Problem: "must be a string, not a list (line 1)"},
		},
		{
			"binary is not a string",
			"data_dir: !!binary aGVsbG8=\n",
			Error{Key: "data_dir", Problem: `must be a string, got "aGVsbG8=" (line 1)`},
		},
		{
			"section given a value",
			"amf: keel\n",
			Error{Key: "amf", Problem: `must be a mapping of keys to values, got "keel" (line 1)`},
		},
		{
			"empty list entry",
			"tacs: [1, ~]\n",
			Error{Key: "tacs[1]", Problem: "is empty (line 1)"},
		},
		{
			"unknown key in a merged mapping",
			"amf: &a\n  name: x\nn2:\n  <<: *a\n",
			Error{Key: "n2.name", Problem: "unknown key (line 2)"},
		},
		{
			"merge of a value",
			"n2:\n  <<: 1\n",
			Error{Key: "n2", Problem: "<< must be given a mapping or a list of mappings (line 2)"},
		},
		{
			"mapping that merges itself",
			"n2: &a\n  sctp: auto\n  <<: *a\n",
			Error{Key: "n2", Problem: "merge keys (<<) nested more than 8 deep (line 3)"},
		},
		{
			"list as a key",
			"? [a]\n: 1\n",
			Error{Problem: "keys must be words, not a list (line 1)"},
		},
		{
			"tab indentation",
			"plmn:\n\tmcc: \"001\"\n",
			Error{Problem: "not valid YAML: line 2: found character that cannot start any token"},
		},
		{
			"unknown anchor",
			"tacs: *t\n",
			Error{Problem: "not valid YAML: unknown anchor 't' referenced"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) = %v, want an *Error", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, *e, cmp.AllowUnexported(Error{}), cmpIgnoreCause()); diff != "" {
				t.Errorf("Parse(%q) = %q, mismatch (-want +got):\n%s", tt.in, err, diff)
			}
		})
	}
}

// cmpIgnoreCause leaves the wrapped cause out of comparisons of Error.
func cmpIgnoreCause() cmp.Option {
	return cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".err" }, cmp.Ignore())
}

func TestParseAliasLimit(t *testing.T) {
	// 400 entries naming one DNN of 400 DNS servers: 160000 values from
	// a few kilobytes.
	in := "dnns:\n  - &d {name: a, ipv4_pool: 10.0.0.0/8, dns: [" + strings.Repeat("1.1.1.1, ", 399) + "1.1.1.1]}\n" +
		strings.Repeat("  - *d\n", 399)
	_, err := Parse([]byte(in))
	var e *Error
	if !errors.As(err, &e) || e.Key != "" || !strings.Contains(e.Problem, "once aliases are expanded") {
		t.Errorf("Parse(%d bytes naming 160000 values) = %v, want the expansion limit", len(in), err)
	}
}

func TestParseNullKeepsDefault(t *testing.T) {
	got, err := Parse([]byte("plmn:\n  mcc:\namf: ~\ndata_dir: null\ntacs:\n"))
	if err != nil {
		t.Fatalf("Parse = %v", err)
	}
	if diff := cmp.Diff(Default(), got, equateNetip()); diff != "" {
		t.Errorf("Parse(null values) mismatch (-want +got):\n%s", diff)
	}
}

func TestParseNumbers(t *testing.T) {
	got, err := Parse([]byte("tacs: [0x10, 0o10, 1_000, +5, 0]\n"))
	if err != nil {
		t.Fatalf("Parse = %v", err)
	}
	if diff := cmp.Diff([]uint32{16, 8, 1000, 5, 0}, got.TACs); diff != "" {
		t.Errorf("Parse(tacs).TACs mismatch (-want +got):\n%s", diff)
	}
}

func TestParseUnquotedDigits(t *testing.T) {
	got, err := Parse([]byte("plmn:\n  mcc: 001\n  mnc: 01\n"))
	if err != nil {
		t.Fatalf("Parse = %v", err)
	}
	if want := (ident.PLMN{MCC: "001", MNC: "01"}); got.PLMN != want {
		t.Errorf("Parse(unquoted digits).PLMN = %+v, want %+v", got.PLMN, want)
	}
}

func TestParseListReplacesDefault(t *testing.T) {
	got, err := Parse([]byte("dnns:\n  - name: ims\n    ipv6_pool: 2001:db8::/48\n"))
	if err != nil {
		t.Fatalf("Parse = %v", err)
	}
	want := []DNN{{Name: "ims", IPv6Pool: netip.MustParsePrefix("2001:db8::/48"), MTU: defaultMTU}}
	if diff := cmp.Diff(want, got.DNNs, equateNetip()); diff != "" {
		t.Errorf("Parse(dnns).DNNs mismatch (-want +got):\n%s", diff)
	}
}

func TestErrorString(t *testing.T) {
	for _, tt := range []struct {
		e    Error
		want string
	}{
		{Error{Key: "plmn.mcc", Problem: `must be 3 digits, got "1"`}, `config: plmn.mcc: must be 3 digits, got "1"`},
		{Error{Problem: "not valid YAML: line 1: oops"}, "config: not valid YAML: line 1: oops"},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("(%#v).Error() = %q, want %q", tt.e, got, tt.want)
		}
	}
	var ce interface{ ConfigError() bool }
	if err := error(&Error{}); !errors.As(err, &ce) || !ce.ConfigError() {
		t.Errorf("(*Error).ConfigError() = false, want true")
	}
}
