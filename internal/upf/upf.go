package upf

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/pfcp"
)

// Options configure a UPF.
type Options struct {
	// N4 is the PFCP listen address, e.g. 127.0.0.1:8805.
	N4 netip.AddrPort
	// NodeID is the UPF's PFCP Node ID (TS 29.244 §8.2.38), an IP address.
	NodeID   netip.Addr
	Datapath Datapath
	Logger   *slog.Logger
	Registry prometheus.Registerer
	// PFCP tunes the N4 node; its Logger and Registry default to the
	// UPF's, and its NodeID and Refused are the UPF's own.
	PFCP pfcp.Options
	// Peers are the CP functions (SMFs) allowed on N4: a request is
	// taken only from a listed source address, and an association only
	// for a listed Node ID. nil allows every address and Node ID.
	Peers []netip.Addr
	// AllowAddressChange lets a CP function set up its association
	// again from another address than the one it is bound to (one that
	// moved). Without it such an Association Setup is refused "Request
	// rejected": the Node ID stays with the address that set it up.
	AllowAddressChange bool
	// DNNs give, by network instance, what the UPF's IPv6 Router
	// Advertisements tell the UEs of the DNN besides their prefix.
	DNNs []DNN
}

// DNN is a data network as the UPF's IPv6 router (router.go) presents
// it: Name is the network instance of the SMF's PDRs (the DNN, matched
// without regard to case), DNS its resolvers (the IPv6 ones go in the
// RDNSS option), MTU the link MTU (0: none advertised).
type DNN struct {
	Name string
	DNS  []netip.Addr
	MTU  int
}

// UPF is the N4 side of a User Plane Function: it keeps the PFCP
// associations with CP functions (SMFs) and their PFCP sessions, and
// drives the Datapath with each session's rules.
type UPF struct {
	log     *slog.Logger
	dp      Datapath
	nodeID  netip.Addr
	n3      netip.Addr // IPv4 address in the F-TEIDs the UPF chooses
	now     func() time.Time
	metrics *metrics
	// peers is Options.Peers as a set, nil for any; read-only after New.
	peers     map[netip.Addr]bool
	allowMove bool
	// dnns is Options.DNNs by lower-case name; read-only after New.
	dnns    map[string]DNN
	newSEID func() uint64 // a random candidate UP SEID

	node  *pfcp.Node
	ready chan struct{} // closed once node is set: handlers wait for it

	ctx     context.Context // cancelled by Close
	cancel  context.CancelFunc
	wg      sync.WaitGroup // the report loop and the report senders
	reports chan report    // from the datapath's reporter

	// state holds the associations and the sessions' index. It is never
	// held across a Datapath call or I/O. Lock order: session.mu before
	// state.
	state struct {
		sync.Mutex
		peers    map[netip.Addr]*association // by CP Node ID
		sessions map[uint64]*session         // by UP SEID
		teids    map[uint32]uint64           // local TEID → UP SEID
		nextTEID uint32
		// changed is closed (and replaced) when an association has
		// gone with its sessions; purging counts the associations
		// removed whose sessions are still being deleted.
		changed chan struct{}
		purging int
	}
	// leaving: Leave runs, and new associations are refused.
	leaving atomic.Bool
}

// association is a PFCP association with a CP function (TS 29.244
// §6.2.6).
type association struct {
	nodeID   netip.Addr
	addr     netip.AddrPort // where it set the association up: its requests are taken from this IP address only
	recovery time.Time      // its Recovery Time Stamp
}

// reportsQueued bounds the threshold reports waiting to be sent; one
// more is dropped (and counted) rather than block the datapath.
const reportsQueued = 4096

// reportSenders bounds the Session Report Requests in flight.
const reportSenders = 64

// New starts a UPF: it listens on N4 and takes the datapath's reports.
// The datapath stays the caller's: Close does not close it.
func New(ctx context.Context, opts Options) (*UPF, error) {
	if opts.Datapath == nil {
		return nil, errors.New("upf: no datapath")
	}
	if !opts.NodeID.IsValid() {
		return nil, errors.New("upf: no Node ID")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(opts.Registry)
	if err != nil {
		return nil, fmt.Errorf("upf: %w", err)
	}
	u := &UPF{
		log: opts.Logger, dp: opts.Datapath, nodeID: opts.NodeID.Unmap(), metrics: m,
		now: opts.PFCP.Now, ready: make(chan struct{}), reports: make(chan report, reportsQueued),
	}
	if u.now == nil {
		u.now = time.Now
	}
	// The gNB sends GTP-U to the F-TEIDs the UPF chooses: a datapath
	// listening on every address gives none, and the Node ID stands in.
	u.n3 = opts.Datapath.N3Addr().Addr().Unmap()
	if !u.n3.Is4() || u.n3.IsUnspecified() {
		if !u.nodeID.Is4() {
			return nil, fmt.Errorf("upf: N3 address %v is not a usable IPv4 address for F-TEIDs", opts.Datapath.N3Addr())
		}
		u.log.Warn("upf: N3 listens on no single IPv4 address: F-TEIDs carry the Node ID", "n3", opts.Datapath.N3Addr(), "node_id", u.nodeID)
		u.n3 = u.nodeID
	}
	u.state.peers = make(map[netip.Addr]*association)
	u.state.sessions = make(map[uint64]*session)
	u.state.teids = make(map[uint32]uint64)
	u.state.changed = make(chan struct{})
	u.state.nextTEID = rand.Uint32()
	u.newSEID = randomSEID
	u.allowMove = opts.AllowAddressChange
	u.dnns = make(map[string]DNN, len(opts.DNNs))
	for _, d := range opts.DNNs {
		u.dnns[strings.ToLower(d.Name)] = d
	}
	if opts.Peers != nil {
		u.peers = make(map[netip.Addr]bool, len(opts.Peers))
		for _, a := range opts.Peers {
			u.peers[a.Unmap()] = true
		}
	}

	po := opts.PFCP
	if po.Logger == nil {
		po.Logger = opts.Logger
	}
	if po.Registry == nil {
		po.Registry = opts.Registry
	}
	po.NodeID, po.Refused = u.nodeID, u.refused
	u.ctx, u.cancel = context.WithCancel(ctx)
	node, err := pfcp.Listen(u.ctx, opts.N4, u.handle, po)
	if err != nil {
		u.cancel()
		return nil, fmt.Errorf("upf: N4: %w", err)
	}
	u.node = node
	close(u.ready)
	u.dp.SetReporter(u.enqueueReport)
	u.dp.SetDownlinkNotifier(u.enqueueDownlink)
	u.wg.Go(u.reportLoop)
	u.log.Info("upf: N4 listening", "addr", node.Addr(), "node_id", u.nodeID, "n3", u.n3)
	return u, nil
}

// Addr is the N4 address the UPF listens on.
func (u *UPF) Addr() netip.AddrPort { return u.node.Addr() }

// Close stops N4 and the reports, and waits for every goroutine of the
// UPF. Sessions stay in the datapath.
func (u *UPF) Close() error {
	u.dp.SetReporter(nil)
	u.dp.SetDownlinkNotifier(nil)
	u.cancel()
	err := u.node.Close()
	u.wg.Wait()
	return err
}

// SessionView describes a PFCP session, for debugging and the API.
type SessionView struct {
	UPSEID, CPSEID uint64
	CPNodeID       netip.Addr     // the CP function's Node ID
	CPAddr         netip.AddrPort // where its requests come from
	PDRs           int
	Usage          []Usage // the datapath's counters
}

// Sessions lists the PFCP sessions by UP SEID.
func (u *UPF) Sessions() []SessionView {
	u.state.Lock()
	all := make([]*session, 0, len(u.state.sessions))
	for _, s := range u.state.sessions {
		all = append(all, s)
	}
	u.state.Unlock()
	out := make([]SessionView, 0, len(all))
	for _, s := range all {
		s.mu.Lock()
		if !s.gone {
			v := SessionView{UPSEID: s.upSEID, CPSEID: s.cpSEID, CPNodeID: s.cpNode, CPAddr: s.cpAddr, PDRs: s.rules.pdrs()}
			v.Usage, _ = u.dp.Usage(s.upSEID)
			out = append(out, v)
		}
		s.mu.Unlock()
	}
	slices.SortFunc(out, func(a, b SessionView) int { return cmp.Compare(a.UPSEID, b.UPSEID) })
	return out
}
