package amf_test

import (
	"testing"

	"github.com/keelcore/keel/internal/ident"
)

// A gNB that writes the AMF's SST 1 with SD ffffff, which means no SD
// (TS 23.003 §28.4.2), supports a common slice: NG Setup succeeds.
func TestNGSetupSliceNoSDValue(t *testing.T) {
	h := start(t, nil)
	cfg := gnbConfig(1)
	cfg.TAs[0].Slices = []ident.SNSSAI{{SST: 1, SD: ident.NoSD, HasSD: true}}
	if _, err := h.connect(cfg); err != nil {
		t.Errorf("Connect with SST 1 SD ffffff = %v, want NG Setup Response", err)
	}
}
