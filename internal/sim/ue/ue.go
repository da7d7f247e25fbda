package ue

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
)

// Config describes one simulated subscriber: its USIM, its home network
// and its capabilities.
type Config struct {
	SUPI     string // "imsi-001010000000001"; only IMSI-type SUPIs
	MCC, MNC string // home PLMN, "001", "01"; the SUPI starts with them
	K, OPc   secret.Key128
	// RoutingIndicator is 1 to 4 digits; "" means "0000".
	RoutingIndicator string
	Scheme           Scheme
	HNKeyID          uint8  // home network public key identifier (profiles A and B)
	HNPublic         []byte // 32 octets X25519, or 33 (compressed) or 65 octets P-256
	SNSSAIs          []ident.SNSSAI
	// EA and IA are the supported algorithms as bitmaps of the 5GS UE
	// security capability IE (0x80 = 5G-EA0/IA0 ... 0x10 = 128-5G-EA3/IA3);
	// zero means all four.
	EA, IA uint8
	// Rand is the source of SUCI ephemeral keys; nil means crypto/rand.
	Rand io.Reader

	// SQN is the highest sequence number the USIM has accepted so far
	// (SQNms, 48 bits); a challenge must carry a greater one.
	SQN uint64
	// FollowOnRequest sets the follow-on request bit of the initial
	// Registration Request (TS 24.501 §5.5.1.2.2), asking the AMF to keep
	// the N1 connection after registration.
	FollowOnRequest bool
	// RejectModification makes the UE answer every PDU SESSION
	// MODIFICATION COMMAND with COMMAND REJECT #83 (TS 24.501 §6.3.2.4),
	// for tests of the network's roll back.
	RejectModification bool
}

// UE is one simulated UE. It is not safe for concurrent use: the caller
// serialises calls (one goroutine per UE or a serial executor).
type UE struct {
	// Fixed by New.
	supi    string // "imsi-" and the digits
	imsi    string // the digits: P0 of TS 33.501 A.7
	msin    string
	mcc     string
	mnc     string
	plmn    [3]byte
	routing [2]byte
	snn     []byte // serving network name (the home PLMN: the simulator does not roam)
	nssai   []ident.SNSSAI
	follow  bool
	// rejectMod: Config.RejectModification.
	rejectMod bool
	// configUpdates counts the CONFIGURATION UPDATE COMMANDs processed;
	// fullName and shortName are the network's names they gave.
	configUpdates       int
	fullName, shortName string
	usim                *milenage
	suci                *concealer
	secCap              [2]byte // UE security capability value: EA, IA
	imei                string
	imeisv              string

	// 5GMM state. Handle and the request builders move it along the
	// transition table in state.go.
	state   State
	sqnMS   uint64           // USIM: highest accepted SQN (TS 33.102 §6.3.3, simplified)
	pending *authContext     // from the last 5G AKA, not yet taken into use by a Security Mode Command
	ctx     *securityContext // current 5G NAS security context
	// secured records that the network established secure exchange of NAS
	// messages on the current N1 connection (TS 24.501 §4.4.4.2): from
	// then on every downlink message must pass the integrity check.
	secured bool
	initial *initialMessage // the initial NAS message of the ongoing registration

	guti    *ident.GUTI
	tais    []ident.TAI
	allowed []ident.SNSSAI
	t3512   time.Duration

	// 5GSM: the PDU sessions (session.go).
	sm smContext
}

// initialMessage is the Registration Request that opened a registration
// procedure, kept for the NAS message container of Security Mode Complete
// (TS 24.501 §4.4.6).
type initialMessage struct {
	full         []byte // the entire plain message, cleartext and non-cleartext IEs
	nonCleartext bool   // full has IEs that the message sent left out
	// update is set for a mobility or periodic registration update, the
	// UE registered all along.
	update bool
}

// New checks cfg and returns a UE in state Deregistered.
func New(cfg Config) (*UE, error) {
	u := &UE{state: Deregistered, follow: cfg.FollowOnRequest, rejectMod: cfg.RejectModification}
	lower := strings.ToLower(cfg.SUPI)
	if !strings.HasPrefix(lower, "imsi-") {
		return nil, fmt.Errorf("ue: SUPI %q: only IMSI-type SUPIs (\"imsi-<digits>\") are supported", cfg.SUPI)
	}
	u.imsi = lower[len("imsi-"):]
	u.supi = "imsi-" + u.imsi
	if !isDigits(u.imsi) || len(u.imsi) < 6 || len(u.imsi) > 15 {
		return nil, fmt.Errorf("ue: SUPI %q: want 6 to 15 IMSI digits", cfg.SUPI)
	}
	var err error
	if u.plmn, err = (ident.PLMN{MCC: cfg.MCC, MNC: cfg.MNC}).Octets(); err != nil {
		return nil, fmt.Errorf("ue: %w", err)
	}
	if !strings.HasPrefix(u.imsi, cfg.MCC+cfg.MNC) || len(u.imsi) == len(cfg.MCC+cfg.MNC) {
		return nil, fmt.Errorf("ue: SUPI %q does not start with home PLMN %s%s and an MSIN", cfg.SUPI, cfg.MCC, cfg.MNC)
	}
	u.mcc, u.mnc = cfg.MCC, cfg.MNC
	u.msin = u.imsi[len(cfg.MCC+cfg.MNC):]
	if u.routing, err = routingIndicator(cfg.RoutingIndicator); err != nil {
		return nil, err
	}
	if cfg.K.IsZero() {
		return nil, errors.New("ue: K is all zeroes")
	}
	if cfg.SQN >= 1<<48 {
		return nil, fmt.Errorf("ue: SQN %#x does not fit 48 bits", cfg.SQN)
	}
	for _, s := range cfg.SNSSAIs {
		if s.SD > 0xFFFFFF {
			return nil, fmt.Errorf("ue: S-NSSAI SD %#x does not fit 24 bits", s.SD)
		}
	}
	r := cfg.Rand
	if r == nil {
		r = rand.Reader
	}
	if u.suci, err = newConcealer(cfg.Scheme, cfg.HNKeyID, cfg.HNPublic, r); err != nil {
		return nil, err
	}
	ea, ia := cfg.EA, cfg.IA
	if ea == 0 {
		ea = 0xF0
	}
	if ia == 0 {
		ia = 0xF0
	}
	u.secCap = [2]byte{ea, ia}
	u.snn = servingNetworkName(cfg.MCC, cfg.MNC)
	u.nssai = append([]ident.SNSSAI(nil), cfg.SNSSAIs...)
	u.usim = newMilenage(cfg.K, cfg.OPc)
	u.sqnMS = cfg.SQN
	u.imei, u.imeisv = deviceIdentities(u.msin)
	return u, nil
}

// State returns the 5GMM state.
func (u *UE) State() State { return u.state }

// SUPI returns the SUPI in its canonical form, "imsi-<digits>".
func (u *UE) SUPI() string { return u.supi }

// GUTI returns the 5G-GUTI the network assigned, in the TS 29.571 form
// ("5g-guti-00101cafe4000000001"), or "" before registration.
func (u *UE) GUTI() string {
	if u.guti == nil {
		return ""
	}
	return u.guti.String()
}

// TAIList returns the registration area from the last Registration Accept
// or Configuration Update Command.
func (u *UE) TAIList() []ident.TAI { return append([]ident.TAI(nil), u.tais...) }

// AllowedNSSAI returns the allowed NSSAI from the network.
func (u *UE) AllowedNSSAI() []ident.SNSSAI { return append([]ident.SNSSAI(nil), u.allowed...) }

// T3512 returns the periodic registration update timer the network set;
// 0 when it did not or deactivated it.
func (u *UE) T3512() time.Duration { return u.t3512 }

// IMEISV returns the device identity the UE reports when asked.
func (u *UE) IMEISV() string { return u.imeisv }

// KgNB returns the KgNB derived from KAMF with the uplink NAS COUNT of the
// last protected uplink NAS message (TS 33.501 A.9), or a zero key without
// a 5G NAS security context.
func (u *UE) KgNB() secret.Key256 {
	if u.ctx == nil {
		return secret.Key256{}
	}
	c := u.ctx.ul
	if c > 0 {
		c--
	}
	return deriveKgNB(u.ctx.kamf, c)
}

// NextHop derives the NH that follows sync in the UE's NH chain (TS
// 33.501 Annex A.10): sync is the KgNB of the initial setup for the
// first NH (NCC 1), the previous NH after it (§6.9.2.1.1). A zero key
// without a 5G NAS security context.
func (u *UE) NextHop(sync secret.Key256) secret.Key256 {
	if u.ctx == nil {
		return secret.Key256{}
	}
	return deriveNH(u.ctx.kamf, sync)
}

// KgNBForCount returns the KgNB for a given uplink NAS COUNT, or a zero
// key without a 5G NAS security context.
func (u *UE) KgNBForCount(ulCount uint32) secret.Key256 {
	if u.ctx == nil {
		return secret.Key256{}
	}
	return deriveKgNB(u.ctx.kamf, ulCount)
}

// NextULCount returns the uplink NAS COUNT the next protected uplink
// message will carry (0 without a security context).
func (u *UE) NextULCount() uint32 {
	if u.ctx == nil {
		return 0
	}
	return u.ctx.ul
}

// LastDLCount returns the downlink NAS COUNT of the last downlink message
// that passed the integrity check, and false if there was none in the
// current security context.
func (u *UE) LastDLCount() (uint32, bool) {
	if u.ctx == nil || !u.ctx.dlSeen {
		return 0, false
	}
	return u.ctx.dl, true
}

// ConnectionReleased tells the UE that the lower layers released the N1
// NAS signalling connection (RRC release, or the gNB's association with
// the UE's AMF lost): the next downlink messages belong to a new
// connection, on which the network has to establish secure exchange
// again. The 5G NAS security context stays, with its NAS COUNTs, so the
// UE's next initial NAS message is integrity protected with it. A
// service request under way is aborted (TS 24.501 §5.6.1.7 a: lower
// layer failure), and so is a mobility or periodic registration update
// (§5.5.1.3.7 a): the UE is back in 5GMM-REGISTERED.
func (u *UE) ConnectionReleased() {
	u.secured = false
	switch {
	case u.state == ServiceRequestInitiated:
		u.state, u.initial = Registered, nil
	case u.state == RegisteredInitiated && u.initial != nil && u.initial.update:
		u.state, u.initial = Registered, nil
	}
}

// FiveGGUTI returns the 5G-GUTI the network assigned, whose AMF Set ID,
// AMF Pointer and 5G-TMSI make the 5G-S-TMSI (TS 23.003 §2.11), and
// false before registration.
func (u *UE) FiveGGUTI() (ident.GUTI, bool) {
	if u.guti == nil {
		return ident.GUTI{}, false
	}
	return *u.guti, true
}

// String names the UE by SUPI and state. The UE formats itself so that no
// verb of fmt reaches its key material.
func (u *UE) String() string { return "ue " + u.supi + " " + u.state.String() }

// GoString is String, for %#v.
func (u *UE) GoString() string { return u.String() }

// LogValue gives log/slog the SUPI and the state.
func (u *UE) LogValue() slog.Value {
	return slog.GroupValue(slog.String("supi", u.supi), slog.String("state", u.state.String()))
}

// FollowOn reports whether the UE sets the follow-on request bit in its
// initial REGISTRATION REQUEST (Config.FollowOnRequest).
func (u *UE) FollowOn() bool { return u.follow }
