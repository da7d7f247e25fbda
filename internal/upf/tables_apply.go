package upf

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keelcore/keel/internal/gtpu"
)

// ErrUnknownSession is returned by Delete and Usage for a SEID the
// datapath does not have.
var ErrUnknownSession = errors.New("upf: unknown session")

// tables is the datapath's state apart from its I/O: the sessions and
// the lookup tables the packet path reads.
//
// Concurrency: the packet path (lookupTEID, lookupAddr and what hangs
// off the rules they return) takes no lock; mu serializes the writers,
// apply and remove, and guards the fields below it. A writer publishes
// every change with an atomic store (see cowTable and sessionSlot).
type tables struct {
	teids cowTable[uint32]
	addrs cowTable[addrKey]
	// prefixLens are the lengths of the keys in addrs, longest first.
	prefixLens atomic.Pointer[[]uint8]
	reports    reportQueue
	ipv6N3     bool // N3 reaches IPv6 peers

	// Downlink buffering (tables_buffer.go): packets kept in all, their
	// pool, where Apply sends the released ones, and the metrics to
	// count them in (either may be nil); the bounds per session, the
	// clock of the packet path (monotonic nanoseconds), and the
	// Downlink Data Reports for the notifier.
	buffered atomic.Int64
	packets  sync.Pool
	sendDL   func(gpdu []byte, to netip.AddrPort)
	m        *datapathMetrics
	limits   BufferLimits
	now      func() int64
	downlink chan downlinkEvent
	// dlPhase is odd while the downlink reader handles a batch (between
	// its read returning and the batch sent), even otherwise: an Apply
	// that switches a tunnel waits for the batch in hand, which may hold
	// packets for the old tunnel, before it sends the End Marker there
	// (sendEndMarkers). Only the downlink reader writes it.
	dlPhase atomic.Uint64

	mu       sync.Mutex
	sessions map[uint64]*sessionEntry
	lenRefs  [129]int // keys in addrs by length
}

// sessionEntry is what the writers know of a session: its slot and the
// keys under which the tables hold it.
type sessionEntry struct {
	slot  *sessionSlot
	teids []uint32
	addrs []addrKey
	// advertised: the session's first Router Advertisement went out.
	advertised bool
}

func newTables(ipv6N3 bool) *tables {
	epoch := time.Now()
	t := &tables{ipv6N3: ipv6N3, sessions: make(map[uint64]*sessionEntry), limits: DefaultBufferLimits(),
		now: func() int64 { return int64(time.Since(epoch)) }, downlink: make(chan downlinkEvent, downlinkEvents)}
	t.prefixLens.Store(new([]uint8))
	t.reports.init()
	return t
}

// apply installs r as the rules of session seid (see Datapath.Apply).
func (t *tables) apply(seid uint64, r Rules) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.sessions[seid]
	var prev *sessionRules
	if old != nil {
		prev = old.slot.rules.Load()
	}
	rules, err := compileRules(seid, r, prev, t.ipv6N3)
	if err != nil {
		return err
	}
	teids, addrs := rules.keys()
	// A key may belong to one session only.
	for _, k := range teids {
		if s := t.teids.get(k, teidHash(k)); s != nil && s.seid != seid {
			return rulesError(seid, "local TEID %#x belongs to session %#x", k, s.seid)
		}
	}
	for _, k := range addrs {
		if s := t.addrs.get(k, k.hash()); s != nil && s.seid != seid {
			return rulesError(seid, "UE address %v belongs to session %#x", k, s.seid)
		}
	}

	for i, u := range r.URRs {
		rules.urrs[i].setThreshold(u.VolumeThreshold)
	}

	e := old
	if e == nil {
		e = &sessionEntry{slot: &sessionSlot{seid: seid}}
		t.sessions[seid] = e
	}
	// New keys first, then the rules, then stale keys out: a packet
	// finds either the old rules or the new ones.
	for _, k := range teids {
		if !slices.Contains(e.teids, k) {
			t.teids.put(k, teidHash(k), e.slot)
		}
	}
	for _, k := range addrs {
		if !slices.Contains(e.addrs, k) {
			t.addrs.put(k, k.hash(), e.slot)
			t.lenRefs[k.bits]++
		}
	}
	rules.slot = e.slot
	markDraining(e.slot)
	e.slot.rules.Store(rules)
	t.advertise(e, rules)
	t.release(e.slot)
	for _, k := range e.teids {
		if !slices.Contains(teids, k) {
			t.teids.del(k, teidHash(k))
		}
	}
	for _, k := range e.addrs {
		if !slices.Contains(addrs, k) {
			t.addrs.del(k, k.hash())
			t.lenRefs[k.bits]--
		}
	}
	e.teids, e.addrs = teids, addrs
	t.publishLens()
	t.sendEndMarkers(r.EndMarkers)
	return nil
}

// endMarkerWait bounds how long sendEndMarkers waits for the downlink
// reader's batch: a batch is sent in microseconds, unless the socket's
// buffer is full.
const endMarkerWait = 100 * time.Millisecond

// sendEndMarkers sends a GTP-U End Marker (TS 29.281 §7.3.2: type 254,
// the old tunnel's TEID, no payload) on each of the old tunnels, once
// the new rules are published. A packet the downlink reader looks up
// after the publication goes to the new tunnel; one looked up before it
// is in the reader's batch in hand, so the End Marker waits for that
// batch to be sent (dlPhase): it is then the last packet on the old
// tunnel, as TS 23.502 §4.9.1.2.2 step 6 wants it for the source gNB to
// know the last packet has come. Called with t.mu held.
func (t *tables) sendEndMarkers(old []OuterHeader) {
	if len(old) == 0 || t.sendDL == nil {
		return
	}
	if p := t.dlPhase.Load(); p%2 == 1 {
		deadline := time.Now().Add(endMarkerWait)
		for t.dlPhase.Load() == p && time.Now().Before(deadline) {
			time.Sleep(20 * time.Microsecond)
		}
	}
	for _, o := range old {
		t.sendDL(gtpu.AppendEndMarker(nil, o.TEID), netip.AddrPortFrom(o.Addr, gtpu.Port))
		if t.m != nil {
			t.m.endMarkers.Inc()
		}
	}
}

// remove deletes session seid and returns its rules as they were last.
func (t *tables) remove(seid uint64) (*sessionRules, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.sessions[seid]
	if e == nil {
		return nil, fmt.Errorf("%w %#x", ErrUnknownSession, seid)
	}
	for _, k := range e.teids {
		t.teids.del(k, teidHash(k))
	}
	for _, k := range e.addrs {
		t.addrs.del(k, k.hash())
		t.lenRefs[k.bits]--
	}
	t.publishLens()
	delete(t.sessions, seid)
	rules := e.slot.rules.Swap(nil)
	t.release(e.slot)
	return rules, nil
}

// advertise sends the session's first Router Advertisement (router.go)
// once its downlink tunnel is known: TS 23.501 §5.8.2.2.3, the UE learns
// its prefix from it. It goes before the downlink the session kept.
func (t *tables) advertise(e *sessionEntry, rules *sessionRules) {
	if e.advertised || t.sendDL == nil {
		return
	}
	teid, qfi, peer, ok := rules.routerTunnel()
	if !ok {
		return
	}
	e.advertised = true
	t.sendDL(gtpu.AppendGPDU(nil, teid, qfi, false, rules.ra), peer)
	if t.m != nil {
		t.m.routerAdverts.Inc()
	}
}

// release sends or frees what slot buffered, as its rules now say.
func (t *tables) release(slot *sessionSlot) {
	sent, dropped, expired := t.releaseDL(slot, t.sendDL)
	if t.m != nil && sent+dropped+expired > 0 {
		t.m.packets[downlink].Add(float64(sent))
		t.m.drops[downlink][dropFARDrop].Add(float64(dropped))
		t.m.drops[downlink][dropBufferExpired].Add(float64(expired))
	}
}

// dropBufferedSession frees what session seid buffers (DROBU) and counts it as
// discarded.
func (t *tables) dropBufferedSession(seid uint64) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.sessions[seid]
	if e == nil {
		return 0, fmt.Errorf("%w %#x", ErrUnknownSession, seid)
	}
	n := t.dropBuffered(e.slot)
	if t.m != nil && n > 0 {
		t.m.drops[downlink][dropDiscarded].Add(float64(n))
	}
	return n, nil
}

func (t *tables) rules(seid uint64) (*sessionRules, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.sessions[seid]
	if e == nil {
		return nil, fmt.Errorf("%w %#x", ErrUnknownSession, seid)
	}
	return e.slot.rules.Load(), nil
}

func (t *tables) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.sessions)
}

func (t *tables) publishLens() {
	var lens []uint8
	for bits := 128; bits >= 0; bits-- {
		if t.lenRefs[bits] > 0 {
			lens = append(lens, uint8(bits))
		}
	}
	if !slices.Equal(lens, *t.prefixLens.Load()) {
		t.prefixLens.Store(&lens)
	}
}

// usage reads the counters of every URR of s.
func (s *sessionRules) usage() []Usage {
	u := make([]Usage, 0, len(s.urrs))
	for _, c := range s.urrs {
		u = append(u, c.usage())
	}
	return u
}
