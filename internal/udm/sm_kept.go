package udm

import (
	"sync"
	"time"

	"github.com/keelcore/keel/internal/sbi"
)

// Bounds on the session management data kept (smKept).
const (
	// DefaultSMKeptFor is how long the session management data read with
	// a UE's access and mobility data waits for the session that follows
	// the registration: the lifetime of the UDR's own subscription reads
	// over a store that does not announce changes (internal/udr
	// cacheTTL).
	DefaultSMKeptFor = 5 * time.Second
	// DefaultMaxSMKept bounds the UEs whose data is kept.
	DefaultMaxSMKept = 100_000
)

// smKept holds, per SUPI, the session management subscription data the
// UDM read from the UDR together with the access and mobility data of a
// registration (QueryProvisionedData with dataset-names AM,SM, TS 29.505
// §5.2.26), for the Nudm_SDM_Get of sm-data of the PDU session
// establishment that follows (TS 23.502 §4.3.2.2.1 step 4): that Get is
// answered from it once, within its lifetime, without a second UDR
// request. A data change the UDR notifies for the SUPI (Nudr_DM_Notify,
// TS 29.504 §5.2.2.4) drops it.
//
// Concurrency: safe for concurrent use. A read that began before a drop
// does not keep its data: gen tells.
type smKept struct {
	now     func() time.Time
	keptFor time.Duration
	maxKept int

	mu struct {
		sync.Mutex
		m   map[string]keptSM
		gen uint64
		// swept is when the entries past their lifetime last went.
		swept time.Time
	}
}

type keptSM struct {
	data []sbi.SMData
	at   time.Time
}

func newSMKept(now func() time.Time, keptFor time.Duration, maxKept int) *smKept {
	k := &smKept{now: now, keptFor: keptFor, maxKept: maxKept}
	if k.keptFor <= 0 {
		k.keptFor = DefaultSMKeptFor
	}
	if k.maxKept <= 0 {
		k.maxKept = DefaultMaxSMKept
	}
	k.mu.m = map[string]keptSM{}
	return k
}

// generation is taken before a read whose data is to be kept.
func (k *smKept) generation() uint64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.mu.gen
}

// put keeps supi's data read since generation gen, unless a drop came in
// between. The entries past their lifetime (those no sm-data Get took:
// a UE without a session, one whose Get went to another UDM instance)
// go once per lifetime, and at the bound; at the bound with none past
// it, the data is not kept.
func (k *smKept) put(supi string, data []sbi.SMData, gen uint64) {
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.mu.gen != gen {
		return
	}
	if len(k.mu.m) >= k.maxKept || now.Sub(k.mu.swept) >= k.keptFor {
		for s, e := range k.mu.m {
			if now.Sub(e.at) >= k.keptFor {
				delete(k.mu.m, s)
			}
		}
		k.mu.swept = now
		if len(k.mu.m) >= k.maxKept {
			return
		}
	}
	k.mu.m[supi] = keptSM{data: data, at: now}
}

// take returns supi's kept data and forgets it; ok is false when there
// is none within its lifetime.
func (k *smKept) take(supi string) (data []sbi.SMData, ok bool) {
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.mu.m[supi]
	if !ok {
		return nil, false
	}
	delete(k.mu.m, supi)
	if now.Sub(e.at) >= k.keptFor {
		return nil, false
	}
	return e.data, true
}

// drop forgets supi's kept data: it changed.
func (k *smKept) drop(supi string) {
	k.mu.Lock()
	k.mu.gen++
	delete(k.mu.m, supi)
	k.mu.Unlock()
}

// size counts the UEs whose data is kept.
func (k *smKept) size() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.mu.m)
}
