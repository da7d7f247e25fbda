package udm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store"
)

// AMFRegistrationKind is the kind of the UDM's AMF registrations for 3GPP
// access (TS 29.503 Amf3GppAccessRegistration) in store.Records, keyed by
// SUPI.
const AMFRegistrationKind store.RecordKind = "udm.amf-registration"

// amfRegRecord is the value of an AMF registration record, JSON with the
// names of TS 29.503 §6.2.6.2.2 where it has one.
type amfRegRecord struct {
	AMFInstanceID    string `json:"amfInstanceId"`
	MCC              string `json:"mcc"`
	MNC              string `json:"mnc"`
	RegionID         uint8  `json:"amfRegionId"`
	SetID            uint16 `json:"amfSetId"`
	Pointer          uint8  `json:"amfPointer"`
	RATType          string `json:"ratType"`
	DeregCallbackURI string `json:"deregCallbackUri,omitempty"`
}

func encodeAMFRegistration(reg sbi.AMFRegistration) ([]byte, error) {
	return json.Marshal(amfRegRecord{
		AMFInstanceID: reg.AMFInstanceID,
		MCC:           reg.GUAMI.PLMN.MCC, MNC: reg.GUAMI.PLMN.MNC,
		RegionID: reg.GUAMI.RegionID, SetID: reg.GUAMI.SetID, Pointer: reg.GUAMI.Pointer,
		RATType: reg.RATType, DeregCallbackURI: reg.DeregCallbackURI,
	})
}

var errAMFRegistration = errors.New("udm: malformed AMF registration record")

// decodeAMFRegistration decodes a record value encodeAMFRegistration
// wrote; unknown fields are refused.
func decodeAMFRegistration(b []byte) (sbi.AMFRegistration, error) {
	var r amfRegRecord
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return sbi.AMFRegistration{}, fmt.Errorf("%w: %w", errAMFRegistration, err)
	}
	if dec.More() {
		return sbi.AMFRegistration{}, fmt.Errorf("%w: data after the object", errAMFRegistration)
	}
	return sbi.AMFRegistration{
		AMFInstanceID:    r.AMFInstanceID,
		GUAMI:            ident.GUAMI{PLMN: ident.PLMN{MCC: r.MCC, MNC: r.MNC}, RegionID: r.RegionID, SetID: r.SetID, Pointer: r.Pointer},
		RATType:          r.RATType,
		DeregCallbackURI: r.DeregCallbackURI,
	}, nil
}

// getAMFRegistration reads a UE's registration and its revision; ok is
// false when there is none.
func (u *UDM) getAMFRegistration(ctx context.Context, supi string) (reg sbi.AMFRegistration, rev int64, ok bool, err error) {
	rec, err := u.records.GetRecord(ctx, AMFRegistrationKind, supi)
	if errors.Is(err, store.ErrNotFound) {
		return sbi.AMFRegistration{}, 0, false, nil
	}
	if err != nil {
		return sbi.AMFRegistration{}, 0, false, storeError(err)
	}
	reg, err = decodeAMFRegistration(rec.Value)
	if err != nil {
		return sbi.AMFRegistration{}, 0, false, fmt.Errorf("%w: %s: %w", sbi.ErrSystemFailure, supi, err)
	}
	return reg, rec.Revision, true, nil
}

// storeError is a failure of the records as the UDM answers it: a store
// that cannot serve now is sbi.ErrUnavailable, anything else
// sbi.ErrSystemFailure.
func storeError(err error) error {
	if errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w: UECM records: %w", sbi.ErrUnavailable, err)
	}
	return fmt.Errorf("%w: UECM records: %w", sbi.ErrSystemFailure, err)
}
