package uerecord

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/store"
)

// Kind is the store.Records kind of the AMF's UE contexts.
const Kind store.RecordKind = "amf.ue"

// Version is the encoding Marshal writes and Unmarshal reads.
const Version = 1

// Limits of a decoded record: bounded by the protocol (at most 15 PDU
// sessions, TS 24.501 §9.11.3.44; 16 TAIs per list, §9.11.3.9; 8 allowed
// S-NSSAIs, §9.11.3.37) with room for the subscription's lists.
const (
	maxSessions = 15
	maxTAIs     = 16
	maxSlices   = 16
	maxCaps     = 13 // UE security capability value, TS 24.501 §9.11.3.54
	maxSUPI     = 64
	maxText     = 255
	maxCount    = 0xffffff
)

// UE is a registered UE's 5GMM context as the AMF saves it.
type UE struct {
	SUPI string
	// GUTI is the UE's 5G-GUTI; its GUAMI names the instance that gave it.
	GUTI ident.GUTI
	// Former, when set, is the 5G-GUTI the UE held before GUTI: a
	// REGISTRATION ACCEPT or CONFIGURATION UPDATE COMMAND giving GUTI is
	// on its way and the UE has not acknowledged it, so the UE may still
	// use either (TS 24.501 §5.5.1.2.4, §5.4.4.4: the network takes the
	// old one as invalid only on the COMPLETE). The context is found by
	// both.
	Former   *ident.GUTI
	Security Security
	// Capabilities is the UE security capability IE value (TS 24.501
	// §9.11.3.54).
	Capabilities []byte
	// TAIs is the registration area given in the last REGISTRATION
	// ACCEPT (TS 24.501 §9.11.3.9).
	TAIs []ident.TAI
	// Allowed is the allowed NSSAI; Subscribed and Defaults the
	// subscribed S-NSSAIs and those marked default (Nudm_SDM).
	Allowed, Subscribed, Defaults []ident.SNSSAI
	// AMBRUplink and AMBRDownlink are the subscribed UE-AMBR in bit/s.
	AMBRUplink, AMBRDownlink uint64
	// DNNs are the subscribed DNNs, the first the default (Nudm_SDM).
	DNNs     []string
	Sessions []Session
	// T3512 is the periodic registration timer the UE was given; the
	// mobile reachable timer of the instance that restores the context
	// runs from it (TS 24.501 §5.3.7).
	T3512 time.Duration
	// Saved is when the context was saved, and Owner the NF instance ID
	// of the AMF instance that saved it.
	Saved time.Time
	Owner string
}

// Security is the current 5G NAS security context (TS 33.501 §6.4.1).
type Security struct {
	NgKSI          uint8
	KAMF           secret.Key256
	IntAlg, EncAlg uint8
	// ULCount is the uplink NAS COUNT expected next and ULSeen whether
	// any uplink message was accepted; DLCount is the next downlink
	// NAS COUNT (TS 24.501 §4.4.3.1).
	ULCount uint32
	ULSeen  bool
	DLCount uint32
}

// Session is one PDU session: its SM context at the SMF.
type Session struct {
	ID     uint8
	SNSSAI ident.SNSSAI
	DNN    string
	// Ref is the SM context reference the SMF gave (TS 29.502
	// §6.1.3.2.3.1, the Location of the created SM context).
	Ref string
}

// String names the UE without its secrets.
func (u UE) String() string { return fmt.Sprintf("UE context of %s (%s)", u.SUPI, u.GUTI) }

// SUPIKey is the record key of the context of supi.
func SUPIKey(supi string) string { return "supi:" + supi }

// GUTIKey is the record key of the index naming the SUPI of the UE with
// 5G-GUTI g.
func GUTIKey(g ident.GUTI) string { return "guti:" + g.String() }

// wire is the JSON form of version 1.
type wire struct {
	V            int            `json:"v"`
	SUPI         string         `json:"supi"`
	GUTI         ident.GUTI     `json:"guti"`
	Former       *ident.GUTI    `json:"former,omitempty"`
	NgKSI        uint8          `json:"ngKsi"`
	KAMF         []byte         `json:"kamf"`
	IntAlg       uint8          `json:"ia"`
	EncAlg       uint8          `json:"ea"`
	ULCount      uint32         `json:"ul"`
	ULSeen       bool           `json:"ulSeen,omitempty"`
	DLCount      uint32         `json:"dl"`
	Capabilities []byte         `json:"caps,omitempty"`
	TAIs         []ident.TAI    `json:"tais,omitempty"`
	Allowed      []ident.SNSSAI `json:"allowed,omitempty"`
	Subscribed   []ident.SNSSAI `json:"subscribed,omitempty"`
	Defaults     []ident.SNSSAI `json:"defaults,omitempty"`
	AMBRUplink   uint64         `json:"ambrUl,omitempty"`
	AMBRDownlink uint64         `json:"ambrDl,omitempty"`
	DNNs         []string       `json:"dnns,omitempty"`
	Sessions     []wireSession  `json:"sessions,omitempty"`
	T3512        int64          `json:"t3512,omitempty"` // seconds
	Saved        int64          `json:"saved,omitempty"` // Unix milliseconds
	Owner        string         `json:"owner,omitempty"`
}

type wireSession struct {
	ID     uint8        `json:"id"`
	SNSSAI ident.SNSSAI `json:"snssai"`
	DNN    string       `json:"dnn"`
	Ref    string       `json:"ref"`
}

// Marshal encodes u, appending to b.
func Marshal(b []byte, u UE) ([]byte, error) {
	if err := u.validate(); err != nil {
		return nil, err
	}
	w := wire{V: Version, SUPI: u.SUPI, GUTI: u.GUTI, Former: u.Former, NgKSI: u.Security.NgKSI, KAMF: u.Security.KAMF.Bytes(),
		IntAlg: u.Security.IntAlg, EncAlg: u.Security.EncAlg, ULCount: u.Security.ULCount, ULSeen: u.Security.ULSeen,
		DLCount: u.Security.DLCount, Capabilities: u.Capabilities, TAIs: u.TAIs, Allowed: u.Allowed,
		Subscribed: u.Subscribed, Defaults: u.Defaults, AMBRUplink: u.AMBRUplink, AMBRDownlink: u.AMBRDownlink,
		DNNs: u.DNNs, Owner: u.Owner, T3512: int64(u.T3512 / time.Second)}
	if !u.Saved.IsZero() {
		w.Saved = u.Saved.UnixMilli()
	}
	for _, s := range u.Sessions {
		w.Sessions = append(w.Sessions, wireSession(s))
	}
	buf := bytes.NewBuffer(b)
	if err := json.NewEncoder(buf).Encode(w); err != nil {
		return nil, fmt.Errorf("uerecord: encoding %s: %w", u, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ErrVersion reports a record of an encoding this AMF does not read.
var ErrVersion = errors.New("uerecord: unknown record version")

// Unmarshal decodes a record Marshal wrote. An error names what is wrong;
// it never holds key material.
func Unmarshal(b []byte) (UE, error) {
	var w wire
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&w); err != nil {
		return UE{}, fmt.Errorf("uerecord: %w", err)
	}
	if d.More() {
		return UE{}, errors.New("uerecord: data after the record")
	}
	if w.V != Version {
		return UE{}, fmt.Errorf("%w: %d", ErrVersion, w.V)
	}
	if len(w.KAMF) != len(secret.Key256{}) {
		return UE{}, fmt.Errorf("uerecord: kamf of %d octets, want 32", len(w.KAMF))
	}
	u := UE{SUPI: w.SUPI, GUTI: w.GUTI, Former: w.Former, Security: Security{NgKSI: w.NgKSI, IntAlg: w.IntAlg, EncAlg: w.EncAlg,
		ULCount: w.ULCount, ULSeen: w.ULSeen, DLCount: w.DLCount}, Capabilities: w.Capabilities, TAIs: w.TAIs,
		Allowed: w.Allowed, Subscribed: w.Subscribed, Defaults: w.Defaults, AMBRUplink: w.AMBRUplink,
		AMBRDownlink: w.AMBRDownlink, DNNs: w.DNNs, Owner: w.Owner}
	copy(u.Security.KAMF[:], w.KAMF)
	if w.T3512 < 0 || w.T3512 > int64(1<<31) {
		return UE{}, fmt.Errorf("uerecord: t3512 of %d s out of range", w.T3512)
	}
	u.T3512 = time.Duration(w.T3512) * time.Second
	if w.Saved != 0 {
		u.Saved = time.UnixMilli(w.Saved)
	}
	for _, s := range w.Sessions {
		u.Sessions = append(u.Sessions, Session(s))
	}
	if err := u.validate(); err != nil {
		return UE{}, err
	}
	return u, nil
}

// validate checks what a context must hold and the ranges of its values.
func (u UE) validate() error {
	switch {
	case u.SUPI == "" || len(u.SUPI) > maxSUPI:
		return fmt.Errorf("uerecord: SUPI of %d characters, want 1..%d", len(u.SUPI), maxSUPI)
	case u.Security.NgKSI > 6:
		// TS 24.501 §9.11.3.32: 7 is "no key is available".
		return fmt.Errorf("uerecord: %s: ngKSI %d, want 0..6", u, u.Security.NgKSI)
	case u.Security.IntAlg > 3 || u.Security.EncAlg > 3:
		return fmt.Errorf("uerecord: %s: algorithms NIA%d/NEA%d, want 0..3", u, u.Security.IntAlg, u.Security.EncAlg)
	case u.Security.ULCount > maxCount || u.Security.DLCount > maxCount:
		return fmt.Errorf("uerecord: %s: NAS COUNT above 24 bits", u)
	case len(u.Capabilities) > maxCaps:
		return fmt.Errorf("uerecord: %s: UE security capability of %d octets, want at most %d", u, len(u.Capabilities), maxCaps)
	case len(u.TAIs) > maxTAIs:
		return fmt.Errorf("uerecord: %s: %d TAIs, want at most %d", u, len(u.TAIs), maxTAIs)
	case len(u.Allowed) > maxSlices || len(u.Subscribed) > maxSlices || len(u.Defaults) > maxSlices:
		return fmt.Errorf("uerecord: %s: more than %d S-NSSAIs in a list", u, maxSlices)
	case len(u.Owner) > maxText:
		return fmt.Errorf("uerecord: %s: owner of %d characters, want at most %d", u, len(u.Owner), maxText)
	case len(u.DNNs) > maxSlices:
		return fmt.Errorf("uerecord: %s: %d DNNs, want at most %d", u, len(u.DNNs), maxSlices)
	case len(u.Sessions) > maxSessions:
		return fmt.Errorf("uerecord: %s: %d PDU sessions, want at most %d", u, len(u.Sessions), maxSessions)
	}
	if err := u.GUTI.Validate(); err != nil {
		return fmt.Errorf("uerecord: %w", err)
	}
	if u.Former != nil {
		if err := u.Former.Validate(); err != nil {
			return fmt.Errorf("uerecord: former 5G-GUTI: %w", err)
		}
		if *u.Former == u.GUTI {
			return fmt.Errorf("uerecord: %s: former 5G-GUTI is the 5G-GUTI", u)
		}
	}
	for _, d := range u.DNNs {
		if d == "" || len(d) > maxText {
			return fmt.Errorf("uerecord: %s: a DNN empty or too long", u)
		}
	}
	var seen uint16
	for _, s := range u.Sessions {
		switch {
		case s.ID < 1 || s.ID > 15:
			return fmt.Errorf("uerecord: %s: PDU session ID %d, want 1..15", u, s.ID)
		case seen&(1<<s.ID) != 0:
			return fmt.Errorf("uerecord: %s: PDU session %d twice", u, s.ID)
		case s.Ref == "" || len(s.Ref) > maxText || len(s.DNN) > maxText:
			return fmt.Errorf("uerecord: %s: PDU session %d: SM context reference or DNN empty or too long", u, s.ID)
		}
		seen |= 1 << s.ID
	}
	return nil
}
