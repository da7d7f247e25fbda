// Package store defines Keel's subscriber store: the interface every
// storage engine implements, the subscriber model, and the errors callers
// branch on. Engines live in sub-packages (sqlite/ is the embedded default);
// storetest/ is the conformance suite every engine must pass.
//
// # Concurrency
//
// A Store is safe for concurrent use by any number of goroutines.
//
// # SQN
//
// The sequence number SQN (TS 33.102 §6.3, Annex C) is the one piece of
// subscriber data that Keel itself writes on the hot path. AdvanceSQN
// increments it atomically and durably before returning, so a value it has
// returned is never returned again — not to a concurrent caller and not after
// a crash or power loss.
//
// # Errors
//
// ErrNotFound, ErrExists and *ImportError answer the request; an error
// wrapping ErrUnavailable says the store could not serve it (disk full, I/O
// error) and a later attempt may succeed. Sub-package health watches the
// latter and reports the store's health.
package store

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/netip"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/secret"
)

// Errors callers branch on. Engines wrap them with detail.
var (
	ErrNotFound = errors.New("store: subscriber not found")
	ErrExists   = errors.New("store: subscriber already exists")
	// ErrAddressInUse means a static UE address is another subscriber's
	// (an *AddressInUseError says which).
	ErrAddressInUse = errors.New("store: static address held by another subscriber")
	// ErrSchemaNewer means the database was written by a newer Keel.
	ErrSchemaNewer = errors.New("store: database schema is newer than this keel supports")
	// ErrCorrupt means the database file is not a readable Keel database.
	ErrCorrupt = errors.New("store: database is corrupt or not a keel database")
	// ErrUnavailable means the store itself failed, not the request: a full
	// disk, an I/O error, a lock held too long, a closed store. The same
	// request may succeed later. Engines wrap their own failures with it;
	// callers answer with a temporary failure rather than a refusal.
	ErrUnavailable = errors.New("store: unavailable")
)

// Prober is a store that can check that it accepts durable writes without
// changing any subscriber. Engines implement it; health checks use it.
type Prober interface {
	Probe(ctx context.Context) error
}

// MaxSQN is the largest 48-bit sequence number (TS 33.102 §6.3.2).
const MaxSQN = 1<<48 - 1

// Store is the subscriber store.
type Store interface {
	// CreateSubscriber adds a new subscriber; ErrExists if the SUPI is
	// taken, ErrAddressInUse if a static address is.
	CreateSubscriber(ctx context.Context, s *Subscriber) error
	// GetSubscriber returns a subscriber; ErrNotFound if absent.
	GetSubscriber(ctx context.Context, supi string) (*Subscriber, error)
	// UpdateSubscriber replaces the subscription data of an existing
	// subscriber. The SQN is not changed by an update (see AdvanceSQN).
	// ErrAddressInUse if a static address is another subscriber's.
	UpdateSubscriber(ctx context.Context, s *Subscriber) error
	// DeleteSubscriber removes a subscriber; ErrNotFound if absent.
	DeleteSubscriber(ctx context.Context, supi string) error
	// ListSubscribers returns subscribers in SUPI order.
	ListSubscribers(ctx context.Context, q ListQuery) (ListPage, error)
	// CountSubscribers returns the number of subscribers.
	CountSubscribers(ctx context.Context) (int, error)
	// ImportSubscribers is ImportStream of subs, each entry's Row its
	// index in subs.
	ImportSubscribers(ctx context.Context, subs []*Subscriber) error
	// ImportStream creates the subscribers src yields in one transaction,
	// reading src as it stores, so an import of any length holds one entry
	// in memory at a time. Either every entry is stored or none is. Refused
	// entries — the caller's own refusals, invalid subscribers, SUPIs that
	// exist or repeat an earlier entry, static addresses held by another
	// subscriber or repeating an earlier entry — fail the whole import with
	// an *ImportError listing them by Row; the store reads src to its end
	// to report them all. An error yielded by src ends the import at once:
	// nothing is stored and the returned error wraps it. ImportStream
	// returns the number of subscribers stored.
	ImportStream(ctx context.Context, src iter.Seq2[ImportEntry, error]) (int, error)

	// AdvanceSQN increments the subscriber's SQN by one, durably, and returns
	// the authentication data with the new SQN, ready for one vector.
	AdvanceSQN(ctx context.Context, supi string) (AuthData, error)
	// ResyncSQN raises the stored SQN to at least sqnMS (from an AUTS,
	// TS 33.102 §6.3.5). It never lowers the stored value, so no SQN the
	// store has handed out can be handed out again.
	ResyncSQN(ctx context.Context, supi string, sqnMS uint64) error

	// Close releases the store. In-flight calls finish first.
	Close() error
}

// ListQuery selects a page of subscribers.
type ListQuery struct {
	// After is the SUPI the previous page ended with ("" for the first page).
	After string
	// Limit is the page size; engines cap it at MaxPageSize.
	Limit int
	// SUPIPrefix keeps only subscribers whose SUPI starts with it.
	SUPIPrefix string
	// DNN keeps only subscribers with a setting for that DNN.
	DNN string
}

// MaxPageSize bounds ListQuery.Limit.
const MaxPageSize = 1000

// ListPage is one page of a listing.
type ListPage struct {
	Subscribers []*Subscriber
	// Next is the After value for the next page, "" when this is the last.
	Next string
}

// ImportEntry is one entry of a streamed import.
type ImportEntry struct {
	// Row names the entry in refusals: its line or position in the
	// caller's input.
	Row int
	// Subscriber is the subscriber to create.
	Subscriber *Subscriber
	// Refusal, when not nil, is the caller's own refusal of the entry
	// (Subscriber is then ignored): nothing of the import is stored, and
	// the refusal is reported in order among the store's own.
	Refusal *RowError
}

// MaxImportErrors bounds the refused entries an ImportError lists.
const MaxImportErrors = 100

// ImportError reports the entries of an import that were refused.
type ImportError struct {
	// Rows lists the first MaxImportErrors refused entries in input order.
	Rows []RowError
	// Refused counts every refused entry, listed or not.
	Refused int
}

// RowError is one refused import entry.
type RowError struct {
	// Row is the entry's ImportEntry.Row (for ImportSubscribers, its
	// index in subs).
	Row int
	// Field names the field at fault as a path into Subscriber's API form
	// ("supi", "dnns[1].static_ipv4"); "" when the entry as a whole is.
	Field  string
	Reason string
}

func (e *ImportError) Error() string {
	if e.Refused == 1 && len(e.Rows) == 1 {
		return fmt.Sprintf("store: import refused: entry %d: %s", e.Rows[0].Row, e.Rows[0].Reason)
	}
	return fmt.Sprintf("store: import refused: %d entries in error", e.Refused)
}

// Add records a refused entry: listed while fewer than MaxImportErrors
// are, counted always.
func (e *ImportError) Add(r RowError) {
	e.Refused++
	if len(e.Rows) < MaxImportErrors {
		e.Rows = append(e.Rows, r)
	}
}

// AddressInUseError is a static UE address that another subscriber holds,
// or that an earlier entry of the same import holds.
type AddressInUseError struct {
	// Field is the address's path in the refused subscriber
	// ("dnns[0].static_ipv4").
	Field string
	// Addr is the refused address. For IPv6 the whole /64 holding it is
	// the UE's (TS 23.501 §5.8.2.2.1), so any address in a held /64 is
	// refused.
	Addr netip.Addr
	// Holder is the SUPI holding it.
	Holder string
}

func (e *AddressInUseError) Error() string {
	return fmt.Sprintf("store: %s: static address %s is held by %s", e.Field, e.Addr, e.Holder)
}

// Is makes errors.Is(err, ErrAddressInUse) hold.
func (e *AddressInUseError) Is(target error) bool { return target == ErrAddressInUse }

// AddressKey is what makes two static addresses the same UE address: an
// IPv4 address itself, and for IPv6 the /64 prefix holding it, since a UE
// of an IPv6 PDU session gets a whole /64 (TS 23.501 §5.8.2.2.1). Engines
// keep one holder per key.
func AddressKey(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

// Subscriber is one subscription: credentials plus subscribed data.
type Subscriber struct {
	// SUPI in its IMSI form, "imsi-" followed by 6 to 15 digits: MCC, MNC
	// and at least one MSIN digit (TS 23.003 §2.2, §2.2A).
	SUPI string
	Auth AuthData
	// UEAMBR is the UE aggregate maximum bit rate (TS 23.501 §5.7.2.6).
	UEAMBR AMBR
	// NSSAI lists the subscribed S-NSSAIs.
	NSSAI []ident.SNSSAI
	// DefaultNSSAI lists those of NSSAI marked default, in NSSAI order,
	// each once (engines refuse other lists): the S-NSSAIs a UE requesting none that can be allowed
	// is given (TS 23.501 §5.15.5.2.1; TS 29.503 Nssai
	// defaultSingleNssais). Empty means the first of NSSAI is the
	// default; Defaults applies that rule.
	DefaultNSSAI []ident.SNSSAI
	// DNNs holds the per-DNN session settings.
	DNNs []DNNConfig
}

// Defaults returns the subscriber's default S-NSSAIs: those marked in
// DefaultNSSAI, or when none is marked the first of NSSAI.
func (s *Subscriber) Defaults() []ident.SNSSAI {
	if len(s.DefaultNSSAI) > 0 {
		return s.DefaultNSSAI
	}
	if len(s.NSSAI) > 0 {
		return s.NSSAI[:1:1]
	}
	return nil
}

// AuthData is what an authentication vector is computed from (TS 33.501 §6.1.3.2).
type AuthData struct {
	K secret.Key128
	// OPc holds OPc, or OP when OPIsOP is true (TS 35.206 §2.3: OPc is
	// derived from OP and K).
	OPc    secret.Key128
	OPIsOP bool
	// AMF is the authentication management field.
	AMF [2]byte
	// SQN is a 48-bit sequence number.
	SQN uint64
}

// AMBR is an aggregate maximum bit rate in bits per second.
type AMBR struct {
	Uplink   uint64
	Downlink uint64
}

// DNNConfig holds the session settings of one DNN for one subscriber.
type DNNConfig struct {
	DNN string
	// SNSSAI is the slice this DNN is subscribed in.
	SNSSAI      ident.SNSSAI
	SessionAMBR AMBR
	// FiveQI of the default QoS flow (TS 23.501 §5.7.2.1).
	FiveQI uint8
	// ARPPriority of the default QoS flow, 1 (highest) to 15.
	ARPPriority uint8
	// StaticIPv4 and StaticIPv6 are optional fixed UE addresses. No two
	// settings, of one subscriber or of two, hold the same AddressKey:
	// creates, updates and imports that would are refused with
	// ErrAddressInUse (an *AddressInUseError).
	StaticIPv4 netip.Addr
	StaticIPv6 netip.Addr
	// PCCRules are the subscriber's own PCC rules on this DNN (TS 29.512
	// PccRule with QosData); the PCF adds them to the DNN's configured
	// ones, replacing one of the same ID.
	PCCRules []PCCRule
}

// PCCRule is a PCC rule: the service data flows its flow descriptions
// (IPFilterRule strings, TS 29.212 §5.4.2) detect and the QoS of their
// QoS flow. GFBR and MFBR are in bit/s, zero for a non-GBR 5QI.
type PCCRule struct {
	ID               string
	FlowDescriptions []string
	FiveQI           uint8
	ARP              ARP
	GFBR, MFBR       AMBR
}

// ARP is an allocation and retention priority (TS 23.501 §5.7.2.2).
type ARP struct {
	PriorityLevel           uint8 // 1 (highest) to 15
	PreemptionCapability    bool  // may pre-empt
	PreemptionVulnerability bool  // may be pre-empted
}
