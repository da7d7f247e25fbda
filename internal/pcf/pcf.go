package pcf

import (
	"errors"
	"log/slog"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/memrecords"
)

// Defaults of a decision when the subscription leaves a value out.
const (
	// DefaultFiveQI is the standardised 5QI for best-effort internet
	// traffic (TS 23.501 Table 5.7.4-1).
	DefaultFiveQI = 9
	// DefaultARPPriority is the middle of the range 1..15.
	DefaultARPPriority = 8
	// DefaultSessionAMBR is 1 Gbit/s each way.
	DefaultSessionAMBR = 1_000_000_000
)

// Options are what a PCF is built from.
type Options struct {
	// SDM gives the session management subscription data (required):
	// the PCF reads it for a new association when the SMF passed no
	// subscribed session AMBR and default QoS, and for every association
	// of a subscriber whose data changed.
	SDM sbi.NudmSDM
	// SubscriberPCCRules says that SDM's data carries the subscribers'
	// own PCC rules (sbi.SMData.PCCRules), as the UDM of the same process
	// does: the PCF then reads it for every new association. Over HTTP
	// the session management data carries none (package subdata), and a
	// PCF without it decides from what the SMF passed.
	SubscriberPCCRules bool
	// DefaultSessionAMBRUplink and DefaultSessionAMBRDownlink apply when
	// the subscription has no session AMBR (bit/s); 0 means
	// DefaultSessionAMBR.
	DefaultSessionAMBRUplink, DefaultSessionAMBRDownlink uint64
	// PCCRules are the PCC rules of every session of a DNN (keys
	// compare without regard to case, TS 23.003 §9.1); a subscriber's
	// own rule with the same ID replaces the DNN's.
	PCCRules map[string][]sbi.PCCRule
	// Records keeps the SM policy associations; PCF instances sharing
	// one update and delete each other's. Nil means records of this
	// PCF's own (memrecords).
	Records store.Records
	// Logger receives debug records; nil discards them.
	Logger *slog.Logger
	// Registry receives the PCF's metrics; nil leaves them unregistered.
	Registry prometheus.Registerer
}

// PCF implements sbi.NpcfSMPolicyControl.
type PCF struct {
	sdm             sbi.NudmSDM
	subscriberRules bool
	ambrUL          uint64
	ambrDL          uint64
	pccRules        map[string][]sbi.PCCRule // by lower-case DNN; read-only after New
	log             *slog.Logger
	metrics         *metrics
	// records holds the associations (association.go).
	records store.Records
	// notify receives UpdateNotify; set once by SetNotifier, before the
	// first notification.
	notify struct {
		sync.Mutex
		n sbi.NpcfSMPolicyNotifier
	}
}

var _ sbi.NpcfSMPolicyControl = (*PCF)(nil)

// New builds a PCF and registers its metrics.
func New(opts Options) (*PCF, error) {
	if opts.SDM == nil {
		return nil, errors.New("pcf: no UDM")
	}
	p := &PCF{sdm: opts.SDM, subscriberRules: opts.SubscriberPCCRules, ambrUL: opts.DefaultSessionAMBRUplink, ambrDL: opts.DefaultSessionAMBRDownlink, log: opts.Logger, records: opts.Records}
	if p.records == nil {
		p.records = memrecords.New()
	}
	if p.ambrUL == 0 {
		p.ambrUL = DefaultSessionAMBR
	}
	if p.ambrDL == 0 {
		p.ambrDL = DefaultSessionAMBR
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.pccRules = make(map[string][]sbi.PCCRule, len(opts.PCCRules))
	for dnn, rules := range opts.PCCRules {
		k := strings.ToLower(dnn)
		p.pccRules[k] = append(p.pccRules[k], rules...)
	}
	var err error
	if p.metrics, err = newMetrics(opts.Registry); err != nil {
		return nil, err
	}
	return p, nil
}
