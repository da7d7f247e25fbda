package cli

import (
	"flag"
	"io"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// --amf takes one address, a comma-separated list, or the flag repeated;
// the first use replaces the default.
func TestAMFList(t *testing.T) {
	parse := func(args ...string) ([]netip.AddrPort, error) {
		l := &amfList{addrs: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:38412")}}
		fs := flag.NewFlagSet("sim", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.Var(l, "amf", "")
		err := fs.Parse(args)
		return l.addrs, err
	}
	a, b, c := netip.MustParseAddrPort("10.0.0.1:38412"), netip.MustParseAddrPort("10.0.0.2:38412"), netip.MustParseAddrPort("[::1]:38413")
	for _, tc := range []struct {
		args []string
		want []netip.AddrPort
	}{
		{nil, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:38412")}},
		{[]string{"--amf", "10.0.0.1:38412"}, []netip.AddrPort{a}},
		{[]string{"--amf", "10.0.0.1:38412,10.0.0.2:38412, [::1]:38413"}, []netip.AddrPort{a, b, c}},
		{[]string{"--amf", "10.0.0.1:38412", "--amf", "10.0.0.2:38412,[::1]:38413"}, []netip.AddrPort{a, b, c}},
	} {
		got, err := parse(tc.args...)
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(x, y netip.AddrPort) bool { return x == y })); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.args, diff)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--amf", "10.0.0.1"}, "want IP:port"},
		{[]string{"--amf", "10.0.0.1:38412,"}, "want IP:port"},
		{[]string{"--amf", "10.0.0.1:38412", "--amf", "10.0.0.1:38412"}, "given twice"},
	} {
		if _, err := parse(tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one saying %q", tc.args, err, tc.want)
		}
	}
}
