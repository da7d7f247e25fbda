package config

import (
	"net/netip"
	"strings"
	"time"
)

// validateSMFUPFs checks upf.tun, smf.n4.heartbeat_interval and smf.upfs: each
// UPF at a specific N4 address of its own, its DNNs among dnns with
// pools within the DNN's, its slices among slices, its TACs 24 bits;
// the pools the UPFs use (an entry's own, else the DNN's) overlap no
// other, unless the same (one pool, shared).
func (c Config) validateSMFUPFs() *Error {
	if n := c.UPF.TUN; n == "" || len(n) > 15 || strings.ContainsAny(n, "/: \t\n") || n == "." || n == ".." {
		return errorf("upf.tun", "must be a network device name of 1 to 15 characters without '/', ':' or spaces, got %q", n)
	}
	if hb := c.SMF.N4.HeartbeatInterval; hb < 100*time.Millisecond || hb > 10*time.Minute {
		return errorf("smf.n4.heartbeat_interval", "must be 100ms..10m, got %s", hb)
	}
	// The pools the UPFs use: an entry's own, else its DNN's in dnns.
	type pool struct {
		key string
		p   netip.Prefix
	}
	var pools []pool
	topPools := func(i int) []pool {
		d := c.DNNs[i]
		var out []pool
		for _, p := range []pool{{index("dnns", i) + ".ipv4_pool", d.IPv4Pool}, {index("dnns", i) + ".ipv6_pool", d.IPv6Pool}} {
			if p.p.IsValid() {
				out = append(out, p)
			}
		}
		return out
	}
	seen := map[netip.AddrPort]int{}
	for i, u := range c.SMF.UPFs {
		key := index("smf.upfs", i)
		if !u.N4.IsValid() || u.N4.Addr().IsUnspecified() || u.N4.Port() == 0 {
			return errorf(key+".n4", "must be a specific address and port, got %q", u.N4)
		}
		if j, dup := seen[u.N4]; dup {
			return errorf(key+".n4", "%s is also smf.upfs[%d].n4", u.N4, j)
		}
		seen[u.N4] = i
		if err := validateUnicastList(key+".peers", key+".peers", u.Peers); err != nil {
			return err
		}
		if len(u.DNNs) == 0 {
			for i := range c.DNNs {
				pools = append(pools, topPools(i)...)
			}
		}
		for j, d := range u.DNNs {
			dk := index(key+".dnns", j)
			ti := c.dnn(d.Name)
			if ti < 0 {
				return errorf(dk+".name", "%q is not the name of an entry of dnns", d.Name)
			}
			top := c.DNNs[ti]
			for _, p := range topPools(ti) {
				if (p.p.Addr().Is4() && !d.IPv4Pool.IsValid()) || (p.p.Addr().Is6() && !d.IPv6Pool.IsValid()) {
					pools = append(pools, p)
				}
			}
			for _, p := range []struct {
				key  string
				p    netip.Prefix
				v6   bool
				in   netip.Prefix
				name string
			}{
				{dk + ".ipv4_pool", d.IPv4Pool, false, top.IPv4Pool, "IPv4"},
				{dk + ".ipv6_pool", d.IPv6Pool, true, top.IPv6Pool, "IPv6"},
			} {
				if !p.p.IsValid() {
					continue
				}
				if !p.in.IsValid() {
					return errorf(p.key, "dnn %q offers no %s (its entry in dnns has no pool of it)", d.Name, p.name)
				}
				if err := validatePool(p.key, p.p, p.v6); err != nil {
					return err
				}
				if p.p.Bits() < p.in.Bits() || !p.in.Contains(p.p.Addr()) {
					return errorf(p.key, "%s is not within %s, the pool of dnn %q in dnns", p.p, p.in, d.Name)
				}
				pools = append(pools, pool{p.key, p.p})
			}
		}
		for j, s := range u.Slices {
			found := false
			for _, t := range c.Slices {
				if t.SNSSAI() == s.SNSSAI() {
					found = true
				}
			}
			if !found {
				return errorf(index(key+".slices", j), "sst %d, sd %q is not among slices", s.SST, s.SD)
			}
		}
		for j, t := range u.TACs {
			if t > maxTAC {
				return errorf(index(key+".tacs", j), "must be 0..%d (24 bits), got %d", maxTAC, t)
			}
		}
	}
	for j, b := range pools {
		for _, a := range pools[:j] {
			if a.p.Masked() != b.p.Masked() && a.p.Overlaps(b.p) {
				return errorf(b.key, "%s overlaps %s (%s), which another UPF uses: UPFs use one pool each or share one whole", b.p, a.p, a.key)
			}
		}
	}
	return nil
}

// dnn finds the index of the entry of dnns with the name, without
// regard to case (TS 23.003 §9.1); -1 when there is none.
func (c Config) dnn(name string) int {
	for i := range c.DNNs {
		if strings.EqualFold(c.DNNs[i].Name, name) {
			return i
		}
	}
	return -1
}
