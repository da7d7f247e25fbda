package ngap

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
	"github.com/keelcore/keel/internal/ident"
)

// MaxTAIsForPaging is maxnoofTAIforPaging (TS 38.413 §9.2.4.1).
const MaxTAIsForPaging = 16

// PagingDRX is a UE-specific paging DRX cycle in radio frames (TS 38.413
// §9.3.1.90, TS 38.304 §7.1). The zero value leaves the optional Paging
// DRX IE out: the gNB then pages at its default cycle. The values are
// those of the 5GS DRX parameters a UE requests (TS 24.501 §9.11.3.2A),
// 0 there too meaning "not specified".
type PagingDRX uint8

const (
	PagingDRX32 PagingDRX = iota + 1
	PagingDRX64
	PagingDRX128
	PagingDRX256
)

// PagingPriority is a Paging Priority (TS 38.413 §9.3.1.78) from 1, the
// highest (PrioLevel1), to 8. The zero value leaves the optional IE out.
type PagingPriority uint8

// MaxPagingPriority is the lowest priority, PrioLevel8.
const MaxPagingPriority PagingPriority = 8

// PagingRequest is what the AMF asks the gNBs to page a UE with (TS
// 38.413 §8.5.1): the UE's 5G-S-TMSI as the UE Paging Identity
// (§9.3.3.18), the tracking areas to page it in, and optionally its DRX
// cycle and a priority.
type PagingRequest struct {
	TMSI FiveGSTMSI
	TAIs []ident. // 1 to MaxTAIsForPaging
		TAI
	DRX      PagingDRX
	Priority PagingPriority
}

// Paging builds the PAGING message of TS 38.413 §9.2.4.1: UE Paging
// Identity and TAI List for Paging are mandatory, Paging DRX and Paging
// Priority are included when set. Paging is not UE-associated: the AMF
// sends it on the association's non-UE-associated stream to every gNB
// serving one of the TAIs.
func Paging(p PagingRequest) (*message.Paging, error) {
	const name = "ngap: Paging"
	if len(p.TAIs) == 0 || len(p.TAIs) > MaxTAIsForPaging {
		return nil, fmt.Errorf("%s: %d TAIs, want 1 to %d", name, len(p.TAIs), MaxTAIsForPaging)
	}
	if p.DRX > PagingDRX256 {
		return nil, fmt.Errorf("%s: Paging DRX %d, want 1 (32) to 4 (256)", name, p.DRX)
	}
	if p.Priority > MaxPagingPriority {
		return nil, fmt.Errorf("%s: Paging Priority %d, want 1 to %d", name, p.Priority, MaxPagingPriority)
	}
	tmsi, err := p.TMSI.IE()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	list := &ie.TAIListForPaging{List: make([]ie.TAIListForPagingItem, 0, len(p.TAIs))}
	for _, t := range p.TAIs {
		x, err := EncodeTAI(t)
		if err != nil {
			return nil, fmt.Errorf("%s: TAI %s: %w", name, t, err)
		}
		list.List = append(list.List, ie.TAIListForPagingItem{TAI: x})
	}
	m := &message.Paging{
		UEPagingIdentity: &ie.UEPagingIdentity{Choice: tmsi},
		TAIListForPaging: list,
	}
	if p.DRX != 0 {
		m.PagingDRX = &ie.PagingDRX{Value: aper.Enumerated(p.DRX - 1)}
	}
	if p.Priority != 0 {
		m.PagingPriority = &ie.PagingPriority{Value: aper.Enumerated(p.Priority - 1)}
	}
	return m, nil
}

// DecodePaging reads what a gNB needs of a PAGING message (TS 38.413
// §9.2.4.1). A missing mandatory IE, a UE Paging Identity other than a
// 5G-S-TMSI, more TAIs than maxnoofTAIforPaging, or a Paging DRX or
// Paging Priority value this release does not define is an error.
func DecodePaging(m *message.Paging) (PagingRequest, error) {
	const name = "ngap: Paging"
	if m == nil {
		return PagingRequest{}, errors.New(name + ": no message")
	}
	if m.UEPagingIdentity == nil || m.UEPagingIdentity.Choice == nil {
		return PagingRequest{}, errors.New(name + ": missing UE Paging Identity")
	}
	if m.TAIListForPaging == nil || len(m.TAIListForPaging.List) == 0 {
		return PagingRequest{}, errors.New(name + ": missing TAI List for Paging")
	}
	if n := len(m.TAIListForPaging.List); n > MaxTAIsForPaging {
		return PagingRequest{}, fmt.Errorf("%s: %d TAIs for paging, at most %d", name, n, MaxTAIsForPaging)
	}
	x, ok := m.UEPagingIdentity.Choice.(*ie.FiveGSTMSI)
	if !ok {
		return PagingRequest{}, fmt.Errorf("%s: UE Paging Identity of kind %T, want a 5G-S-TMSI", name, m.UEPagingIdentity.Choice)
	}
	var p PagingRequest
	var err error
	if p.TMSI, err = DecodeFiveGSTMSI(x); err != nil {
		return PagingRequest{}, fmt.Errorf("%s: %w", name, err)
	}
	p.TAIs = make([]ident.TAI, 0, len(m.TAIListForPaging.List))
	for _, item := range m.TAIListForPaging.List {
		t, err := DecodeTAI(item.TAI)
		if err != nil {
			return PagingRequest{}, fmt.Errorf("%s: TAI List for Paging: %w", name, err)
		}
		p.TAIs = append(p.TAIs, t)
	}
	if d := m.PagingDRX; d != nil {
		if d.Value > aper.Enumerated(PagingDRX256-1) {
			return PagingRequest{}, fmt.Errorf("%s: Paging DRX value %d unknown", name, d.Value)
		}
		p.DRX = PagingDRX(d.Value + 1)
	}
	if pr := m.PagingPriority; pr != nil {
		if pr.Value > aper.Enumerated(MaxPagingPriority-1) {
			return PagingRequest{}, fmt.Errorf("%s: Paging Priority value %d unknown", name, pr.Value)
		}
		p.Priority = PagingPriority(pr.Value + 1)
	}
	return p, nil
}
