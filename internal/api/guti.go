package api

import (
	"fmt"

	"github.com/keelcore/keel/internal/ident"
)

// GUTIText is the 5G-GUTI as the management API shows it: dashes between
// PLMN, AMF identifier and 5G-TMSI ("5g-guti-00101-010040-0000000b").
// Tools read this form, so it stays apart from the TS 29.518 form of
// ident.GUTI.String.
func GUTIText(g ident.GUTI) string {
	return fmt.Sprintf("5g-guti-%s%s-%06x-%08x", g.PLMN.MCC, g.PLMN.MNC, g.AMFID(), g.TMSI)
}
