package ngap

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/keelcore/keel/internal/ident"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

func testPaging() PagingRequest {
	return PagingRequest{TMSI: testTMSI, TAIs: []ident.TAI{testLoc.TAI, {PLMN: ident.PLMN{MCC: "310", MNC: "410"}, TAC: ident.MaxTAC}}, DRX: PagingDRX256, Priority: MaxPagingPriority}
}

func TestPagingRoundTrip(t *testing.T) {
	full := testPaging()
	full.TAIs = nil
	for i := range MaxTAIsForPaging {
		full.TAIs = append(full.TAIs, ident.TAI{PLMN: testPLMN, TAC: uint32(i) << 16})
	}
	for _, want := range []PagingRequest{
		testPaging(),
		{TMSI: FiveGSTMSI{SetID: 0x3ff, Pointer: 0x3f, TMSI: 0xffffffff}, TAIs: []ident.TAI{testLoc.TAI}},
		full,
	} {
		m, err := Paging(want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodePaging(roundTrip(t, m))
		if diff := cmp.Diff(want, got); err != nil || diff != "" {
			t.Errorf("Paging round trip = %v, diff (-want +got):\n%s", err, diff)
		}
	}
}

// The optional IEs' codepoints: Paging DRX v32..v256 (§9.3.1.90) and
// PrioLevel1..8 (§9.3.1.78) are the enumerations' 0 to 3 and 0 to 7.
func TestPagingOptionalIEs(t *testing.T) {
	for drx, want := range map[PagingDRX]aper.Enumerated{
		PagingDRX32: ie.PagingDRXPresentV32, PagingDRX64: ie.PagingDRXPresentV64,
		PagingDRX128: ie.PagingDRXPresentV128, PagingDRX256: ie.PagingDRXPresentV256,
	} {
		p := testPaging()
		p.DRX = drx
		m, err := Paging(p)
		if err != nil || m.PagingDRX == nil || m.PagingDRX.Value != want {
			t.Errorf("Paging(DRX %d) Paging DRX = %+v, %v, want %d", drx, m.PagingDRX, err, want)
		}
	}
	for prio, want := range map[PagingPriority]aper.Enumerated{1: ie.PagingPriorityPresentPriolevel1, 8: ie.PagingPriorityPresentPriolevel8} {
		p := testPaging()
		p.Priority = prio
		m, err := Paging(p)
		if err != nil || m.PagingPriority == nil || m.PagingPriority.Value != want {
			t.Errorf("Paging(priority %d) Paging Priority = %+v, %v, want %d", prio, m.PagingPriority, err, want)
		}
	}
	m, err := Paging(PagingRequest{TMSI: testTMSI, TAIs: []ident.TAI{testLoc.TAI}})
	if err != nil || m.PagingDRX != nil || m.PagingPriority != nil {
		t.Errorf("Paging(no DRX, no priority) = %+v, %v, want neither IE", m, err)
	}
	// Paging is not UE-associated (§8.5.1).
	if a, okA, r, okR := UEIDs(roundTrip(t, m)); okA || okR {
		t.Errorf("UEIDs(Paging) = %d %t %d %t, want none", a, okA, r, okR)
	}
}

func TestPagingErrors(t *testing.T) {
	for name, mod := range map[string]func(*PagingRequest){
		"no TAI":        func(p *PagingRequest) { p.TAIs = nil },
		"17 TAIs":       func(p *PagingRequest) { p.TAIs = make([]ident.TAI, MaxTAIsForPaging+1) },
		"bad PLMN":      func(p *PagingRequest) { p.TAIs[1].PLMN = ident.PLMN{} },
		"wide TAC":      func(p *PagingRequest) { p.TAIs[0].TAC = ident.MaxTAC + 1 },
		"11-bit set":    func(p *PagingRequest) { p.TMSI.SetID = 1 << 10 },
		"7-bit pointer": func(p *PagingRequest) { p.TMSI.Pointer = 1 << 6 },
		"DRX 512":       func(p *PagingRequest) { p.DRX = PagingDRX256 + 1 },
		"priority 9":    func(p *PagingRequest) { p.Priority = MaxPagingPriority + 1 },
	} {
		p := testPaging()
		mod(&p)
		if m, err := Paging(p); err == nil || !strings.HasPrefix(err.Error(), "ngap: Paging: ") {
			t.Errorf("Paging(%s) = %+v, %v, want an error", name, m, err)
		}
	}

	for name, mod := range map[string]func(*message.Paging){
		"no identity":    func(m *message.Paging) { m.UEPagingIdentity = nil },
		"empty identity": func(m *message.Paging) { m.UEPagingIdentity.Choice = nil },
		"extension identity": func(m *message.Paging) {
			m.UEPagingIdentity.Choice = &ie.ProtocolIESingleContainerUEPagingIdentityExtIEs{}
		},
		"short 5G-TMSI":      func(m *message.Paging) { m.UEPagingIdentity.Choice.(*ie.FiveGSTMSI).FiveGTMSI.Value = []byte{1, 2} },
		"no TAI list":        func(m *message.Paging) { m.TAIListForPaging = nil },
		"empty TAI list":     func(m *message.Paging) { m.TAIListForPaging.List = nil },
		"17 TAIs":            func(m *message.Paging) { m.TAIListForPaging.List = make([]ie.TAIListForPagingItem, MaxTAIsForPaging+1) },
		"item without TAI":   func(m *message.Paging) { m.TAIListForPaging.List[1].TAI = nil },
		"TAC of 2 octets":    func(m *message.Paging) { m.TAIListForPaging.List[0].TAI.TAC.Value = []byte{1, 2} },
		"DRX extension":      func(m *message.Paging) { m.PagingDRX.Value = 4 },
		"priority extension": func(m *message.Paging) { m.PagingPriority.Value = 8 },
	} {
		m, err := Paging(testPaging())
		if err != nil {
			t.Fatal(err)
		}
		mod(m)
		if got, err := DecodePaging(m); err == nil || !strings.HasPrefix(err.Error(), "ngap: Paging: ") {
			t.Errorf("DecodePaging(%s) = %+v, %v, want an error", name, got, err)
		}
	}
	if _, err := DecodePaging(nil); err == nil {
		t.Error("DecodePaging(nil) = nil error")
	}
}
