package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/ident"
)

func TestParseSliceList(t *testing.T) {
	tests := []struct {
		in   string
		want []ident.SNSSAI
	}{
		{"", nil},
		{"none", nil},
		{"1", []ident.SNSSAI{{SST: 1}}},
		{"1,1:000001,2", []ident.SNSSAI{{SST: 1}, {SST: 1, SD: 1, HasSD: true}, {SST: 2}}},
		{"255:FFFFFF", []ident.SNSSAI{{SST: 255, SD: 0xffffff, HasSD: true}}},
		{"2-00abcd", []ident.SNSSAI{{SST: 2, SD: 0xabcd, HasSD: true}}},
		{"1,2,3,4,5,6,7,8", []ident.SNSSAI{{SST: 1}, {SST: 2}, {SST: 3}, {SST: 4}, {SST: 5}, {SST: 6}, {SST: 7}, {SST: 8}}},
	}
	for _, tt := range tests {
		got, err := parseSliceList(tt.in)
		if err != nil {
			t.Errorf("parseSliceList(%q) error %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseSliceList(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
	for _, bad := range []string{"256", "-1", "x", "1:00001", "1:0000001", "1:zzzzzz", "1,", ",1", "1;2", "1:", ":000001", "1,2,3,4,5,6,7,8,9", " 1"} {
		if got, err := parseSliceList(bad); err == nil {
			t.Errorf("parseSliceList(%q) = %v, want an error", bad, got)
		}
	}
}

// Without --request-nssai the UEs request the --sst/--sd slice, as they
// did before the flag existed.
func TestRequestNSSAIDefault(t *testing.T) {
	slice := ident.SNSSAI{SST: 3, SD: 0xabcdef, HasSD: true}
	got, err := requestNSSAIFlag("", false, slice)
	if err != nil || len(got) != 1 || got[0] != slice {
		t.Errorf("requestNSSAIFlag(not given) = %v, %v, want [%v]", got, err, slice)
	}
	if got, err := requestNSSAIFlag("", true, slice); err != nil || len(got) != 0 {
		t.Errorf("requestNSSAIFlag(\"\" given) = %v, %v, want no Requested NSSAI", got, err)
	}
}

// A malformed --request-nssai is a usage error naming the flag.
func TestSimRequestNSSAIUsage(t *testing.T) {
	env, _, stderr, _ := apiServer(t)
	for _, v := range []string{"300", "1:12", "1:000001:2", "a,b"} {
		stderr.Reset()
		args := []string{"sim", "--ues", "1", "--request-nssai", v}
		if got := Main(context.Background(), env, args); got != ExitUsage || !strings.Contains(stderr.String(), "--request-nssai") {
			t.Errorf("%s = exit %d (stderr %q), want a usage error naming --request-nssai", shellQuote(args), got, stderr)
		}
	}
}
