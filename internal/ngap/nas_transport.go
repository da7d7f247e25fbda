package ngap

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// RRC Establishment Causes Keel uses (TS 38.413 §9.3.1.111, values of
// TS 38.331 EstablishmentCause).
const (
	RRCCauseEmergency    = ie.RRCEstablishmentCausePresentEmergency
	RRCCauseMTAccess     = ie.RRCEstablishmentCausePresentMtAccess     // answer to paging
	RRCCauseMOSignalling = ie.RRCEstablishmentCausePresentMoSignalling // registration
	RRCCauseMOData       = ie.RRCEstablishmentCausePresentMoData       // service request for user data
)

// FiveGSTMSI is the 5G-S-TMSI a UE with a 5G-GUTI gives in RRC setup
// (TS 38.413 §9.3.3.20, TS 23.003 §2.11): AMF Set ID (10 bits), AMF
// Pointer (6 bits) and 5G-TMSI.
type FiveGSTMSI struct {
	SetID   uint16
	Pointer uint8
	TMSI    uint32
}

func (s FiveGSTMSI) String() string {
	return fmt.Sprintf("%03x-%02x-%08x", s.SetID, s.Pointer, s.TMSI)
}

// IE encodes the 5G-S-TMSI.
func (s FiveGSTMSI) IE() (*ie.FiveGSTMSI, error) {
	if s.SetID >= 1<<10 || s.Pointer >= 1<<6 {
		return nil, fmt.Errorf("ngap: 5G-S-TMSI %s: AMF Set ID over 10 bits or AMF Pointer over 6 bits", s)
	}
	return &ie.FiveGSTMSI{
		AMFSetID:   &ie.AMFSetID{Value: bitString(uint64(s.SetID), 10)},
		AMFPointer: &ie.AMFPointer{Value: bitString(uint64(s.Pointer), 6)},
		FiveGTMSI:  &ie.FiveGTMSI{Value: aper.OctetString{byte(s.TMSI >> 24), byte(s.TMSI >> 16), byte(s.TMSI >> 8), byte(s.TMSI)}},
	}, nil
}

// DecodeFiveGSTMSI is the inverse of FiveGSTMSI.IE.
func DecodeFiveGSTMSI(x *ie.FiveGSTMSI) (FiveGSTMSI, error) {
	if x == nil || x.AMFSetID == nil || x.AMFPointer == nil || x.FiveGTMSI == nil || len(x.FiveGTMSI.Value) != 4 {
		return FiveGSTMSI{}, errors.New("ngap: 5G-S-TMSI missing or incomplete")
	}
	set, err := bitStringValue(x.AMFSetID.Value, 10, "AMF Set ID")
	if err != nil {
		return FiveGSTMSI{}, err
	}
	ptr, err := bitStringValue(x.AMFPointer.Value, 6, "AMF Pointer")
	if err != nil {
		return FiveGSTMSI{}, err
	}
	t := x.FiveGTMSI.Value
	return FiveGSTMSI{
		SetID:   uint16(set),
		Pointer: uint8(ptr),
		TMSI:    uint32(t[0])<<24 | uint32(t[1])<<16 | uint32(t[2])<<8 | uint32(t[3]),
	}, nil
}

// InitialUEMessage builds the message a gNB opens a UE-associated logical
// NG-connection with (TS 38.413 §8.6.1, §9.2.5.1). RAN UE NGAP ID, NAS-PDU,
// User Location Information and RRC Establishment Cause are mandatory;
// tmsi, when not nil, is the 5G-S-TMSI the UE gave. The message refers to
// nasPDU without copying it.
func InitialUEMessage(ranUE int64, nasPDU []byte, loc UELocation, cause aper.Enumerated, tmsi *FiveGSTMSI) (*message.InitialUEMessage, error) {
	if len(nasPDU) == 0 {
		return nil, errors.New("ngap: InitialUEMessage: empty NAS-PDU")
	}
	uli, err := loc.IE()
	if err != nil {
		return nil, fmt.Errorf("ngap: InitialUEMessage: %w", err)
	}
	m := &message.InitialUEMessage{
		RANUENGAPID:             &ie.RANUENGAPID{Value: ranUE},
		NASPDU:                  &ie.NASPDU{Value: nasPDU},
		UserLocationInformation: uli,
		RRCEstablishmentCause:   &ie.RRCEstablishmentCause{Value: cause},
	}
	if tmsi != nil {
		if m.FiveGSTMSI, err = tmsi.IE(); err != nil {
			return nil, fmt.Errorf("ngap: InitialUEMessage: %w", err)
		}
	}
	return m, nil
}

// InitialUE is what an Initial UE Message tells the AMF.
type InitialUE struct {
	RANUE    int64
	NASPDU   []byte
	Location UELocation
	Cause    aper.Enumerated // RRC Establishment Cause
	TMSI     *FiveGSTMSI     // nil when absent
}

// DecodeInitialUEMessage reads the IEs of an Initial UE Message that the
// AMF acts on. NASPDU refers to the message's bytes.
func DecodeInitialUEMessage(m *message.InitialUEMessage) (InitialUE, error) {
	if m == nil || m.RANUENGAPID == nil || m.NASPDU == nil || m.UserLocationInformation == nil || m.RRCEstablishmentCause == nil {
		return InitialUE{}, errors.New("ngap: InitialUEMessage: missing a mandatory IE")
	}
	loc, err := DecodeUELocation(m.UserLocationInformation)
	if err != nil {
		return InitialUE{}, fmt.Errorf("ngap: InitialUEMessage: %w", err)
	}
	out := InitialUE{RANUE: m.RANUENGAPID.Value, NASPDU: m.NASPDU.Value, Location: loc, Cause: m.RRCEstablishmentCause.Value}
	if m.FiveGSTMSI != nil {
		s, err := DecodeFiveGSTMSI(m.FiveGSTMSI)
		if err != nil {
			return InitialUE{}, fmt.Errorf("ngap: InitialUEMessage: %w", err)
		}
		out.TMSI = &s
	}
	return out, nil
}

// DownlinkNASTransport carries a NAS PDU from the AMF to the UE (TS 38.413
// §8.6.2, §9.2.5.2). The message refers to nasPDU without copying it.
func DownlinkNASTransport(amfUE, ranUE int64, nasPDU []byte) *message.DownlinkNASTransport {
	return &message.DownlinkNASTransport{
		AMFUENGAPID: &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID: &ie.RANUENGAPID{Value: ranUE},
		NASPDU:      &ie.NASPDU{Value: nasPDU},
	}
}

// UplinkNASTransport carries a NAS PDU from the UE to the AMF with the UE's
// current location (TS 38.413 §8.6.3, §9.2.5.3). The message refers to
// nasPDU without copying it.
func UplinkNASTransport(amfUE, ranUE int64, nasPDU []byte, loc UELocation) (*message.UplinkNASTransport, error) {
	if len(nasPDU) == 0 {
		return nil, errors.New("ngap: UplinkNASTransport: empty NAS-PDU")
	}
	uli, err := loc.IE()
	if err != nil {
		return nil, fmt.Errorf("ngap: UplinkNASTransport: %w", err)
	}
	return &message.UplinkNASTransport{
		AMFUENGAPID:             &ie.AMFUENGAPID{Value: amfUE},
		RANUENGAPID:             &ie.RANUENGAPID{Value: ranUE},
		NASPDU:                  &ie.NASPDU{Value: nasPDU},
		UserLocationInformation: uli,
	}, nil
}
