package cli

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// amfList is `keel sim --amf`: the N2 addresses of one AMF or of the
// AMFs of a set, comma-separated or the flag repeated. The first use of
// the flag replaces the default.
type amfList struct {
	addrs []netip.AddrPort
	given bool
}

func (l *amfList) String() string {
	out := make([]string, len(l.addrs))
	for i, a := range l.addrs {
		out[i] = a.String()
	}
	return strings.Join(out, ",")
}

func (l *amfList) Set(v string) error {
	if !l.given {
		l.addrs, l.given = nil, true
	}
	for _, s := range strings.Split(v, ",") {
		a, err := netip.ParseAddrPort(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%q: want IP:port", s)
		}
		for _, b := range l.addrs {
			if a == b {
				return fmt.Errorf("%s given twice", a)
			}
		}
		l.addrs = append(l.addrs, a)
	}
	return nil
}

// amfReconnectMax bounds the back-off of a gNB re-establishing the
// association with an AMF of a set.
const amfReconnectMax = 10 * time.Second
