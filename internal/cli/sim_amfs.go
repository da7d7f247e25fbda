package cli

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/keelcore/keel/internal/sim/gnb"
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

// SimAMF is what the gNBs of `keel sim` saw of one AMF of a set.
type SimAMF struct {
	Addr string `json:"addr"`
	// Name is the AMF Name of its last NG Setup Response.
	Name string `json:"name,omitempty"`
	// GNBsUp counts the gNBs whose association with the AMF was up at the
	// end; SetUps the NG Setups it accepted, reconnections included;
	// InitialUEMessages the UE connections the gNBs opened to it.
	GNBsUp            int `json:"gnbs_up"`
	SetUps            int `json:"set_ups"`
	InitialUEMessages int `json:"initial_ue_messages"`
}

// amfSummaries adds up the gNBs' views of each AMF, in --amf order.
func amfSummaries(addrs []netip.AddrPort, gnbs []*gnb.GNB) []SimAMF {
	out := make([]SimAMF, len(addrs))
	for i, a := range addrs {
		out[i].Addr = a.String()
	}
	for _, g := range gnbs {
		for i, st := range g.AMFs() {
			if i >= len(out) {
				break
			}
			if st.Name != "" {
				out[i].Name = st.Name
			}
			if st.Up {
				out[i].GNBsUp++
			}
			out[i].SetUps += st.SetUps
			out[i].InitialUEMessages += st.InitialUEMessages
		}
	}
	return out
}
