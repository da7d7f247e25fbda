package nudr

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/secret"
)

// authenticationSubscription is TS 29.505 AuthenticationSubscription,
// the attributes Keel uses. The keys are hexadecimal.
type authenticationSubscription struct {
	AuthenticationMethod          string          `json:"authenticationMethod"`
	EncPermanentKey               string          `json:"encPermanentKey,omitempty"`
	SequenceNumber                *sequenceNumber `json:"sequenceNumber,omitempty"`
	AuthenticationManagementField string          `json:"authenticationManagementField,omitempty"`
	AlgorithmID                   string          `json:"algorithmId,omitempty"`
	EncOpcKey                     string          `json:"encOpcKey,omitempty"`
}

// sequenceNumber is TS 29.505 SequenceNumber.
type sequenceNumber struct {
	SqnScheme string `json:"sqnScheme,omitempty"`
	Sqn       string `json:"sqn,omitempty"`
	IndLength *int   `json:"indLength,omitempty"`
}

// patchItem is TS 29.571 PatchItem, a JSON Patch operation (RFC 6902).
type patchItem struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	From  string `json:"from,omitempty"`
	Value any    `json:"value,omitempty"`
}

// sqnPath is the JSON pointer of the SQN in an AuthenticationSubscription.
const sqnPath = "/sequenceNumber/sqn"

func fromAuth(a sbi.AuthenticationSubscription) authenticationSubscription {
	ind := a.SequenceNumber.IndLength
	return authenticationSubscription{
		AuthenticationMethod:          a.AuthenticationMethod,
		EncPermanentKey:               a.PermanentKey.Hex(),
		EncOpcKey:                     a.OPc.Hex(),
		AuthenticationManagementField: hex.EncodeToString(a.AMF[:]),
		AlgorithmID:                   a.AlgorithmID,
		SequenceNumber:                &sequenceNumber{SqnScheme: a.SequenceNumber.Scheme, Sqn: formatSQN(a.SequenceNumber.SQN), IndLength: &ind},
	}
}

func (w authenticationSubscription) auth() (sbi.AuthenticationSubscription, error) {
	a := sbi.AuthenticationSubscription{AuthenticationMethod: w.AuthenticationMethod, AlgorithmID: w.AlgorithmID}
	var err error
	if a.PermanentKey, err = secret.ParseKey128(w.EncPermanentKey); err != nil {
		return a, fmt.Errorf("%w: /encPermanentKey: want 32 hex digits", sbi.ErrInvalidRequest)
	}
	if a.OPc, err = secret.ParseKey128(w.EncOpcKey); err != nil {
		return a, fmt.Errorf("%w: /encOpcKey: want 32 hex digits", sbi.ErrInvalidRequest)
	}
	amf, err := hex.DecodeString(w.AuthenticationManagementField)
	if err != nil || len(amf) != 2 {
		return a, fmt.Errorf("%w: /authenticationManagementField %q", sbi.ErrInvalidRequest, w.AuthenticationManagementField)
	}
	a.AMF = [2]byte(amf)
	if w.SequenceNumber == nil {
		return a, fmt.Errorf("%w: /sequenceNumber absent", sbi.ErrMandatoryIEMissing)
	}
	a.SequenceNumber.Scheme = w.SequenceNumber.SqnScheme
	if a.SequenceNumber.SQN, err = parseSQN(w.SequenceNumber.Sqn); err != nil {
		return a, err
	}
	if w.SequenceNumber.IndLength != nil {
		a.SequenceNumber.IndLength = *w.SequenceNumber.IndLength
	}
	return a, nil
}

// formatSQN writes a 48-bit SQN as 12 hex digits (TS 29.505 SequenceNumber sqn).
func formatSQN(sqn uint64) string { return fmt.Sprintf("%012x", sqn&(1<<48-1)) }

func parseSQN(s string) (uint64, error) {
	if len(s) != 12 || strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("%w: %s %q: want 12 hex digits", sbi.ErrInvalidRequest, sqnPath, s)
	}
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s %q: want 12 hex digits", sbi.ErrInvalidRequest, sqnPath, s)
	}
	return v, nil
}
