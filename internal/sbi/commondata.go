package sbi

import "github.com/keelcore/keel/internal/ident"

// Common data types of TS 29.571 §5.2 and §5.4 that the session
// management services carry, with the fields Keel uses. Their JSON form
// is the one of the Rel-17 OpenAPI document TS29571_CommonData.yaml.

// RefToBinaryData is a reference to a binary body part (TS 29.571
// §5.4.4.3 RefToBinaryData): the JSON part names the part by its
// Content-ID, and the part itself travels in the multipart/related body
// (TS 29.500 §6.1.2.4, TS 29.502 §6.1.6.4). In Go the reference holds
// the part's content, so a caller in the same process reads it without
// a body; a binding writes Content as the part and reads it back.
type RefToBinaryData struct {
	ContentID string `json:"contentId"`
	Content   []byte `json:"-"`
}

// Bytes returns the referenced content, nil for a nil reference.
func (r *RefToBinaryData) Bytes() []byte {
	if r == nil {
		return nil
	}
	return r.Content
}

// Content-IDs Keel gives the binary parts it sends (TS 29.502 §6.1.6.4.1
// names them only by example; any ID unique within the message will do).
const (
	ContentIDN1SM = "n1SmMsg"
	ContentIDN2SM = "n2SmInfo"
)

// N1SM references a 5GSM message as the N1 SM message part; nil for
// none.
func N1SM(b []byte) *RefToBinaryData {
	if len(b) == 0 {
		return nil
	}
	return &RefToBinaryData{ContentID: ContentIDN1SM, Content: b}
}

// N2SM references an NGAP transfer as the N2 SM information part; nil
// for none.
func N2SM(b []byte) *RefToBinaryData {
	if len(b) == 0 {
		return nil
	}
	return &RefToBinaryData{ContentID: ContentIDN2SM, Content: b}
}

// Ncgi is an NR cell global identity (TS 29.571 §5.4.4.9 Ncgi; TS 23.003
// §19.6A): the PLMN (TS 29.571 PlmnId, ident's form) and the 36-bit NR
// cell identity in 9 hexadecimal digits.
type Ncgi struct {
	PLMN     ident.PLMN `json:"plmnId"`
	NrCellID string     `json:"nrCellId"`
}

// NrLocation is the NR user location (TS 29.571 §5.4.4.10 NrLocation):
// the TAI (TS 29.571 Tai, ident's form) and the cell.
type NrLocation struct {
	Tai  ident.TAI `json:"tai"`
	Ncgi Ncgi      `json:"ncgi"`
}

// UserLocation is a UE's location (TS 29.571 §5.4.4.7 UserLocation);
// Keel's access is NR only.
type UserLocation struct {
	NrLocation *NrLocation `json:"nrLocation,omitempty"`
}

// RatNR is the RatType of NR (TS 29.571 §5.4.3.2).
const RatNR = "NR"

// Ambr is an aggregate maximum bit rate (TS 29.571 §5.4.4.9 Ambr), as
// BitRate strings.
type Ambr struct {
	Uplink   string `json:"uplink"`
	Downlink string `json:"downlink"`
}

// SubscribedDefaultQos is the default QoS a subscription gives a DNN's
// sessions (TS 29.571 §5.5.4 SubscribedDefaultQos): the 5QI and the
// ARP of the default QoS flow.
type SubscribedDefaultQos struct {
	FiveQI uint8 `json:"5qi"`
	Arp    Arp   `json:"arp"`
}

// Arp is an allocation and retention priority as it goes on the wire
// (TS 29.571 §5.5.4 Arp): priorityLevel 1 to 15, preemptCap
// NOT_PREEMPT or MAY_PREEMPT, preemptVuln NOT_PREEMPTABLE or PREEMPTABLE.
type Arp struct {
	PriorityLevel uint8  `json:"priorityLevel"`
	PreemptCap    string `json:"preemptCap"`
	PreemptVuln   string `json:"preemptVuln"`
}
