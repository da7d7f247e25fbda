package ngap

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
)

// UESecurityCapabilities are the algorithms a UE supports, as the four
// 16-bit bitmaps of TS 38.413 §9.3.1.86. The first bit of each BIT STRING,
// the most significant bit here, is algorithm 1 (128-NEA1, 128-NIA1,
// 128-EEA1, 128-EIA1); algorithm 0 (NEA0, NIA0, ...) is always supported
// and never signalled.
type UESecurityCapabilities struct {
	NREncryption, NRIntegrity, EUTRAEncryption, EUTRAIntegrity uint16
}

// Algorithm bits of a UESecurityCapabilities bitmap (TS 38.413 §9.3.1.86;
// the algorithms are those of TS 33.501 §5.11.1 and TS 33.401).
const (
	AlgSNOW3G uint16 = 1 << 15 // 128-NEA1 / 128-NIA1 / 128-EEA1 / 128-EIA1
	AlgAES    uint16 = 1 << 14 // 128-NEA2 / 128-NIA2 / 128-EEA2 / 128-EIA2
	AlgZUC    uint16 = 1 << 13 // 128-NEA3 / 128-NIA3 / 128-EEA3 / 128-EIA3
)

// IE encodes the capabilities.
func (c UESecurityCapabilities) IE() *ie.UESecurityCapabilities {
	return &ie.UESecurityCapabilities{
		NRencryptionAlgorithms:             &ie.NRencryptionAlgorithms{Value: bitString(uint64(c.NREncryption), 16)},
		NRintegrityProtectionAlgorithms:    &ie.NRintegrityProtectionAlgorithms{Value: bitString(uint64(c.NRIntegrity), 16)},
		EUTRAencryptionAlgorithms:          &ie.EUTRAencryptionAlgorithms{Value: bitString(uint64(c.EUTRAEncryption), 16)},
		EUTRAintegrityProtectionAlgorithms: &ie.EUTRAintegrityProtectionAlgorithms{Value: bitString(uint64(c.EUTRAIntegrity), 16)},
	}
}

// DecodeUESecurityCapabilities is the inverse of UESecurityCapabilities.IE.
// The bitmaps are BIT STRING (SIZE(16, ...)): bits past the sixteenth,
// which a later release may send, are ignored.
func DecodeUESecurityCapabilities(x *ie.UESecurityCapabilities) (UESecurityCapabilities, error) {
	if x == nil || x.NRencryptionAlgorithms == nil || x.NRintegrityProtectionAlgorithms == nil ||
		x.EUTRAencryptionAlgorithms == nil || x.EUTRAintegrityProtectionAlgorithms == nil {
		return UESecurityCapabilities{}, errors.New("ngap: UE Security Capabilities missing or incomplete")
	}
	var out UESecurityCapabilities
	for _, f := range []struct {
		bs   aper.BitString
		dst  *uint16
		what string
	}{
		{x.NRencryptionAlgorithms.Value, &out.NREncryption, "NR encryption algorithms"},
		{x.NRintegrityProtectionAlgorithms.Value, &out.NRIntegrity, "NR integrity protection algorithms"},
		{x.EUTRAencryptionAlgorithms.Value, &out.EUTRAEncryption, "E-UTRA encryption algorithms"},
		{x.EUTRAintegrityProtectionAlgorithms.Value, &out.EUTRAIntegrity, "E-UTRA integrity protection algorithms"},
	} {
		bs := f.bs
		if bs.BitLength > 16 {
			bs.BitLength = 16
		}
		v, err := bitStringValue(bs, 16, f.what)
		if err != nil {
			return UESecurityCapabilities{}, err
		}
		*f.dst = uint16(v)
	}
	return out, nil
}

// MaxAllowedSlices is maxnoofAllowedSlices (TS 38.413 §9.3.1.31).
const MaxAllowedSlices = 8

// InitialContext is the UE context the AMF sets up in the gNB with Initial
// Context Setup (TS 38.413 §8.3.1).
type InitialContext struct {
	AMFUE, RANUE int64
	GUAMI        ident.GUAMI
	AllowedNSSAI []ident.SNSSAI // 1 to MaxAllowedSlices
	Security     UESecurityCapabilities
	SecurityKey  secret.Key256 // KgNB (TS 33.501 Annex A.9)
	NASPDU       []byte        // optional
	// Sessions are the PDU sessions whose resources the gNB sets up with
	// the context (PDU Session Resource Setup List Cxt Req, §9.2.2.1), as
	// a Service Request reactivates them: each with its PDU Session
	// Resource Setup Request Transfer (§9.3.4.1) and S-NSSAI, and its
	// NAS-PDU when set. None, the list is left out.
	Sessions []SessionItem
	// UEAMBRDownlink and UEAMBRUplink are the UE Aggregate Maximum Bit
	// Rate in bit/s (§9.3.1.58), both 0 when unknown. §9.2.2.1 makes the
	// IE conditional on the PDU Session Resource Setup Request List, and
	// a conditional IE "shall not be included" when its condition fails
	// (§9.1, table 9.1.1-1): InitialContextSetupRequest includes it when
	// Sessions is not empty, and refuses Sessions without a UE-AMBR;
	// without Sessions it leaves the UE-AMBR out whatever these say (the
	// gNB learns it with the first PDU Session Resource Setup Request,
	// §9.2.1.1). DecodeInitialContextSetupRequest fills them from a
	// request that has the IE.
	UEAMBRDownlink, UEAMBRUplink uint64
	// UERadioCapability is the UE Radio Capability the AMF keeps for
	// the UE (§9.3.1.74, from UE Radio Capability Info Indication,
	// §8.14.1), optional: a gNB given one need not ask the UE again.
	UERadioCapability []byte
}

// InitialContextSetupRequest builds the request of TS 38.413 §9.2.2.1.
// AMF UE NGAP ID, RAN UE NGAP ID, GUAMI, Allowed NSSAI, UE Security
// Capabilities and Security Key are mandatory; the NAS-PDU is included
// when set; the PDU Session Resource Setup List Cxt Req and the UE-AMBR
// when there are Sessions (see InitialContext); the UE Radio Capability
// when set. The message refers to the sessions' and the capability's
// bytes without copying them.
//
// The message carries KgNB in the clear: never log or print it.
func InitialContextSetupRequest(c InitialContext) (*message.InitialContextSetupRequest, error) {
	const name = "ngap: InitialContextSetupRequest"
	// TS 23.003 §2.10.1: a 10-bit AMF Set ID and a 6-bit AMF Pointer.
	if c.GUAMI.SetID >= 1<<10 || c.GUAMI.Pointer >= 1<<6 {
		return nil, fmt.Errorf("%s: GUAMI AMF Set ID %#x or AMF Pointer %#x too wide", name, c.GUAMI.SetID, c.GUAMI.Pointer)
	}
	g, err := EncodeGUAMI(c.GUAMI)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(c.AllowedNSSAI) == 0 || len(c.AllowedNSSAI) > MaxAllowedSlices {
		return nil, fmt.Errorf("%s: Allowed NSSAI of %d S-NSSAIs, want 1 to %d", name, len(c.AllowedNSSAI), MaxAllowedSlices)
	}
	nssai := &ie.AllowedNSSAI{List: make([]ie.AllowedNSSAIItem, 0, len(c.AllowedNSSAI))}
	for _, s := range c.AllowedNSSAI {
		nssai.List = append(nssai.List, ie.AllowedNSSAIItem{SNSSAI: EncodeSNSSAI(s)})
	}
	key := c.SecurityKey.Bytes()
	m := &message.InitialContextSetupRequest{
		AMFUENGAPID:            &ie.AMFUENGAPID{Value: c.AMFUE},
		RANUENGAPID:            &ie.RANUENGAPID{Value: c.RANUE},
		GUAMI:                  g,
		AllowedNSSAI:           nssai,
		UESecurityCapabilities: c.Security.IE(),
		SecurityKey:            &ie.SecurityKey{Value: aper.BitString{Bytes: key, BitLength: 256}},
	}
	if len(c.NASPDU) > 0 {
		m.NASPDU = &ie.NASPDU{Value: c.NASPDU}
	}
	if len(c.Sessions) > 0 {
		if err := checkSetupItems(c.Sessions); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		// §9.2.2.1: the UE-AMBR is present when the list is.
		if c.UEAMBRDownlink == 0 && c.UEAMBRUplink == 0 {
			return nil, fmt.Errorf("%s: PDU sessions without a UE Aggregate Maximum Bit Rate", name)
		}
		if m.UEAggregateMaximumBitRate, err = UEAMBR(c.UEAMBRDownlink, c.UEAMBRUplink); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		list := &ie.PDUSessionResourceSetupListCxtReq{List: make([]ie.PDUSessionResourceSetupItemCxtReq, 0, len(c.Sessions))}
		for _, it := range c.Sessions {
			tr := aper.OctetString(it.Transfer)
			item := ie.PDUSessionResourceSetupItemCxtReq{
				PDUSessionID:                           &ie.PDUSessionID{Value: int64(it.PDUSessionID)},
				SNSSAI:                                 EncodeSNSSAI(it.SNSSAI),
				PDUSessionResourceSetupRequestTransfer: &tr,
			}
			if len(it.NASPDU) > 0 {
				item.NASPDU = &ie.NASPDU{Value: it.NASPDU}
			}
			list.List = append(list.List, item)
		}
		m.PDUSessionResourceSetupListCxtReq = list
	}
	if len(c.UERadioCapability) > 0 {
		m.UERadioCapability = &ie.UERadioCapability{Value: c.UERadioCapability}
	}
	return m, nil
}

// DecodeInitialContextSetupRequest reads what a gNB keeps of an Initial
// Context Setup Request. A missing mandatory IE of §9.2.2.1 or of a
// session item is an error, and so is a PDU Session Resource Setup List
// Cxt Req without the UE-AMBR its presence makes mandatory (§9.2.2.1,
// §10.3.5 "missing IE"). Repeated PDU session IDs are returned as they
// came (§8.3.1.4: the gNB fails the repeated ones). NASPDU, the
// sessions and UERadioCapability refer to the message's bytes.
func DecodeInitialContextSetupRequest(m *message.InitialContextSetupRequest) (InitialContext, error) {
	const name = "ngap: InitialContextSetupRequest"
	if m == nil {
		return InitialContext{}, errors.New(name + ": no message")
	}
	for _, f := range []struct {
		missing bool
		name    string
	}{
		{m.AMFUENGAPID == nil, "AMF-UE-NGAP-ID"},
		{m.RANUENGAPID == nil, "RAN-UE-NGAP-ID"},
		{m.GUAMI == nil, "GUAMI"},
		{m.AllowedNSSAI == nil || len(m.AllowedNSSAI.List) == 0, "Allowed NSSAI"},
		{m.UESecurityCapabilities == nil, "UE Security Capabilities"},
		{m.SecurityKey == nil, "Security Key"},
	} {
		if f.missing {
			return InitialContext{}, fmt.Errorf("%s: missing %s", name, f.name)
		}
	}
	c := InitialContext{AMFUE: m.AMFUENGAPID.Value, RANUE: m.RANUENGAPID.Value}
	var err error
	if c.GUAMI, err = DecodeGUAMI(m.GUAMI); err != nil {
		return InitialContext{}, fmt.Errorf("%s: %w", name, err)
	}
	for _, item := range m.AllowedNSSAI.List {
		s, err := DecodeSNSSAI(item.SNSSAI)
		if err != nil {
			return InitialContext{}, fmt.Errorf("%s: Allowed NSSAI: %w", name, err)
		}
		c.AllowedNSSAI = append(c.AllowedNSSAI, s)
	}
	if c.Security, err = DecodeUESecurityCapabilities(m.UESecurityCapabilities); err != nil {
		return InitialContext{}, fmt.Errorf("%s: %w", name, err)
	}
	if k := m.SecurityKey.Value; k.BitLength != 256 || len(k.Bytes) != 32 {
		return InitialContext{}, fmt.Errorf("%s: Security Key of %d bits, want 256", name, k.BitLength)
	}
	copy(c.SecurityKey[:], m.SecurityKey.Value.Bytes)
	if m.NASPDU != nil {
		c.NASPDU = m.NASPDU.Value
	}
	if m.UERadioCapability != nil {
		c.UERadioCapability = m.UERadioCapability.Value
	}
	if r := m.UEAggregateMaximumBitRate; r != nil {
		if r.UEAggregateMaximumBitRateDL == nil || r.UEAggregateMaximumBitRateUL == nil ||
			r.UEAggregateMaximumBitRateDL.Value < 0 || r.UEAggregateMaximumBitRateUL.Value < 0 {
			return InitialContext{}, errors.New(name + ": UE Aggregate Maximum Bit Rate incomplete")
		}
		c.UEAMBRDownlink = uint64(r.UEAggregateMaximumBitRateDL.Value)
		c.UEAMBRUplink = uint64(r.UEAggregateMaximumBitRateUL.Value)
	}
	if l := m.PDUSessionResourceSetupListCxtReq; l != nil {
		if len(l.List) == 0 {
			return InitialContext{}, errors.New(name + ": empty PDU Session Resource Setup List Cxt Req")
		}
		if m.UEAggregateMaximumBitRate == nil {
			return InitialContext{}, errors.New(name + ": PDU Session Resource Setup List Cxt Req without the UE Aggregate Maximum Bit Rate")
		}
		c.Sessions = make([]SessionItem, 0, len(l.List))
		for _, x := range l.List {
			it, err := setupItem(x.PDUSessionID, x.SNSSAI, x.NASPDU, x.PDUSessionResourceSetupRequestTransfer)
			if err != nil {
				return InitialContext{}, fmt.Errorf("%s: %w", name, err)
			}
			c.Sessions = append(c.Sessions, it)
		}
	}
	return c, nil
}

// InitialContextSetupResponse builds the gNB's answer to a context it set
// up (TS 38.413 §9.2.2.2): the sessions set up go to the PDU Session
// Resource Setup List Cxt Res with their Setup Response Transfer
// (§9.3.4.2), the Failed ones to the Failed to Setup List Cxt Res with
// their Setup Unsuccessful Transfer (§9.3.4.16). Both lists are
// optional; no results build neither. The message refers to the
// transfers without copying them.
func InitialContextSetupResponse(amfUE, ranUE int64, results []SessionResult) (*message.InitialContextSetupResponse, error) {
	m := &message.InitialContextSetupResponse{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID: &ie.RANUENGAPID{Value: ranUE},
	}
	if len(results) == 0 {
		return m, nil
	}
	if err := checkResults(results); err != nil {
		return nil, fmt.Errorf("ngap: InitialContextSetupResponse: %w", err)
	}
	for _, r := range results {
		tr := aper.OctetString(r.Transfer)
		id := &ie.PDUSessionID{Value: int64(r.PDUSessionID)}
		if r.Failed {
			if m.PDUSessionResourceFailedToSetupListCxtRes == nil {
				m.PDUSessionResourceFailedToSetupListCxtRes = &ie.PDUSessionResourceFailedToSetupListCxtRes{}
			}
			m.PDUSessionResourceFailedToSetupListCxtRes.List = append(m.PDUSessionResourceFailedToSetupListCxtRes.List,
				ie.PDUSessionResourceFailedToSetupItemCxtRes{PDUSessionID: id, PDUSessionResourceSetupUnsuccessfulTransfer: &tr})
			continue
		}
		if m.PDUSessionResourceSetupListCxtRes == nil {
			m.PDUSessionResourceSetupListCxtRes = &ie.PDUSessionResourceSetupListCxtRes{}
		}
		m.PDUSessionResourceSetupListCxtRes.List = append(m.PDUSessionResourceSetupListCxtRes.List,
			ie.PDUSessionResourceSetupItemCxtRes{PDUSessionID: id, PDUSessionResourceSetupResponseTransfer: &tr})
	}
	return m, nil
}

// DecodeInitialContextSetupResponse reads the session results of an
// Initial Context Setup Response, those set up first, then the failed
// ones (Failed). The UE NGAP IDs are read by UEIDs. Transfers refer to
// the message's bytes.
func DecodeInitialContextSetupResponse(m *message.InitialContextSetupResponse) ([]SessionResult, error) {
	const name = "ngap: InitialContextSetupResponse"
	if m == nil || m.AMFUENGAPID == nil || m.RANUENGAPID == nil {
		return nil, errors.New(name + ": missing UE NGAP IDs")
	}
	var out []SessionResult
	if l := m.PDUSessionResourceSetupListCxtRes; l != nil {
		for _, x := range l.List {
			r, err := sessionResult(x.PDUSessionID, x.PDUSessionResourceSetupResponseTransfer, false)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out = append(out, r)
		}
	}
	if l := m.PDUSessionResourceFailedToSetupListCxtRes; l != nil {
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

// InitialContextSetupFailure builds the gNB's answer when it cannot set
// up the context (TS 38.413 §9.2.2.3): the cause is mandatory; the
// sessions of the request go to the PDU Session Resource Failed to Setup
// List Cxt Fail, each with its Setup Unsuccessful Transfer (§9.3.4.16),
// whatever their Failed says. No failed sessions, no list.
func InitialContextSetupFailure(amfUE, ranUE int64, cause *ie.Cause, failed []SessionResult) (*message.InitialContextSetupFailure, error) {
	const name = "ngap: InitialContextSetupFailure"
	if cause == nil {
		return nil, errors.New(name + ": no cause")
	}
	m := &message.InitialContextSetupFailure{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID: &ie.RANUENGAPID{Value: ranUE},
		Cause:       cause,
	}
	if len(failed) == 0 {
		return m, nil
	}
	if err := checkResults(failed); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	list := &ie.PDUSessionResourceFailedToSetupListCxtFail{List: make([]ie.PDUSessionResourceFailedToSetupItemCxtFail, 0, len(failed))}
	for _, r := range failed {
		tr := aper.OctetString(r.Transfer)
		list.List = append(list.List, ie.PDUSessionResourceFailedToSetupItemCxtFail{
			PDUSessionID: &ie.PDUSessionID{Value: int64(r.PDUSessionID)},
			PDUSessionResourceSetupUnsuccessfulTransfer: &tr,
		})
	}
	m.PDUSessionResourceFailedToSetupListCxtFail = list
	return m, nil
}

// DecodeInitialContextSetupFailure reads an Initial Context Setup
// Failure: the sessions it lists (all Failed) and the mandatory cause.
// The UE NGAP IDs are read by UEIDs. Transfers refer to the message's
// bytes.
func DecodeInitialContextSetupFailure(m *message.InitialContextSetupFailure) ([]SessionResult, *ie.Cause, error) {
	const name = "ngap: InitialContextSetupFailure"
	if m == nil || m.AMFUENGAPID == nil || m.RANUENGAPID == nil {
		return nil, nil, errors.New(name + ": missing UE NGAP IDs")
	}
	if m.Cause == nil || m.Cause.Choice == nil {
		return nil, nil, errors.New(name + ": missing Cause")
	}
	var out []SessionResult
	if l := m.PDUSessionResourceFailedToSetupListCxtFail; l != nil {
		for _, x := range l.List {
			r, err := sessionResult(x.PDUSessionID, x.PDUSessionResourceSetupUnsuccessfulTransfer, true)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", name, err)
			}
			out = append(out, r)
		}
	}
	return out, m.Cause, nil
}
