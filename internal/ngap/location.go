package ngap

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/ie"

	"github.com/keelcore/keel/internal/ident"
)

// EncodeTAI encodes a TAI (TS 38.413 §9.3.3.11).
func EncodeTAI(t ident.TAI) (*ie.TAI, error) {
	if t.TAC > ident.MaxTAC {
		return nil, fmt.Errorf("ngap: TAC %#x exceeds 24 bits", t.TAC)
	}
	p, err := EncodePLMN(t.PLMN)
	if err != nil {
		return nil, err
	}
	return &ie.TAI{PLMNIdentity: p, TAC: EncodeTAC(t.TAC)}, nil
}

// DecodeTAI is the inverse of EncodeTAI.
func DecodeTAI(x *ie.TAI) (ident.TAI, error) {
	if x == nil || x.PLMNIdentity == nil {
		return ident.TAI{}, errors.New("ngap: TAI missing or without a PLMN identity")
	}
	p, err := DecodePLMN(x.PLMNIdentity.Value)
	if err != nil {
		return ident.TAI{}, err
	}
	tac, err := DecodeTAC(x.TAC)
	if err != nil {
		return ident.TAI{}, err
	}
	return ident.TAI{PLMN: p, TAC: tac}, nil
}

// MaxNRCellID is the largest 36-bit NR Cell Identity (TS 38.413 §9.3.1.7).
const MaxNRCellID = 1<<36 - 1

// UELocation is the location of a UE as a gNB reports it: the NR variant of
// User Location Information (TS 38.413 §9.3.1.16), an NR CGI (§9.3.1.7) and
// the TAI of the cell. The optional Age of Location / Time Stamp is not
// sent.
type UELocation struct {
	TAI    ident.TAI // PLMN + TAC
	CellID uint64    // NR Cell Identity, 36 bits
	// CellPLMN is the PLMN of the NR CGI. When it is the zero PLMN, IE uses
	// TAI.PLMN, which is what a gNB serving one PLMN reports.
	CellPLMN ident.PLMN
}

func (l UELocation) String() string {
	return fmt.Sprintf("tai %s cell %s-%09x", l.TAI, l.CellPLMN, l.CellID)
}

// IE encodes the location as User Location Information, choice
// userLocationInformationNR.
func (l UELocation) IE() (*ie.UserLocationInformation, error) {
	if l.CellID > MaxNRCellID {
		return nil, fmt.Errorf("ngap: NR Cell Identity %#x exceeds 36 bits", l.CellID)
	}
	tai, err := EncodeTAI(l.TAI)
	if err != nil {
		return nil, err
	}
	cellPLMN := l.CellPLMN
	if cellPLMN.IsZero() {
		cellPLMN = l.TAI.PLMN
	}
	cp, err := EncodePLMN(cellPLMN)
	if err != nil {
		return nil, err
	}
	return &ie.UserLocationInformation{Choice: &ie.UserLocationInformationNR{
		NRCGI: &ie.NRCGI{PLMNIdentity: cp, NRCellIdentity: &ie.NRCellIdentity{Value: bitString(l.CellID, 36)}},
		TAI:   tai,
	}}, nil
}

// DecodeUELocation reads User Location Information. Only the NR variant is
// accepted: Keel serves NR gNBs, not ng-eNBs or N3IWFs.
func DecodeUELocation(x *ie.UserLocationInformation) (UELocation, error) {
	if x == nil || x.Choice == nil {
		return UELocation{}, errors.New("ngap: User Location Information missing")
	}
	nr, ok := x.Choice.(*ie.UserLocationInformationNR)
	if !ok {
		return UELocation{}, fmt.Errorf("ngap: User Location Information of kind %T, want the NR variant", x.Choice)
	}
	if nr == nil || nr.NRCGI == nil || nr.NRCGI.PLMNIdentity == nil || nr.NRCGI.NRCellIdentity == nil {
		return UELocation{}, errors.New("ngap: User Location Information without an NR CGI")
	}
	tai, err := DecodeTAI(nr.TAI)
	if err != nil {
		return UELocation{}, err
	}
	cp, err := DecodePLMN(nr.NRCGI.PLMNIdentity.Value)
	if err != nil {
		return UELocation{}, err
	}
	cell, err := bitStringValue(nr.NRCGI.NRCellIdentity.Value, 36, "NR Cell Identity")
	if err != nil {
		return UELocation{}, err
	}
	return UELocation{TAI: tai, CellID: cell, CellPLMN: cp}, nil
}
