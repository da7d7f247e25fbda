package cli

import (
	"errors"
	"strconv"
	"strings"

	"github.com/keelcore/keel/internal/sim/ue"
)

// qosFlowPort is the UDP port of the traffic of --qos-flow, which its
// packet filter names.
const qosFlowPort = 5000

// parseQoSFlow reads --qos-flow: "5qi=N,gfbr=RATE,mfbr=RATE", each once,
// RATE a number of bit/s with an optional unit (bps, kbps, Mbps, Gbps:
// "128kbps", "2Mbps"). gfbr and mfbr apply both ways; gfbr may not
// exceed mfbr. The remote address is --ping's, set by the caller.
func parseQoSFlow(s string) (ue.FlowRequest, error) {
	f := ue.FlowRequest{RemotePort: qosFlowPort}
	seen := map[string]bool{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || seen[k] {
			return f, usagef("--qos-flow %q: want 5qi=N,gfbr=RATE,mfbr=RATE, each once", s)
		}
		seen[k] = true
		switch k {
		case "5qi":
			n, err := strconv.ParseUint(v, 10, 8)
			if err != nil || n == 0 {
				return f, usagef("--qos-flow 5qi=%q: want 1 to 255", v)
			}
			f.FiveQI = uint8(n)
		case "gfbr", "mfbr":
			r, err := parseRate(v)
			if err != nil {
				return f, usagef("--qos-flow %s=%q: %v", k, v, err)
			}
			if k == "gfbr" {
				f.GFBR = r
			} else {
				f.MFBR = r
			}
		default:
			return f, usagef("--qos-flow: unknown key %q (want 5qi, gfbr, mfbr)", k)
		}
	}
	if f.FiveQI == 0 || f.MFBR == 0 || !seen["gfbr"] {
		return f, usagef("--qos-flow %q: want 5qi=N,gfbr=RATE,mfbr=RATE", s)
	}
	if f.GFBR > f.MFBR {
		return f, usagef("--qos-flow %q: gfbr above mfbr", s)
	}
	return f, nil
}

// parseRate reads a bit rate: a whole number with an optional unit.
func parseRate(s string) (uint64, error) {
	units := []struct {
		name string
		mult uint64
	}{{"Gbps", 1e9}, {"Mbps", 1e6}, {"kbps", 1e3}, {"Kbps", 1e3}, {"bps", 1}}
	mult := uint64(1)
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.name); ok {
			s, mult = n, u.mult
			break
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 || n > 4_000_000_000_000/mult {
		return 0, errRate
	}
	return n * mult, nil
}

var errRate = errors.New("want a positive whole number of bps, kbps, Mbps or Gbps, like 128kbps")
