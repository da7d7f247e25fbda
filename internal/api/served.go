package api

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/keelcore/keel/internal/ippool"
	"github.com/keelcore/keel/internal/store"
)

// Served is what the core's configuration serves. Subscriptions are
// checked against it, so that the API refuses what no session could use:
// a DNN the SMF does not offer, a static address outside the DNN's pool or
// one the network keeps for itself.
type Served struct {
	// DNNs are the data networks the SMF offers; nil checks nothing (a
	// store that no core serves).
	DNNs []ServedDNN
	// N6 are the UPF's own addresses on the UEs' networks (the gateway
	// of every pool); no UE may be given one.
	N6 []netip.Addr
}

// ServedDNN is one data network and its UE address pools.
type ServedDNN struct {
	Name string
	// IPv4Pool and IPv6Pool are the networks UE addresses come from; an
	// invalid Prefix means the DNN offers no address of that family.
	IPv4Pool netip.Prefix
	IPv6Pool netip.Prefix
}

// check refuses the DNN settings a request sets (req.DNNs, which sub.DNNs
// holds at the same indexes) that the core does not serve. Settings the
// request leaves as they are stored are not checked again: a DNN taken out
// of the configuration does not block changes to the rest of a
// subscription.
func (sv Served) check(req *SubscriberRequest, sub *store.Subscriber) error {
	if sv.DNNs == nil || req.DNNs == nil {
		return nil
	}
	for i, d := range sub.DNNs {
		field := fmt.Sprintf("dnns[%d]", i)
		j := slices.IndexFunc(sv.DNNs, func(s ServedDNN) bool { return strings.EqualFold(s.Name, d.DNN) })
		if j < 0 {
			return fieldErr(field+".dnn", "DNN %q is not served by this core (configured: %s)", d.DNN, sv.names())
		}
		dnn := sv.DNNs[j]
		if a := d.StaticIPv4; a.IsValid() {
			if err := sv.checkIPv4(a, dnn); err != nil {
				return fieldErr(field+".static_ipv4", "%v", err)
			}
		}
		if a := d.StaticIPv6; a.IsValid() {
			if err := sv.checkIPv6(a, dnn); err != nil {
				return fieldErr(field+".static_ipv6", "%v", err)
			}
		}
	}
	return nil
}

func (sv Served) names() string {
	names := make([]string, len(sv.DNNs))
	for i, d := range sv.DNNs {
		names[i] = d.Name
	}
	return strings.Join(names, ", ")
}

// checkIPv4 refuses a static IPv4 address the SMF could not give a UE on
// dnn: one outside the DNN's pool (TS 23.501 §5.8.2.2.1: a static address
// is routed to the UPF only within the pool) or one the pool keeps for the
// network (ippool: network, gateway and broadcast addresses).
func (sv Served) checkIPv4(a netip.Addr, dnn ServedDNN) error {
	p := dnn.IPv4Pool
	switch {
	case !p.IsValid():
		return fmt.Errorf("DNN %s offers no IPv4", dnn.Name)
	case !p.Contains(a):
		return fmt.Errorf("%s is outside the DNN's IPv4 pool %s", a, p)
	case slices.Contains(sv.N6, a) || a == p.Masked().Addr().Next():
		return fmt.Errorf("%s is the UPF's N6 address (the pool's gateway)", a)
	case a == p.Masked().Addr():
		return fmt.Errorf("%s is the network address of %s", a, p)
	case a == broadcast(p):
		return fmt.Errorf("%s is the broadcast address of %s", a, p)
	}
	return nil
}

// checkIPv6 refuses a static IPv6 address whose /64 the SMF could not give
// a UE on dnn: outside the DNN's pool or past the first ippool.MaxSlots
// /64s it hands out, or holding the UPF's N6 address.
func (sv Served) checkIPv6(a netip.Addr, dnn ServedDNN) error {
	p := dnn.IPv6Pool
	switch {
	case !p.IsValid():
		return fmt.Errorf("DNN %s offers no IPv6", dnn.Name)
	case !p.Contains(a):
		return fmt.Errorf("%s is outside the DNN's IPv6 pool %s", a, p)
	case high64(a)-high64(p.Masked().Addr()) >= ippool.MaxSlots:
		return fmt.Errorf("%s is past the first %d /64s of %s, which the pool hands out", a, ippool.MaxSlots, p)
	}
	for _, n6 := range sv.N6 {
		if n6.Is6() && high64(n6) == high64(a) {
			return fmt.Errorf("%s is in the /64 of the UPF's N6 address %s", a, n6)
		}
	}
	return nil
}

func broadcast(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	v := binary.BigEndian.Uint32(b[:]) | (1<<(32-p.Bits()) - 1)
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

func high64(a netip.Addr) uint64 {
	b := a.As16()
	return binary.BigEndian.Uint64(b[:8])
}
