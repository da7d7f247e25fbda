package smf

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/lograte"
	"github.com/keelcore/keel/internal/pfcp"
	"github.com/keelcore/keel/internal/procevent"
	"github.com/keelcore/keel/internal/sbi"
)

// DefaultHeartbeatInterval is the period of PFCP Heartbeat Requests to
// the UPF.
const DefaultHeartbeatInterval = 10 * time.Second

// DNNConfig is a data network the SMF serves and the UE addresses it
// hands out there.
type DNNConfig struct {
	// Name is the DNN (TS 23.003 §9.1); it matches without regard to case.
	Name string
	// SNSSAI, when set, limits this entry and its pools to one slice;
	// an entry without it serves the DNN in every slice that has no
	// entry of its own.
	SNSSAI *ident.SNSSAI
	// IPv4Pool and IPv6Pool are the pools of UE addresses and /64
	// prefixes; the zero Prefix means the DNN does not offer that family.
	IPv4Pool, IPv6Pool netip.Prefix
	// DNS are the resolvers offered to UEs that ask (in the extended
	// PCO), in order of preference.
	DNS []netip.Addr
	// PCSCF are the P-CSCF addresses offered to UEs that ask (in the
	// extended PCO, TS 24.501 §9.11.4.6), in order of preference.
	PCSCF []netip.Addr
	// MTU is the link MTU offered to UEs that ask; 0 offers none.
	MTU int
}

// Options are what an SMF is built from.
type Options struct {
	DNNs []DNNConfig
	// N4 is the SMF's PFCP address; its IP is the CP F-SEID's address.
	// A wildcard address needs NodeID, which then serves as that address.
	N4 netip.AddrPort
	// UPF is the PFCP address of a UPF serving every DNN of DNNs in
	// every slice and area, Peers further addresses its requests come
	// from; UPFs are more UPFs (or all of them, UPF left zero). The SMF
	// associates with each and selects one for each PDU session
	// (select_upf.go).
	UPF   netip.AddrPort
	Peers []netip.Addr
	UPFs  []UPFConfig
	// NodeID is the SMF's PFCP Node ID (TS 29.244 §8.2.38); the zero
	// Addr means N4's address.
	NodeID netip.Addr
	// PCF, SDM are required. AMF may be set later with SetAMF: the AMF
	// is built after the SMF.
	PCF sbi.NpcfSMPolicyControl
	SDM sbi.NudmSDM
	AMF sbi.NamfCommunication
	// InstanceID is the SMF's NF instance ID, given to the PCF as the
	// smfId of each SM policy association (TS 29.512 §5.6.2.3), so that
	// the PCF can tell the associations of an SMF that is gone.
	InstanceID string
	// Logger receives the SMF's records; nil discards them.
	Logger *slog.Logger
	// LogRate limits the SMF's repetitive log lines (lograte): per
	// message and cause, Burst lines per Interval, then a count of the
	// suppressed ones. The zero value takes lograte's defaults; Keys is
	// always "cause".
	LogRate lograte.Options
	// Registry receives the SMF's metrics; nil leaves them unregistered.
	Registry prometheus.Registerer
	// PFCP tunes the N4 node (retransmission timer and count).
	PFCP pfcp.Options
	// HeartbeatInterval is the period of Heartbeat Requests to the UPF;
	// 0 means DefaultHeartbeatInterval. Association attempts back off
	// from a tenth of it up to it.
	HeartbeatInterval time.Duration
	// StaticAddresses are the subscribers' static UE addresses (TS
	// 23.501 §5.8.2.2.1): the pools that hold them never hand them to
	// another UE. A static address met at establishment is reserved
	// from then on whether listed here or not.
	StaticAddresses []netip.Addr
	// UsageThreshold is the volume (octets, both directions) after which
	// the UPF reports a session's usage (URR volume threshold, TS 29.244
	// §8.2.13); 0 means usage is reported only when the session ends.
	UsageThreshold uint64
	// SBITimeout bounds each call to the PCF and the UDM; 0 means
	// DefaultSBITimeout.
	SBITimeout time.Duration
	// T3396 is the back-off sent with #26 "insufficient resources" when a
	// session is refused for a temporary failure; 0 means DefaultT3396.
	T3396 time.Duration
	// Events takes the PDU session establishments refused, with their
	// 5GSM cause; nil records none.
	Events procevent.Recorder
}

// DefaultSBITimeout is the default of Options.SBITimeout.
const DefaultSBITimeout = 5 * time.Second

// DefaultT3396 is the back-off a UE is given with #26 (TS 24.501
// §6.4.1.4.2). TS 24.501 leaves the value to the network; two minutes,
// as the AMF's T3346 for #22, outlasts the failures that cause #26 — an
// SBI call bounded at 5 s, N4 retransmissions of about 15 s, a UPF
// re-associating — while sparing the SMF a UE retrying at once.
const DefaultT3396 = 2 * time.Minute

// SMF implements sbi.NsmfPDUSession.
type SMF struct {
	opts    Options
	nodeID  netip.Addr
	cpAddr  netip.Addr
	pcf     sbi.NpcfSMPolicyControl
	sdm     sbi.NudmSDM
	amf     atomic.Pointer[amfRef]
	log     *slog.Logger
	logRate *lograte.Limiter
	metrics *metrics
	node    *pfcp.Node

	// upfs are the UPFs: those of the options, in their order, then
	// those AddUPF added (discovered at the NRF). The slice is replaced,
	// never changed in place: readers take it with upfList and need no
	// lock. upfsMu serialises the changes (AddUPF, RetireUPF, a retired
	// UPF's removal) and guards pools, the address pools of every UPF.
	// selecting makes a selection and the load it adds one step
	// (selectUPF).
	upfs      atomic.Pointer[[]*upfPeer]
	upfsMu    sync.Mutex
	pools     *poolSet
	selecting sync.Mutex
	// ctx is the SMF's life (cancelled by Close): the association loops
	// of UPFs added later run under it.
	ctx context.Context

	nextSEID atomic.Uint64

	// sessions is the registry of SM contexts. Its lock is held for map
	// operations only. Lock order: a session's mu before sessions.mu,
	// never the other way. An SM context reference is the session's CP
	// SEID in decimal (session.ref): bySEID finds both.
	sessions struct {
		sync.Mutex
		byKey  map[key]*session
		bySEID map[uint64]*session
	}

	// pages are sessions with downlink data for an idle UE, for the
	// paging workers (handle_paging.go).
	pages  chan downlinkReport
	cancel context.CancelFunc
	done   sync.WaitGroup
	closed sync.Once
}

type amfRef struct{ sbi.NamfCommunication }

// dnnKey indexes the DNN pools; anySlice for an entry without S-NSSAI.
type dnnKey struct {
	name     string
	snssai   ident.SNSSAI
	anySlice bool
}

var _ sbi.NsmfPDUSession = (*SMF)(nil)

// New builds an SMF, opens its N4 endpoint and starts associating with
// the UPF in the background; until the UPF answers, establishments are
// rejected with #26. ctx bounds the SMF's life as Close does.
func New(ctx context.Context, opts Options) (*SMF, error) {
	switch {
	case opts.PCF == nil:
		return nil, errors.New("smf: no PCF")
	case opts.SDM == nil:
		return nil, errors.New("smf: no UDM")
	case !opts.N4.IsValid() || !opts.N4.Addr().Is4():
		return nil, fmt.Errorf("smf: N4 address %s: want an IPv4 address", opts.N4)
	case opts.N4.Addr().IsUnspecified() && (!opts.NodeID.Is4() || opts.NodeID.IsUnspecified()):
		return nil, fmt.Errorf("smf: N4 address %s is a wildcard: a Node ID with the SMF's IPv4 address is needed", opts.N4)
	}
	s := &SMF{opts: opts, nodeID: opts.NodeID, cpAddr: opts.N4.Addr(), pcf: opts.PCF, sdm: opts.SDM, log: opts.Logger,
		pages: make(chan downlinkReport, pagingQueued)}
	if !s.nodeID.IsValid() {
		s.nodeID = s.cpAddr
	}
	if s.cpAddr.IsUnspecified() {
		s.cpAddr = s.nodeID
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	// Every line goes through the limiter, as the AMF's do: UEs that
	// register again and again without deregistering (a gNB dropping
	// its association under them) must not write a line per session.
	rate := opts.LogRate
	rate.Keys = []string{"cause"}
	s.logRate = lograte.New(s.log.Handler(), rate)
	s.log = slog.New(s.logRate)
	if s.opts.HeartbeatInterval <= 0 {
		s.opts.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if s.opts.SBITimeout <= 0 {
		s.opts.SBITimeout = DefaultSBITimeout
	}
	if s.opts.T3396 <= 0 {
		s.opts.T3396 = DefaultT3396
	}
	if opts.AMF != nil {
		s.SetAMF(opts.AMF)
	}
	s.pools = newPoolSet()
	if err := s.buildUPFs(opts, s.pools); err != nil {
		return nil, err
	}
	s.sessions.byKey = map[key]*session{}
	s.sessions.bySEID = map[uint64]*session{}
	var err error
	if s.metrics, err = newMetrics(opts.Registry, s.associated); err != nil {
		return nil, err
	}
	ctx, s.cancel = context.WithCancel(ctx)
	po := opts.PFCP
	if !po.NodeID.IsValid() {
		po.NodeID = s.nodeID
	}
	if po.Logger == nil {
		po.Logger = s.log
	}
	if po.Registry == nil {
		po.Registry = opts.Registry
	}
	po.Unmatched = s.unmatched
	if s.node, err = pfcp.Listen(ctx, opts.N4, s.handleN4, po); err != nil {
		s.cancel()
		return nil, fmt.Errorf("smf: N4: %w", err)
	}
	s.ctx = ctx
	for _, up := range s.upfList() {
		s.startAssociation(up)
	}
	for range pagingWorkers {
		s.done.Go(func() { s.runPaging(ctx) })
	}
	return s, nil
}

// reserve takes a static address out of the dynamic range of the pool
// of its family; an address outside the pool is left alone.
func (p *dnnPools) reserve(a netip.Addr) error {
	switch {
	case a.Is4() && p.ipv4 != nil:
		return p.ipv4.Reserve(a)
	case a.Is6() && p.ipv6 != nil:
		return p.ipv6.Reserve(a)
	}
	return nil
}

// HeartbeatInterval is the period of the SMF's PFCP heartbeats.
func (s *SMF) HeartbeatInterval() time.Duration { return s.opts.HeartbeatInterval }

// SetAMF sets the AMF the SMF reaches UEs through (network-requested
// release, downlink data for idle UEs). Safe to call at any time.
func (s *SMF) SetAMF(a sbi.NamfCommunication) { s.amf.Store(&amfRef{a}) }

func (s *SMF) amfService() sbi.NamfCommunication {
	if r := s.amf.Load(); r != nil {
		return r.NamfCommunication
	}
	return nil
}

// Close stops the association loop and closes the N4 endpoint. PDU
// sessions are neither released nor signalled: the UPF keeps their
// rules until it learns of the SMF's restart (a new Recovery Time Stamp).
func (s *SMF) Close() {
	s.closed.Do(func() {
		s.cancel()
		s.done.Wait()
		s.node.Close()
		s.logRate.Flush(context.Background())
	})
}

// Sessions lists the PDU sessions the SMF has accepted, by SUPI and PDU
// session ID. It never waits for a procedure in progress.
func (s *SMF) Sessions() []sbi.SessionInfo {
	s.sessions.Lock()
	all := make([]*session, 0, len(s.sessions.bySEID))
	for _, ss := range s.sessions.bySEID {
		all = append(all, ss)
	}
	s.sessions.Unlock()
	out := make([]sbi.SessionInfo, 0, len(all))
	for _, ss := range all {
		if info, ok := ss.info(); ok {
			out = append(out, info)
		}
	}
	slices.SortFunc(out, func(a, b sbi.SessionInfo) int {
		return cmp.Or(cmp.Compare(a.SUPI, b.SUPI), cmp.Compare(a.PDUSessionID, b.PDUSessionID))
	})
	return out
}

// lookup finds a context by reference.
func (s *SMF) lookup(ref string) (*session, error) {
	s.sessions.Lock()
	defer s.sessions.Unlock()
	seid, err := strconv.ParseUint(ref, 10, 64)
	ss, ok := s.sessions.bySEID[seid]
	if err != nil || !ok || ss.ref() != ref {
		return nil, fmt.Errorf("smf: SM context %q: %w", ref, sbi.ErrSMContextNotFound)
	}
	return ss, nil
}

// insert registers a new session, returning the one it replaces (the
// same SUPI and PDU session ID), if any.
func (s *SMF) insert(ss *session) (old *session) {
	s.sessions.Lock()
	defer s.sessions.Unlock()
	old = s.sessions.byKey[ss.key]
	s.sessions.byKey[ss.key] = ss
	s.sessions.bySEID[ss.seid] = ss
	return old
}

// remove drops a session from the registry; the entry under its key
// stays when a newer session has taken it.
func (s *SMF) remove(ss *session) {
	s.sessions.Lock()
	defer s.sessions.Unlock()
	if s.sessions.bySEID[ss.seid] != ss {
		return
	}
	if ss.up.sessions.Add(-1) == 0 && ss.up.isRetired() {
		ss.up.wake() // its loop removes it (dropRetired)
	}
	delete(s.sessions.bySEID, ss.seid)
	if s.sessions.byKey[ss.key] == ss {
		delete(s.sessions.byKey, ss.key)
	}
}

// all returns the registered sessions.
func (s *SMF) all() []*session {
	s.sessions.Lock()
	defer s.sessions.Unlock()
	out := make([]*session, 0, len(s.sessions.bySEID))
	for _, ss := range s.sessions.bySEID {
		out = append(out, ss)
	}
	return out
}

// transition moves ss to the state after e, keeping the gauge in step. Called with ss.mu held; the caller checked
// with next that e is allowed.
func (s *SMF) transition(ss *session, e event) {
	n, ok := next(ss.state, e)
	if !ok {
		panic(fmt.Sprintf("smf: %T not allowed in state %s", e, ss.state))
	}
	s.metrics.sessions.WithLabelValues(ss.state.String()).Dec()
	if n != released {
		s.metrics.sessions.WithLabelValues(n.String()).Inc()
	}
	ss.viewMu.Lock()
	ss.state = n
	ss.viewMu.Unlock()
}
