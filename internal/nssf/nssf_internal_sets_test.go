package nssf

import (
	"testing"

	"github.com/keelcore/keel/internal/ident"
)

// A rebuild listing a TA's S-NSSAIs in another order is no change: no
// notification goes out for it.
func TestChangedTAsIgnoresOrder(t *testing.T) {
	ta1 := ident.TAI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, TAC: 1}
	ta2 := ident.TAI{PLMN: ta1.PLMN, TAC: 2}
	a, b := ident.SNSSAI{SST: 1}, ident.SNSSAI{SST: 2, SD: 1, HasSD: true}
	old := view{inTA: map[ident.TAI][]ident.SNSSAI{ta1: {a, b}, ta2: {a}}}
	cur := view{inTA: map[ident.TAI][]ident.SNSSAI{ta1: {b, a}, ta2: {b}}}
	if got := changedTAs(old, cur); len(got) != 1 || got[0] != ta2 {
		t.Errorf("changedTAs = %v, want [%v]", got, ta2)
	}
	gone := view{inTA: map[ident.TAI][]ident.SNSSAI{ta1: {a, b}}}
	if got := changedTAs(old, gone); len(got) != 1 || got[0] != ta2 {
		t.Errorf("changedTAs with a TA gone = %v, want [%v]", got, ta2)
	}
}
