package ngap

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
	"github.com/keelcore/keel/internal/ident"
)

// SessionItem is one PDU session of a PDU Session Resource Setup Request
// (TS 38.413 §9.2.1.1), an Initial Context Setup Request (§9.2.2.1) or a
// PDU Session Resource Release Command (§9.2.1.3). Transfer is the
// SMF's container: a Setup Request Transfer (SetupRequestTransfer.Encode)
// or a Release Command Transfer (ReleaseCommandTransfer.Encode). NASPDU
// (the PDU Session NAS-PDU, for the UE) and SNSSAI belong to a setup
// only; a release command ignores them.
type SessionItem struct {
	PDUSessionID uint8
	NASPDU       []byte
	SNSSAI       ident.SNSSAI
	Transfer     []byte
}

// SessionResult is the gNB's answer for one PDU session, in a PDU
// Session Resource Setup or Release Response or an Initial Context Setup
// Response or Failure: a Setup Response Transfer, a Setup Unsuccessful
// Transfer (Failed) or a Release Response Transfer.
type SessionResult struct {
	PDUSessionID uint8
	Transfer     []byte
	Failed       bool
}

// checkSessions checks what every list of PDU sessions needs: 1 to
// MaxPDUSessions sessions (TS 38.413 §9.4.7), each once (§8.2.1.4 and
// §8.2.2.4 make a repeated PDU Session ID an error), each with a
// transfer.
func checkSessions(n int, id func(int) uint8, transfer func(int) []byte) error {
	if n == 0 || n > MaxPDUSessions {
		return fmt.Errorf("%d PDU sessions, want 1 to %d", n, MaxPDUSessions)
	}
	var seen [256]bool
	for i := range n {
		if seen[id(i)] {
			return fmt.Errorf("PDU session %d listed twice", id(i))
		}
		seen[id(i)] = true
		if len(transfer(i)) == 0 {
			return fmt.Errorf("PDU session %d without a transfer", id(i))
		}
	}
	return nil
}

// checkSetupItems checks the sessions of a setup list (PDU Session
// Resource Setup Request, Initial Context Setup Request): those of every
// list, and an SD that fits its 24 bits (TS 38.413 §9.3.1.24).
func checkSetupItems(items []SessionItem) error {
	if err := checkSessions(len(items), func(i int) uint8 { return items[i].PDUSessionID }, func(i int) []byte { return items[i].Transfer }); err != nil {
		return err
	}
	for _, it := range items {
		if it.SNSSAI.HasSD && it.SNSSAI.SD > 0xffffff {
			return fmt.Errorf("PDU session %d: SD %#x exceeds 24 bits", it.PDUSessionID, it.SNSSAI.SD)
		}
	}
	return nil
}

// checkResults checks the results of a response's lists.
func checkResults(results []SessionResult) error {
	return checkSessions(len(results), func(i int) uint8 { return results[i].PDUSessionID }, func(i int) []byte { return results[i].Transfer })
}

// PDUSessionResourceSetupRequest builds the request with which the AMF
// has the gNB set up PDU session resources (TS 38.413 §8.2.1,
// §9.2.1.1): AMF UE NGAP ID, RAN UE NGAP ID and the PDU Session Resource
// Setup Request List are mandatory; each item's NAS-PDU (the 5GSM
// accept, carried in a DL NAS TRANSPORT) is included when set. The
// message refers to the items' bytes without copying them.
func PDUSessionResourceSetupRequest(amfUE, ranUE int64, items []SessionItem) (*message.PDUSessionResourceSetupRequest, error) {
	if err := checkSetupItems(items); err != nil {
		return nil, fmt.Errorf("ngap: PDUSessionResourceSetupRequest: %w", err)
	}
	list := &ie.PDUSessionResourceSetupListSUReq{List: make([]ie.PDUSessionResourceSetupItemSUReq, 0, len(items))}
	for _, it := range items {
		tr := aper.OctetString(it.Transfer)
		item := ie.PDUSessionResourceSetupItemSUReq{
			PDUSessionID:                           &ie.PDUSessionID{Value: int64(it.PDUSessionID)},
			SNSSAI:                                 EncodeSNSSAI(it.SNSSAI),
			PDUSessionResourceSetupRequestTransfer: &tr,
		}
		if len(it.NASPDU) > 0 {
			item.PDUSessionNASPDU = &ie.NASPDU{Value: it.NASPDU}
		}
		list.List = append(list.List, item)
	}
	return &message.PDUSessionResourceSetupRequest{
		AMFUENGAPID:                      &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID:                      &ie.RANUENGAPID{Value: ranUE},
		PDUSessionResourceSetupListSUReq: list,
	}, nil
}

// UEAMBR encodes a UE Aggregate Maximum Bit Rate (TS 38.413 §9.3.1.58)
// in bit/s, for the optional IE of a PDU Session Resource Setup Request
// (m.UEAggregateMaximumBitRate): the gNB needs it with the first
// session when the Initial Context Setup did not carry it.
func UEAMBR(downlink, uplink uint64) (*ie.UEAggregateMaximumBitRate, error) {
	if downlink > maxBitRate || uplink > maxBitRate {
		return nil, fmt.Errorf("ngap: UE AMBR %d/%d bit/s exceeds %d", downlink, uplink, uint64(maxBitRate))
	}
	return &ie.UEAggregateMaximumBitRate{
		UEAggregateMaximumBitRateDL: &ie.BitRate{Value: int64(downlink)},
		UEAggregateMaximumBitRateUL: &ie.BitRate{Value: int64(uplink)},
	}, nil
}

// DecodePDUSessionResourceSetupRequest reads what the gNB needs of a PDU
// Session Resource Setup Request. A missing mandatory IE of §9.2.1.1 or
// of an item is an error; repeated PDU session IDs are returned as they
// came (§8.2.1.4: the gNB fails the repeated ones). NASPDU and Transfer
// refer to the message's bytes.
func DecodePDUSessionResourceSetupRequest(m *message.PDUSessionResourceSetupRequest) (amfUE, ranUE int64, items []SessionItem, err error) {
	const name = "ngap: PDUSessionResourceSetupRequest"
	if m == nil || m.AMFUENGAPID == nil || m.RANUENGAPID == nil {
		return 0, 0, nil, errors.New(name + ": missing UE NGAP IDs")
	}
	if m.PDUSessionResourceSetupListSUReq == nil || len(m.PDUSessionResourceSetupListSUReq.List) == 0 {
		return 0, 0, nil, errors.New(name + ": missing PDU Session Resource Setup Request List")
	}
	items = make([]SessionItem, 0, len(m.PDUSessionResourceSetupListSUReq.List))
	for _, x := range m.PDUSessionResourceSetupListSUReq.List {
		it, err := setupItem(x.PDUSessionID, x.SNSSAI, x.PDUSessionNASPDU, x.PDUSessionResourceSetupRequestTransfer)
		if err != nil {
			return 0, 0, nil, fmt.Errorf("%s: %w", name, err)
		}
		items = append(items, it)
	}
	return m.AMFUENGAPID.Value, m.RANUENGAPID.Value, items, nil
}

// setupItem reads one item of a setup list; NASPDU and Transfer refer to
// the message's bytes.
func setupItem(pid *ie.PDUSessionID, snssai *ie.SNSSAI, nas *ie.NASPDU, tr *aper.OctetString) (SessionItem, error) {
	id, err := sessionID(pid)
	if err != nil {
		return SessionItem{}, err
	}
	if tr == nil || len(*tr) == 0 {
		return SessionItem{}, fmt.Errorf("PDU session %d: missing PDU Session Resource Setup Request Transfer", id)
	}
	s, err := DecodeSNSSAI(snssai)
	if err != nil {
		return SessionItem{}, fmt.Errorf("PDU session %d: %w", id, err)
	}
	it := SessionItem{PDUSessionID: id, SNSSAI: s, Transfer: *tr}
	if nas != nil {
		it.NASPDU = nas.Value
	}
	return it, nil
}

func sessionID(x *ie.PDUSessionID) (uint8, error) {
	if x == nil || x.Value < 0 || x.Value > 255 {
		return 0, errors.New("PDU session item without a PDU Session ID")
	}
	return uint8(x.Value), nil
}

// PDUSessionResourceSetupResponse builds the gNB's answer (TS 38.413
// §9.2.1.2): the sessions set up go to the PDU Session Resource Setup
// Response List with their Setup Response Transfer, the Failed ones to
// the Failed to Setup List with their Setup Unsuccessful Transfer. Both
// lists are optional; empty results build neither.
func PDUSessionResourceSetupResponse(amfUE, ranUE int64, results []SessionResult) (*message.PDUSessionResourceSetupResponse, error) {
	m := &message.PDUSessionResourceSetupResponse{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID: &ie.RANUENGAPID{Value: ranUE},
	}
	if len(results) == 0 {
		return m, nil
	}
	if err := checkResults(results); err != nil {
		return nil, fmt.Errorf("ngap: PDUSessionResourceSetupResponse: %w", err)
	}
	for _, r := range results {
		tr := aper.OctetString(r.Transfer)
		id := &ie.PDUSessionID{Value: int64(r.PDUSessionID)}
		if r.Failed {
			if m.PDUSessionResourceFailedToSetupListSURes == nil {
				m.PDUSessionResourceFailedToSetupListSURes = &ie.PDUSessionResourceFailedToSetupListSURes{}
			}
			m.PDUSessionResourceFailedToSetupListSURes.List = append(m.PDUSessionResourceFailedToSetupListSURes.List,
				ie.PDUSessionResourceFailedToSetupItemSURes{PDUSessionID: id, PDUSessionResourceSetupUnsuccessfulTransfer: &tr})
			continue
		}
		if m.PDUSessionResourceSetupListSURes == nil {
			m.PDUSessionResourceSetupListSURes = &ie.PDUSessionResourceSetupListSURes{}
		}
		m.PDUSessionResourceSetupListSURes.List = append(m.PDUSessionResourceSetupListSURes.List,
			ie.PDUSessionResourceSetupItemSURes{PDUSessionID: id, PDUSessionResourceSetupResponseTransfer: &tr})
	}
	return m, nil
}

// DecodePDUSessionResourceSetupResponse reads the results of a PDU
// Session Resource Setup Response, those set up first. The UE NGAP IDs
// are read by UEIDs. Transfers refer to the message's bytes.
func DecodePDUSessionResourceSetupResponse(m *message.PDUSessionResourceSetupResponse) ([]SessionResult, error) {
	const name = "ngap: PDUSessionResourceSetupResponse"
	if m == nil || m.AMFUENGAPID == nil || m.RANUENGAPID == nil {
		return nil, errors.New(name + ": missing UE NGAP IDs")
	}
	var out []SessionResult
	if l := m.PDUSessionResourceSetupListSURes; l != nil {
		for _, x := range l.List {
			r, err := sessionResult(x.PDUSessionID, x.PDUSessionResourceSetupResponseTransfer, false)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out = append(out, r)
		}
	}
	if l := m.PDUSessionResourceFailedToSetupListSURes; l != nil {
		for _, x := range l.List {
			r, err := sessionResult(x.PDUSessionID, x.PDUSessionResourceSetupUnsuccessfulTransfer, true)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

func sessionResult(id *ie.PDUSessionID, tr *aper.OctetString, failed bool) (SessionResult, error) {
	psi, err := sessionID(id)
	if err != nil {
		return SessionResult{}, err
	}
	if tr == nil || len(*tr) == 0 {
		return SessionResult{}, fmt.Errorf("PDU session %d without a transfer", psi)
	}
	return SessionResult{PDUSessionID: psi, Transfer: *tr, Failed: failed}, nil
}

// PDUSessionResourceReleaseCommand builds the command with which the AMF
// has the gNB release PDU session resources (TS 38.413 §8.2.2,
// §9.2.1.3): each item carries its Release Command Transfer; nasPDU (the
// PDU SESSION RELEASE COMMAND for the UE, in a DL NAS TRANSPORT) is
// included when set. The message refers to the bytes without copying.
func PDUSessionResourceReleaseCommand(amfUE, ranUE int64, nasPDU []byte, items []SessionItem) (*message.PDUSessionResourceReleaseCommand, error) {
	err := checkSessions(len(items), func(i int) uint8 { return items[i].PDUSessionID }, func(i int) []byte { return items[i].Transfer })
	if err != nil {
		return nil, fmt.Errorf("ngap: PDUSessionResourceReleaseCommand: %w", err)
	}
	list := &ie.PDUSessionResourceToReleaseListRelCmd{List: make([]ie.PDUSessionResourceToReleaseItemRelCmd, 0, len(items))}
	for _, it := range items {
		tr := aper.OctetString(it.Transfer)
		list.List = append(list.List, ie.PDUSessionResourceToReleaseItemRelCmd{
			PDUSessionID:                             &ie.PDUSessionID{Value: int64(it.PDUSessionID)},
			PDUSessionResourceReleaseCommandTransfer: &tr,
		})
	}
	m := &message.PDUSessionResourceReleaseCommand{
		AMFUENGAPID:                           &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID:                           &ie.RANUENGAPID{Value: ranUE},
		PDUSessionResourceToReleaseListRelCmd: list,
	}
	if len(nasPDU) > 0 {
		m.NASPDU = &ie.NASPDU{Value: nasPDU}
	}
	return m, nil
}

// DecodePDUSessionResourceReleaseCommand reads a PDU Session Resource
// Release Command. Items carry the PDU session ID and the Release
// Command Transfer. nasPDU and the transfers refer to the message's bytes.
func DecodePDUSessionResourceReleaseCommand(m *message.PDUSessionResourceReleaseCommand) (amfUE, ranUE int64, nasPDU []byte, items []SessionItem, err error) {
	const name = "ngap: PDUSessionResourceReleaseCommand"
	if m == nil || m.AMFUENGAPID == nil || m.RANUENGAPID == nil {
		return 0, 0, nil, nil, errors.New(name + ": missing UE NGAP IDs")
	}
	if m.PDUSessionResourceToReleaseListRelCmd == nil || len(m.PDUSessionResourceToReleaseListRelCmd.List) == 0 {
		return 0, 0, nil, nil, errors.New(name + ": missing PDU Session Resource to Release List")
	}
	for _, x := range m.PDUSessionResourceToReleaseListRelCmd.List {
		r, err := sessionResult(x.PDUSessionID, x.PDUSessionResourceReleaseCommandTransfer, false)
		if err != nil {
			return 0, 0, nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		items = append(items, SessionItem{PDUSessionID: r.PDUSessionID, Transfer: r.Transfer})
	}
	if m.NASPDU != nil {
		nasPDU = m.NASPDU.Value
	}
	return m.AMFUENGAPID.Value, m.RANUENGAPID.Value, nasPDU, items, nil
}

// PDUSessionResourceReleaseResponse builds the gNB's answer (TS 38.413
// §9.2.1.4): the mandatory PDU Session Resource Released List, each
// session with its Release Response Transfer (Failed is ignored).
func PDUSessionResourceReleaseResponse(amfUE, ranUE int64, results []SessionResult) (*message.PDUSessionResourceReleaseResponse, error) {
	err := checkSessions(len(results), func(i int) uint8 { return results[i].PDUSessionID }, func(i int) []byte { return results[i].Transfer })
	if err != nil {
		return nil, fmt.Errorf("ngap: PDUSessionResourceReleaseResponse: %w", err)
	}
	list := &ie.PDUSessionResourceReleasedListRelRes{List: make([]ie.PDUSessionResourceReleasedItemRelRes, 0, len(results))}
	for _, r := range results {
		tr := aper.OctetString(r.Transfer)
		list.List = append(list.List, ie.PDUSessionResourceReleasedItemRelRes{
			PDUSessionID: &ie.PDUSessionID{Value: int64(r.PDUSessionID)},
			PDUSessionResourceReleaseResponseTransfer: &tr,
		})
	}
	return &message.PDUSessionResourceReleaseResponse{
		AMFUENGAPID:                          &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID:                          &ie.RANUENGAPID{Value: ranUE},
		PDUSessionResourceReleasedListRelRes: list,
	}, nil
}

// DecodePDUSessionResourceReleaseResponse reads the sessions a PDU
// Session Resource Release Response reports released. The UE NGAP IDs
// are read by UEIDs. Transfers refer to the message's bytes.
func DecodePDUSessionResourceReleaseResponse(m *message.PDUSessionResourceReleaseResponse) ([]SessionResult, error) {
	const name = "ngap: PDUSessionResourceReleaseResponse"
	if m == nil || m.AMFUENGAPID == nil || m.RANUENGAPID == nil {
		return nil, errors.New(name + ": missing UE NGAP IDs")
	}
	if m.PDUSessionResourceReleasedListRelRes == nil || len(m.PDUSessionResourceReleasedListRelRes.List) == 0 {
		return nil, errors.New(name + ": missing PDU Session Resource Released List")
	}
	out := make([]SessionResult, 0, len(m.PDUSessionResourceReleasedListRelRes.List))
	for _, x := range m.PDUSessionResourceReleasedListRelRes.List {
		r, err := sessionResult(x.PDUSessionID, x.PDUSessionResourceReleaseResponseTransfer, false)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, r)
	}
	return out, nil
}
