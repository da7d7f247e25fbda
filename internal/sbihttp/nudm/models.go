package nudm

import (
	"encoding/hex"
	"fmt"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// authenticationInfoRequest is TS 29.503 AuthenticationInfoRequest.
type authenticationInfoRequest struct {
	ServingNetworkName    string                 `json:"servingNetworkName"`
	ResynchronizationInfo *ResynchronizationInfo `json:"resynchronizationInfo,omitempty"`
	AusfInstanceID        string                 `json:"ausfInstanceId"`
}

// ResynchronizationInfo is TS 29.503 ResynchronizationInfo: RAND and
// AUTS in hexadecimal. Nausf's AuthenticationInfo carries it too.
type ResynchronizationInfo struct {
	Rand string `json:"rand"`
	Auts string `json:"auts"`
}

// FromResync shapes r for the wire; nil stays nil.
func FromResync(r *sbi.Resync) *ResynchronizationInfo {
	if r == nil {
		return nil
	}
	return &ResynchronizationInfo{Rand: hex.EncodeToString(r.RAND[:]), Auts: hex.EncodeToString(r.AUTS[:])}
}

// Resync converts w back; nil stays nil.
func (w *ResynchronizationInfo) Resync() (*sbi.Resync, error) {
	if w == nil {
		return nil, nil
	}
	var r sbi.Resync
	if err := hexInto(r.RAND[:], w.Rand, "/resynchronizationInfo/rand"); err != nil {
		return nil, err
	}
	if err := hexInto(r.AUTS[:], w.Auts, "/resynchronizationInfo/auts"); err != nil {
		return nil, err
	}
	return &r, nil
}

// hexInto decodes exactly len(dst) octets of hexadecimal s.
func hexInto(dst []byte, s, attr string) error {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(dst) {
		return fmt.Errorf("%w: %s: want %d hex digits", sbi.ErrInvalidRequest, attr, 2*len(dst))
	}
	copy(dst, b)
	return nil
}

// authenticationInfoResult is TS 29.503 AuthenticationInfoResult with an
// Av5GHeAka vector.
type authenticationInfoResult struct {
	AuthType             string     `json:"authType"`
	AuthenticationVector *av5GHeAka `json:"authenticationVector,omitempty"`
	Supi                 string     `json:"supi,omitempty"`
}

// av5GHeAka is TS 29.503 Av5GHeAka. KAUSF and XRES* are secrets: this
// type is never logged.
type av5GHeAka struct {
	AvType   string `json:"avType"`
	Rand     string `json:"rand"`
	XresStar string `json:"xresStar"`
	Autn     string `json:"autn"`
	Kausf    string `json:"kausf"`
}

// authEvent is TS 29.503 AuthEvent.
type authEvent struct {
	NfInstanceID       string `json:"nfInstanceId"`
	Success            bool   `json:"success"`
	TimeStamp          string `json:"timeStamp"`
	AuthType           string `json:"authType"`
	ServingNetworkName string `json:"servingNetworkName"`
}

// amf3GppAccessRegistration is TS 29.503 Amf3GppAccessRegistration.
type amf3GppAccessRegistration struct {
	AmfInstanceID    string      `json:"amfInstanceId"`
	DeregCallbackURI string      `json:"deregCallbackUri"`
	Guami            ident.GUAMI `json:"guami"`
	RatType          string      `json:"ratType"`
	PurgeFlag        bool        `json:"purgeFlag,omitempty"`
}

// amf3GppAccessRegistrationModification is TS 29.503
// Amf3GppAccessRegistrationModification.
type amf3GppAccessRegistrationModification struct {
	Guami     ident.GUAMI `json:"guami"`
	PurgeFlag bool        `json:"purgeFlag,omitempty"`
}
