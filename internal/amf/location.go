package amf

import (
	"fmt"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
)

// userLocation is a UE's location as the gNB reported it (TS 38.413
// §9.3.1.16) in the TS 29.571 §5.4.4.10 NrLocation form the SMF is given
// (TS 29.502 SmContextUpdateData ueLocation): the TAI with its 3-octet
// TAC and the NR CGI with its 36-bit cell identity, in hexadecimal.
func userLocation(l ngap.UELocation) *sbi.UserLocation {
	cell := l.CellPLMN
	if cell == (ident.PLMN{}) {
		cell = l.TAI.PLMN
	}
	return &sbi.UserLocation{NrLocation: &sbi.NrLocation{
		Tai:  l.TAI,
		Ncgi: sbi.Ncgi{PLMN: cell, NrCellID: fmt.Sprintf("%09x", l.CellID)},
	}}
}
