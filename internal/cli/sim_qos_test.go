package cli

import (
	"context"
	"strings"
	"testing"
)

// TestSimQoSFlowTrafficUsage: --qos-flow-duration must be positive and
// --default-flow-traffic needs --qos-flow, both refused before any UE
// registers.
func TestSimQoSFlowTrafficUsage(t *testing.T) {
	env, _, stderr, _ := apiServer(t)
	for _, tt := range []struct {
		args []string
		flag string
	}{
		{[]string{"--ping", "10.45.0.1", "--qos-flow", "5qi=1,gfbr=1Mbps,mfbr=2Mbps", "--qos-flow-duration", "0s"}, "--qos-flow-duration"},
		{[]string{"--ping", "10.45.0.1", "--qos-flow", "5qi=1,gfbr=1Mbps,mfbr=2Mbps", "--qos-flow-duration", "-1s"}, "--qos-flow-duration"},
		{[]string{"--ping", "10.45.0.1", "--default-flow-traffic"}, "--default-flow-traffic"},
	} {
		stderr.Reset()
		args := append([]string{"sim", "--ues", "1"}, tt.args...)
		if got := Main(context.Background(), env, args); got != ExitUsage || !strings.Contains(stderr.String(), tt.flag) {
			t.Errorf("%s = exit %d (stderr %q), want a usage error naming %s", shellQuote(args), got, stderr, tt.flag)
		}
	}
}
