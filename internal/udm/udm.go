package udm

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/crypto/suci"
	"github.com/keelcore/keel/internal/hnkey"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/memrecords"
)

// Options are what a UDM is built from.
type Options struct {
	// UDR holds the subscription data (required).
	UDR sbi.NudrDataRepository
	// Keys are the home network key pairs for SUCI profiles A and B; nil
	// admits only the null scheme.
	Keys *hnkey.Keyring
	// Logger receives debug records; nil discards them.
	Logger *slog.Logger
	// Registry receives the UDM's metrics; nil leaves them unregistered.
	Registry prometheus.Registerer
	// Records keeps the AMF registrations (UECM); UDM instances sharing
	// one read and purge each other's. Nil means records of this UDM's
	// own (memrecords).
	Records store.Records
	// Rand is the source of RAND; nil means crypto/rand. Reads are
	// serialised, so it need not be safe for concurrent use.
	Rand io.Reader
	// KeepSessionManagement, with a UDR that implements
	// sbi.NudrProvisionedData (one in another process), reads a UE's
	// session management data together with its access and mobility
	// data and keeps it for the UE's next sm-data Get, for SMKeptFor
	// (0 means DefaultSMKeptFor), dropped when the UDR notifies a change
	// of the UE's data (sm_kept.go): one UDR request fewer per
	// registration followed by a PDU session.
	KeepSessionManagement bool
	SMKeptFor             time.Duration
	// Now is the clock of the kept data; nil means time.Now.
	Now func() time.Time
}

// UDM implements sbi.NudmUEAuthentication, sbi.NudmSDM and sbi.NudmUECM.
type UDM struct {
	udr  sbi.NudrDataRepository
	keys *hnkey.Keyring
	// sidf holds one de-concealer per home network key, its private
	// key parsed once; read-only after New.
	sidf    map[uint8]*suci.Deconcealer
	log     *slog.Logger
	rand    io.Reader
	metrics *metrics

	// records holds the UE context management registrations.
	records store.Records
	// provisioned and smKept, both set or neither, read and keep the
	// session management data with the access and mobility data
	// (Options.KeepSessionManagement).
	provisioned sbi.NudrProvisionedData
	smKept      *smKept
	// provisionedRefused is set once the UDR refused QueryProvisionedData
	// as an operation it does not serve: the data sets are then read
	// one by one.
	provisionedRefused atomic.Bool
	// sdmSubs are the NFs notified of access and mobility data changes
	// (SubscribeSDM, SubscriptionDataChanged).
	sdmSubs struct {
		sync.Mutex
		list []sbi.NudmSDMNotifier
	}
}

var (
	_ sbi.NudmUEAuthentication = (*UDM)(nil)
	_ sbi.NudmSDM              = (*UDM)(nil)
	_ sbi.NudmUECM             = (*UDM)(nil)
)

// New builds a UDM and registers its metrics.
func New(opts Options) (*UDM, error) {
	if opts.UDR == nil {
		return nil, errors.New("udm: no UDR")
	}
	u := &UDM{udr: opts.UDR, keys: opts.Keys, log: opts.Logger, rand: opts.Rand, records: opts.Records}
	if p, ok := opts.UDR.(sbi.NudrProvisionedData); ok && opts.KeepSessionManagement {
		if opts.Now == nil {
			opts.Now = time.Now
		}
		u.provisioned, u.smKept = p, newSMKept(opts.Now, opts.SMKeptFor, DefaultMaxSMKept)
	}
	if u.records == nil {
		u.records = memrecords.New()
	}
	if u.log == nil {
		u.log = slog.New(slog.DiscardHandler)
	}
	if u.rand == nil {
		u.rand = rand.Reader
	} else {
		u.rand = &lockedReader{r: u.rand}
	}
	u.sidf = map[uint8]*suci.Deconcealer{}
	if u.keys != nil {
		for _, p := range u.keys.Public() {
			key, _ := u.keys.Key(p.ID)
			d, err := suci.NewDeconcealer(key)
			if err != nil {
				return nil, fmt.Errorf("udm: home network key %d: %w", p.ID, err)
			}
			u.sidf[p.ID] = d
		}
	}
	var err error
	if u.metrics, err = newMetrics(opts.Registry); err != nil {
		return nil, err
	}
	return u, nil
}

// lockedReader serialises reads from a reader of unknown thread safety.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}
