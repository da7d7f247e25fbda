package amf

import (
	"fmt"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
)

// Paging goes only to set-up gNBs serving a TA of the list, each with the
// TAIs of the list it serves (TAC and PLMN both match), at most 16.
func TestPagingTargets(t *testing.T) {
	home, other := ident.PLMN{MCC: "001", MNC: "01"}, ident.PLMN{MCC: "999", MNC: "99"}
	a, err := New(Config{PLMN: home, GUAMI: ident.GUAMI{PLMN: home}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	gnb := func(name string, ready bool, tas ...ngap.TA) *ran {
		r := &ran{}
		r.mu.name, r.mu.tas = name, tas
		if ready {
			r.mu.state = ranReady
		}
		a.mu.rans[r] = struct{}{}
		return r
	}
	ta := func(tac uint32, p ident.PLMN) ngap.TA { return ngap.TA{TAC: tac, PLMNs: []ident.PLMN{p}} }
	var many []ngap.TA
	var manyTAIs []ident.TAI
	for tac := range uint32(20) {
		many = append(many, ta(100+tac, home))
		manyTAIs = append(manyTAIs, ident.TAI{PLMN: home, TAC: 100 + tac})
	}
	gnb("tac1", true, ta(1, home))
	gnb("tac2", true, ta(2, home), ta(7, home))
	gnb("tac3", true, ta(3, home))
	gnb("tac1-other-plmn", true, ta(1, other))
	gnb("tac1-not-set-up", false, ta(1, home))
	gnb("many", true, many...)
	tais := append([]ident.TAI{{PLMN: home, TAC: 1}, {PLMN: home, TAC: 2}}, manyTAIs...)
	got := map[string]string{}
	for _, p := range a.pagingTargets(tais) {
		got[p.r.mu.name] = fmt.Sprint(len(p.tais), p.tais[0])
	}
	want := map[string]string{"tac1": "1 001-01-000001", "tac2": "1 001-01-000002", "many": "16 001-01-000064"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pagingTargets = %v, want %v", got, want)
	}
}
