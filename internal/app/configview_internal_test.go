package app

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/config"
)

// The configuration view shows what the core serves and never a secret:
// a PostgreSQL URL's password (and the URL itself) stays out.
func TestConfigViewWithoutSecrets(t *testing.T) {
	cfg := config.Default()
	cfg.Store.URL = "postgres://keel:s3cr3t-pw@db.example:5432/keel"
	cfg.DNNs[0].IPv4Pool = netip.MustParsePrefix("10.60.0.0/16")
	cfg.Slices = []config.Slice{{SST: 1}, {SST: 2, SD: "00000a"}}
	b, err := json.Marshal(configView(cfg))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, secret := range []string{"s3cr3t-pw", "db.example", "postgres://"} {
		if strings.Contains(s, secret) {
			t.Errorf("config view holds %q: %s", secret, s)
		}
	}
	v := configView(cfg)
	if v.Store != "postgresql" || v.PLMN != cfg.PLMN.MCC+cfg.PLMN.MNC || len(v.Slices) != 2 || v.Slices[1].SD != "00000a" ||
		len(v.DNNs) == 0 || v.DNNs[0].Pools[0] != "10.60.0.0/16" {
		t.Errorf("config view = %s", s)
	}
}
