package app

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/keelcore/keel/internal/config"
)

// networkAttrs describe the network the core serves, for its start log:
// the PLMN (MCC then MNC digits, as `keel sim --plmn` takes them), the
// tracking area codes, the slices (SST, and SD in hexadecimal) and the
// DNNs with their address pools.
func networkAttrs(cfg config.Config) []any {
	tacs := make([]string, len(cfg.TACs))
	for i, t := range cfg.TACs {
		tacs[i] = strconv.FormatUint(uint64(t), 10)
	}
	slices := make([]string, len(cfg.Slices))
	for i, s := range cfg.Slices {
		slices[i] = fmt.Sprintf("sst %d", s.SST)
		if n := s.SNSSAI(); n.HasSD {
			slices[i] += fmt.Sprintf(" sd %06x", n.SD)
		}
	}
	dnns := make([]string, len(cfg.DNNs))
	for i, d := range cfg.DNNs {
		dnns[i] = d.Name
		if d.IPv4Pool.IsValid() {
			dnns[i] += " ipv4 " + d.IPv4Pool.String()
		}
		if d.IPv6Pool.IsValid() {
			dnns[i] += " ipv6 " + d.IPv6Pool.String()
		}
	}
	return []any{
		slog.String("plmn", cfg.PLMN.MCC+cfg.PLMN.MNC),
		slog.String("tacs", strings.Join(tacs, ", ")),
		slog.String("slices", strings.Join(slices, ", ")),
		slog.String("dnns", strings.Join(dnns, ", ")),
	}
}
