package sbi

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

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

// PlmnID is a PLMN identity (TS 29.571 §5.4.4.3 PlmnId): a 3-digit MCC
// and a 2- or 3-digit MNC.
type PlmnID struct {
	Mcc string `json:"mcc"`
	Mnc string `json:"mnc"`
}

// Tai is a tracking area identity (TS 29.571 §5.4.4.5 Tai; TS 23.003
// §19.4.2.3): the TAC in hexadecimal, 4 or 6 digits.
type Tai struct {
	PlmnID PlmnID `json:"plmnId"`
	Tac    string `json:"tac"`
}

// Ncgi is an NR cell global identity (TS 29.571 §5.4.4.9 Ncgi; TS 23.003
// §19.6A): the 36-bit NR cell identity in 9 hexadecimal digits.
type Ncgi struct {
	PlmnID   PlmnID `json:"plmnId"`
	NrCellID string `json:"nrCellId"`
}

// NrLocation is the NR user location (TS 29.571 §5.4.4.10 NrLocation).
type NrLocation struct {
	Tai  Tai  `json:"tai"`
	Ncgi Ncgi `json:"ncgi"`
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

// snssaiJSON is the TS 29.571 §5.4.4.2 Snssai form: sst and, when the
// slice has one, the SD as 6 hexadecimal digits.
type snssaiJSON struct {
	SST int    `json:"sst"`
	SD  string `json:"sd,omitempty"`
}

// MarshalJSON writes the TS 29.571 Snssai form.
func (s SNSSAI) MarshalJSON() ([]byte, error) {
	j := snssaiJSON{SST: int(s.SST)}
	if s.HasSD {
		j.SD = fmt.Sprintf("%06x", s.SD)
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the TS 29.571 Snssai form.
func (s *SNSSAI) UnmarshalJSON(b []byte) error {
	var j snssaiJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("sbi: snssai: %w", err)
	}
	if j.SST < 0 || j.SST > 255 {
		return fmt.Errorf("sbi: snssai: sst %d out of 0 to 255", j.SST)
	}
	*s = SNSSAI{SST: uint8(j.SST)}
	if j.SD != "" {
		if len(j.SD) != 6 || strings.IndexFunc(j.SD, notHex) >= 0 {
			return fmt.Errorf("sbi: snssai: sd %q is not 6 hexadecimal digits", j.SD)
		}
		v, _ := strconv.ParseUint(j.SD, 16, 32)
		s.SD, s.HasSD = uint32(v), true
	}
	return nil
}

func notHex(r rune) bool {
	return !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F')
}
