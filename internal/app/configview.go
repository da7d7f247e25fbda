package app

import (
	"fmt"
	"net/netip"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/config"
)

// configView is the configuration as GET /api/v1/config shows it, field
// by field: what the core serves and how its AMF is known, never a
// secret (the store's URL, which may hold a password, gives its engine
// only).
func configView(cfg config.Config) *api.ConfigView {
	v := &api.ConfigView{
		NFs:    append([]string{}, cfg.NFs...),
		PLMN:   cfg.PLMN.MCC + cfg.PLMN.MNC,
		TACs:   append([]uint32{}, cfg.TACs...),
		Slices: []api.SNSSAI{},
		DNNs:   []api.ConfigDNN{},
		AMF: api.ConfigAMF{
			Name: cfg.AMF.Name, RegionID: int(cfg.AMF.RegionID), SetID: int(cfg.AMF.SetID), Pointer: int(cfg.AMF.Pointer),
			Integrity: append([]string{}, cfg.AMF.Integrity...), Ciphering: append([]string{}, cfg.AMF.Ciphering...),
			T3512: cfg.AMF.T3512.String(), T3513: cfg.AMF.T3513.String(), PagingAttempts: int(cfg.AMF.PagingAttempts),
			MaxRegistering: int(cfg.AMF.MaxRegistering),
		},
		Addresses: map[string]string{},
		Store:     "sqlite",
	}
	if cfg.Store.URL != "" {
		v.Store = "postgresql"
	}
	for _, s := range cfg.Slices {
		n := api.SNSSAI{SST: int(s.SST)}
		if sn := s.SNSSAI(); sn.HasSD {
			n.SD = fmt.Sprintf("%06x", sn.SD)
		}
		v.Slices = append(v.Slices, n)
	}
	for _, d := range cfg.DNNs {
		c := api.ConfigDNN{Name: d.Name, Pools: []string{}, MTU: int(d.MTU)}
		for _, p := range []netip.Prefix{d.IPv4Pool, d.IPv6Pool} {
			if p.IsValid() {
				c.Pools = append(c.Pools, p.String())
			}
		}
		for _, a := range d.DNS {
			c.DNS = append(c.DNS, a.String())
		}
		for _, a := range d.PCSCF {
			c.PCSCF = append(c.PCSCF, a.String())
		}
		for _, r := range d.PCCRules {
			c.PCCRules = append(c.PCCRules, r.ID)
		}
		v.DNNs = append(v.DNNs, c)
	}
	for name, ap := range map[string]netip.AddrPort{"n2": cfg.N2.Address, "n3": cfg.N3.Address, "n4": cfg.N4.Address,
		"http": cfg.HTTP.Address, "sbi": cfg.SBI.Address} {
		if ap.IsValid() {
			v.Addresses[name] = ap.String()
		}
	}
	return v
}
