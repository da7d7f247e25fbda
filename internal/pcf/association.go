package pcf

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store"
)

// RecordKind is the kind of the PCF's SM policy associations in
// store.Records. The key is the association's ID, the SUPI and a random
// part: "imsi-001010000000001.MFRGGZDFMZTWQ2LKNNWG23TPOA", so that the
// associations of one subscriber are a key prefix (SubscriptionDataChanged)
// and an ID made at one instance names nothing at another.
const RecordKind store.RecordKind = "pcf.sm-policy"

// association is an SM policy association (TS 29.512 §4.2.2.1), the value
// of its record.
type association struct {
	SUPI         string       `json:"supi"`
	PDUSessionID uint8        `json:"pduSessionId"`
	DNN          string       `json:"dnn"`
	SNSSAI       ident.SNSSAI `json:"sliceInfo"`
	// Decision is the association's current policy decision; UERules
	// the PCC rules of the UE's authorised resource requests (Update),
	// part of it, kept when the subscription changes; UERulesMade
	// counts them, for their IDs.
	Decision    decision      `json:"decision"`
	UERules     []sbi.PCCRule `json:"ueRules,omitempty"`
	UERulesMade int           `json:"ueRulesMade,omitempty"`
	// NotificationURI is where UpdateNotify goes (TS 29.512 §4.2.3.2),
	// ResourceURI the association's URI that names it there; both empty
	// for an SMF in this process.
	NotificationURI string `json:"notificationUri,omitempty"`
	ResourceURI     string `json:"resourceUri,omitempty"`
	// SMFID is the SMF's NF instance ID (smfId), empty when the SMF did
	// not say: OrphanSweep releases the association once that SMF is
	// gone.
	SMFID string `json:"smfId,omitempty"`
}

// decision is an sbi.SmPolicyDecision without its ID (the record's key).
type decision struct {
	AMBRUplink   uint64        `json:"ambrUl"`
	AMBRDownlink uint64        `json:"ambrDl"`
	FiveQI       uint8         `json:"5qi"`
	ARPPriority  uint8         `json:"arpPriority"`
	PCCRules     []sbi.PCCRule `json:"pccRules,omitempty"`
}

func fromDecision(d sbi.SmPolicyDecision) decision {
	return decision{d.SessionAMBRUplink, d.SessionAMBRDownlink, d.FiveQI, d.ARPPriority, d.PCCRules}
}

func (d decision) sbi(id string) sbi.SmPolicyDecision {
	return sbi.SmPolicyDecision{ID: id, SessionAMBRUplink: d.AMBRUplink, SessionAMBRDownlink: d.AMBRDownlink,
		FiveQI: d.FiveQI, ARPPriority: d.ARPPriority, PCCRules: d.PCCRules}
}

// sameDecision reports whether two decisions say the same, an empty list
// being a nil one.
func sameDecision(a, b decision) bool {
	return a.AMBRUplink == b.AMBRUplink && a.AMBRDownlink == b.AMBRDownlink && a.FiveQI == b.FiveQI &&
		a.ARPPriority == b.ARPPriority && slices.EqualFunc(a.PCCRules, b.PCCRules, func(x, y sbi.PCCRule) bool {
		return x.ID == y.ID && slices.Equal(x.FlowDescriptions, y.FlowDescriptions) && x.FiveQI == y.FiveQI && x.ARP == y.ARP &&
			x.GFBRUplink == y.GFBRUplink && x.GFBRDownlink == y.GFBRDownlink && x.MFBRUplink == y.MFBRUplink && x.MFBRDownlink == y.MFBRDownlink
	})
}

var errAssociation = errors.New("pcf: malformed SM policy association record")

// decodeAssociation decodes a record value; unknown fields are refused.
func decodeAssociation(b []byte) (association, error) {
	var a association
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return association{}, fmt.Errorf("%w: %w", errAssociation, err)
	}
	if dec.More() {
		return association{}, fmt.Errorf("%w: data after the object", errAssociation)
	}
	return a, nil
}

// newID returns a new association ID for a subscriber.
func newID(supi string) string { return supi + "." + rand.Text() }

// load reads an association and its revision; sbi.ErrPolicyNotFound if
// there is none.
func (p *PCF) load(ctx context.Context, id string) (association, int64, error) {
	rec, err := p.records.GetRecord(ctx, RecordKind, id)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidRecord) {
		return association{}, 0, fmt.Errorf("%q: %w", id, sbi.ErrPolicyNotFound)
	}
	if err != nil {
		return association{}, 0, storeError(err)
	}
	a, err := decodeAssociation(rec.Value)
	if err != nil {
		return association{}, 0, fmt.Errorf("%w: %q: %w", sbi.ErrSystemFailure, id, err)
	}
	return a, rec.Revision, nil
}

// save writes an association: expect is store.MustCreate for a new one,
// the revision read for a change (compare-and-set; store.ErrConflict when
// another instance changed it first).
func (p *PCF) save(ctx context.Context, id string, a association, expect int64) error {
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("%w: %w", sbi.ErrSystemFailure, err)
	}
	_, err = p.records.PutRecord(ctx, store.Record{Kind: RecordKind, Key: id, Value: b, Expect: expect})
	if errors.Is(err, store.ErrConflict) {
		return err
	}
	if err != nil {
		return storeError(err)
	}
	return nil
}

// maxCASRounds bounds the compare-and-set rounds of one change: an
// association rewritten that often meanwhile is contended beyond reason.
const maxCASRounds = 8

// NotificationTarget is where UpdateNotify of an association goes and the
// association's URI there (TS 29.512 §4.2.3.2), as its creation gave
// them, whichever instance created it; ok is false without them.
func (p *PCF) NotificationTarget(ctx context.Context, id string) (notificationURI, resourceURI string, ok bool) {
	a, _, err := p.load(ctx, id)
	if err != nil || a.NotificationURI == "" {
		return "", "", false
	}
	return a.NotificationURI, a.ResourceURI, true
}

// storeError is a failure of the records as the PCF answers it: a store
// that cannot serve now is sbi.ErrUnavailable, anything else
// sbi.ErrSystemFailure.
func storeError(err error) error {
	if errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w: SM policy records: %w", sbi.ErrUnavailable, err)
	}
	return fmt.Errorf("%w: SM policy records: %w", sbi.ErrSystemFailure, err)
}
