package api

import (
	"testing"

	"github.com/keelcore/keel/internal/ident"
)

// TestGUTIText pins the management API's form of a 5G-GUTI, which tools
// read: dashes between PLMN, AMF identifier and 5G-TMSI, unlike the
// TS 29.518 form of ident.GUTI.String.
func TestGUTIText(t *testing.T) {
	g := ident.GUTI{GUAMI: ident.GUAMI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, RegionID: 1, SetID: 1}, TMSI: 0xb}
	if got, want := GUTIText(g), "5g-guti-00101-010040-0000000b"; got != want {
		t.Errorf("GUTIText(%+v) = %q, want %q", g, got, want)
	}
	if got, want := g.String(), "5g-guti-001010100400000000b"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
