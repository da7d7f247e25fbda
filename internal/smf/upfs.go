package smf

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ippool"
)

// UPFConfig is one UPF the SMF associates with and may select for a PDU
// session (TS 23.501 §6.3.3.2): what it serves and where.
type UPFConfig struct {
	// Name names the UPF in logs, metrics and Sessions; "" means its N4
	// address.
	Name string
	// N4 is the UPF's PFCP address.
	N4 netip.AddrPort
	// Peers are further addresses the UPF's requests (heartbeats,
	// association setups, session reports) come from; N4's address
	// always is one.
	Peers []netip.Addr
	// DNNs are the data networks the UPF serves, each with the UE
	// address pools routed to it on N6; none means Options.DNNs. A pool
	// given to several UPFs (the same prefix) is one pool shared by
	// them, which their N6 must route accordingly (NAT at each UPF, say);
	// different pools must not overlap.
	DNNs []DNNConfig
	// SNSSAIs are the slices the UPF serves (TS 29.510 UpfInfo
	// sNssaiUpfInfoList); none means every slice its DNN entries allow.
	SNSSAIs []ident.SNSSAI
	// TAIs are the tracking areas the UPF serves (UpfInfo taiList): a
	// UE there is given one of these UPFs when one can take it; none
	// means every area.
	TAIs []ident.TAI
}

// upfPeer is one UPF of the SMF and the SMF's PFCP association with it.
//
// Concurrency: the fields above mu never change once the UPF is built
// (New, AddUPF). mu guards
// the association's state and is held for field access only; lock
// order: a session's mu before a UPF's. sessions (the UPF's load, the
// PDU sessions that hold it) is an atomic counted up by selectUPF and
// down by SMF.remove (or the establishment that never registered). Each
// UPF has its own association loop (runAssociation), the only reader of
// kick, orphans and vanished; it ends when the SMF closes or the UPF,
// retired, is removed (dropRetired).
type upfPeer struct {
	name    string
	addr    netip.AddrPort
	peers   []netip.Addr
	dnns    map[dnnKey]*dnnPools
	snssais []ident.SNSSAI
	tais    []ident.TAI

	sessions atomic.Int64

	mu         sync.Mutex
	associated bool
	recovery   time.Time // the UPF's Recovery Time Stamp
	// epoch counts the times the UPF lost every session of the SMF
	// (a restart, or its association dropped): a session whose N4
	// session is of an older epoch is to be re-established.
	epoch uint64
	// lost: a session request was answered "No established PFCP
	// Association": the UPF dropped the association, and with it the
	// sessions, without restarting.
	lost bool
	// down: the UPF stopped answering heartbeats (handle_upf_lost.go);
	// until it answers again, sessions released meanwhile are not
	// deleted there but their UP SEIDs kept in abandoned, to be deleted
	// once it does.
	down      bool
	abandoned []uint64
	// releasing: the UPF asked for the release of the association
	// (handle_upf_released.go), for the association loop to carry out;
	// left: it did, and the loop waits a heartbeat interval before it
	// tries to set up the association again.
	releasing, left bool
	// retired: RetireUPF took the UPF out of selection; once it holds no
	// session it is removed (dropRetired).
	retired bool
	// stop ends the association loop (set before it starts).
	stop context.CancelFunc

	// kick wakes the association loop: the UPF said it restarted.
	kick chan struct{}
	// orphans are sessions the UPF reported established after the SMF
	// gave up on them, for the association loop to delete.
	orphans chan orphan
	// vanished are PDU sessions whose N4 session the UPF no longer has
	// and that could not be re-established at once: the association
	// loop tries again or releases them.
	vanished chan *session
}

// buildUPFs builds the UPFs of the options: Options.UPF (with Options.Peers),
// then Options.UPFs, their DNN entries' pools made by pools.
func (s *SMF) buildUPFs(opts Options, pools *poolSet) error {
	cfgs := opts.UPFs
	if opts.UPF.IsValid() {
		cfgs = append([]UPFConfig{{N4: opts.UPF, Peers: opts.Peers}}, cfgs...)
	}
	if len(cfgs) == 0 {
		return fmt.Errorf("smf: no UPF N4 address")
	}
	var list []*upfPeer
	for _, c := range cfgs {
		for _, up := range list {
			if up.addr == c.N4 {
				return fmt.Errorf("smf: UPF at %s configured twice", c.N4)
			}
		}
		up, err := newUPFPeer(c, opts.DNNs, pools)
		if err != nil {
			return err
		}
		list = append(list, up)
	}
	s.upfs.Store(&list)
	return pools.check(opts.StaticAddresses)
}

// newUPFPeer builds the UPF of c, its DNN entries' pools (dnns when c
// gives none) made by pools.
func newUPFPeer(c UPFConfig, dnns []DNNConfig, pools *poolSet) (*upfPeer, error) {
	if !c.N4.IsValid() || c.N4.Addr().IsUnspecified() {
		return nil, fmt.Errorf("smf: UPF %q: N4 address %s: want a specific address and port", c.Name, c.N4)
	}
	up := &upfPeer{name: c.Name, addr: c.N4, epoch: 1, snssais: c.SNSSAIs, tais: c.TAIs,
		kick: make(chan struct{}, 1), orphans: make(chan orphan, orphansQueued), vanished: make(chan *session, orphansQueued)}
	if up.name == "" {
		up.name = c.N4.String()
	}
	up.peers = append([]netip.Addr{c.N4.Addr().Unmap()}, c.Peers...)
	for i := range up.peers {
		up.peers[i] = up.peers[i].Unmap()
	}
	if len(c.DNNs) > 0 {
		dnns = c.DNNs
	}
	if len(dnns) == 0 {
		return nil, fmt.Errorf("smf: UPF %s serves no DNN", up.name)
	}
	var err error
	if up.dnns, err = pools.build(dnns); err != nil {
		return nil, fmt.Errorf("smf: UPF %s: %w", up.name, err)
	}
	return up, nil
}

// upfList returns the SMF's UPFs; the slice is never changed in place.
func (s *SMF) upfList() []*upfPeer {
	if l := s.upfs.Load(); l != nil {
		return *l
	}
	return nil
}

// startAssociation runs up's association loop until the SMF closes or
// up, retired and without sessions, is removed.
func (s *SMF) startAssociation(up *upfPeer) {
	ctx, cancel := context.WithCancel(s.ctx)
	up.stop = cancel
	s.done.Go(func() {
		defer cancel()
		s.runAssociation(ctx, up)
	})
}

// AddUPF adds a UPF found after New (at the NRF, TS 23.501 §6.3.3.2:
// the SMF may discover UPFs through it): the SMF associates with it and
// selects it for new PDU sessions like a configured one. Each DNN entry
// takes the SMF's (Options.DNNs) of the same name, with its settings
// and pools, and one the SMF has no entry for is left out; a pool the
// UPF gives replaces the SMF's unless the SMF's lies within it (each
// SMF of a UPF has its share of the UPF's addresses). A pool must not
// overlap another pool of the SMF unless it is the same prefix, shared.
// A UPF already known at c.N4 is kept as it is, and if retired
// (RetireUPF) it serves new sessions again. It reports whether the UPF
// was added. Safe for concurrent use.
func (s *SMF) AddUPF(c UPFConfig) (bool, error) {
	s.upfsMu.Lock()
	defer s.upfsMu.Unlock()
	if s.ctx.Err() != nil {
		return false, errors.New("smf: closed")
	}
	c.N4 = netip.AddrPortFrom(c.N4.Addr().Unmap(), c.N4.Port())
	for _, up := range s.upfList() {
		if up.addr == c.N4 {
			up.mu.Lock()
			back := up.retired
			up.retired = false
			up.mu.Unlock()
			if back {
				s.log.Info("retired UPF listed again: it serves new PDU sessions", "upf", up.name)
			}
			return false, nil
		}
	}
	var dnns []DNNConfig
	for _, d := range c.DNNs {
		own := s.ownDNN(d.Name)
		if own == nil {
			continue
		}
		e := *own
		e.SNSSAI = d.SNSSAI
		// The UPF's pool, unless the SMF's own lies within it: the
		// SMF's share of the addresses the UPF routes, as each of
		// several SMFs using one UPF has its own.
		if d.IPv4Pool.IsValid() && !within(e.IPv4Pool, d.IPv4Pool) {
			e.IPv4Pool = d.IPv4Pool
		}
		if d.IPv6Pool.IsValid() && !within(e.IPv6Pool, d.IPv6Pool) {
			e.IPv6Pool = d.IPv6Pool
		}
		dnns = append(dnns, e)
	}
	if len(c.DNNs) > 0 && len(dnns) == 0 {
		return false, fmt.Errorf("smf: UPF %s serves no DNN of the SMF's", c.N4)
	}
	c.DNNs = dnns
	// The pools are built in a copy, so that a UPF refused leaves none
	// behind.
	trial := s.pools.clone()
	up, err := newUPFPeer(c, s.opts.DNNs, trial)
	if err != nil {
		return false, err
	}
	if err := trial.overlap(); err != nil {
		return false, fmt.Errorf("smf: UPF %s: %w", up.name, err)
	}
	for _, p := range trial.all[len(s.pools.all):] {
		for _, a := range s.opts.StaticAddresses {
			if err := p.reserve(a); err != nil {
				return false, fmt.Errorf("smf: UPF %s: static address: %w", up.name, err)
			}
		}
	}
	s.pools = trial
	list := append(append([]*upfPeer(nil), s.upfList()...), up)
	s.upfs.Store(&list)
	s.startAssociation(up)
	s.log.Info("UPF added", "upf", up.name, "n4", up.addr)
	return true, nil
}

// within reports whether prefix p lies within q.
func within(p, q netip.Prefix) bool {
	return p.IsValid() && q.Bits() <= p.Bits() && q.Masked().Contains(p.Masked().Addr())
}

// ownDNN is the SMF's entry of a DNN for every slice, else its first
// entry of that name; nil when it has none.
func (s *SMF) ownDNN(name string) *DNNConfig {
	var first *DNNConfig
	for i := range s.opts.DNNs {
		d := &s.opts.DNNs[i]
		if !strings.EqualFold(d.Name, name) {
			continue
		}
		if d.SNSSAI == nil {
			return d
		}
		if first == nil {
			first = d
		}
	}
	return first
}

// RetireUPF takes the UPF at n4 out of selection: a UPF no longer
// registered at the NRF gets no new PDU session, keeps those it has,
// and once it has none its association loop ends and the SMF forgets
// it. Its sessions end as any do, or are moved off when it is lost or
// releases the association (handle_upf_lost.go). A UPF listed again
// before that (AddUPF) serves new sessions again: an NRF restart that
// loses the registrations for a while moves nothing. It reports whether
// a UPF was retired. Safe for concurrent use.
func (s *SMF) RetireUPF(n4 netip.AddrPort) bool {
	n4 = netip.AddrPortFrom(n4.Addr().Unmap(), n4.Port())
	s.upfsMu.Lock()
	defer s.upfsMu.Unlock()
	for _, up := range s.upfList() {
		if up.addr != n4 {
			continue
		}
		up.mu.Lock()
		was := up.retired
		up.retired = true
		up.mu.Unlock()
		if !was {
			s.log.Info("UPF retired: no new PDU sessions there", "upf", up.name, "sessions", up.sessions.Load())
			up.wake()
		}
		return !was
	}
	return false
}

// dropRetired removes up from the SMF if it is retired and holds no
// session, and reports whether it did; its association loop then ends.
// Under selecting, so that no selection adds a session meanwhile.
func (s *SMF) dropRetired(up *upfPeer) bool {
	if !up.isRetired() {
		return false
	}
	s.upfsMu.Lock()
	defer s.upfsMu.Unlock()
	s.selecting.Lock()
	defer s.selecting.Unlock()
	if !up.isRetired() || up.sessions.Load() > 0 {
		return false
	}
	var list []*upfPeer
	for _, x := range s.upfList() {
		if x != up {
			list = append(list, x)
		}
	}
	s.upfs.Store(&list)
	s.log.Info("retired UPF without sessions removed", "upf", up.name)
	return true
}

func (up *upfPeer) isRetired() bool {
	up.mu.Lock()
	defer up.mu.Unlock()
	return up.retired
}

// servesDNN finds the UPF's pools of a DNN in a slice: the slice's own
// entry, else the DNN's entry for every slice; nil when the UPF does not
// serve the DNN there.
func (up *upfPeer) servesDNN(dnn string, snssai ident.SNSSAI) *dnnPools {
	if len(up.snssais) > 0 && !containsSNSSAI(up.snssais, snssai) {
		return nil
	}
	name := strings.ToLower(dnn)
	// TS 23.003 §28.4.2: SD ffffff and no SD are the same slice.
	if p := up.dnns[dnnKey{name: name, snssai: snssai.Canonical()}]; p != nil {
		return p
	}
	return up.dnns[dnnKey{name: name, anySlice: true}]
}

// servesTAI reports whether the UPF serves the tracking area; a UPF
// without TAIs serves every one.
func (up *upfPeer) servesTAI(tai ident.TAI) bool {
	if len(up.tais) == 0 {
		return true
	}
	for _, t := range up.tais {
		if t == tai {
			return true
		}
	}
	return false
}

func containsSNSSAI(list []ident.SNSSAI, s ident.SNSSAI) bool {
	s = s.Canonical()
	for _, x := range list {
		if x.Canonical() == s {
			return true
		}
	}
	return false
}

// state returns the UPF's epoch and whether the SMF is associated with
// it.
func (up *upfPeer) state() (uint64, bool) {
	up.mu.Lock()
	defer up.mu.Unlock()
	return up.epoch, up.associated
}

func (up *upfPeer) isAssociated() bool {
	_, ok := up.state()
	return ok
}

func (up *upfPeer) isDown() bool {
	up.mu.Lock()
	defer up.mu.Unlock()
	return up.down
}

// wake tells the association loop to look at the association again.
func (up *upfPeer) wake() {
	select {
	case up.kick <- struct{}{}:
	default:
	}
}

// upfFrom finds the UPF an N4 message from peer comes from: the one at
// that address and port, else the one with that address among its
// addresses; nil for a peer that is no UPF of the SMF.
func (s *SMF) upfFrom(peer netip.AddrPort) *upfPeer {
	peer = netip.AddrPortFrom(peer.Addr().Unmap(), peer.Port())
	for _, up := range s.upfList() {
		if up.addr == peer {
			return up
		}
	}
	for _, up := range s.upfList() {
		for _, a := range up.peers {
			if a == peer.Addr() {
				return up
			}
		}
	}
	return nil
}

// poolSet makes the address pools of DNN entries, one pool per prefix
// however many entries name it, and refuses overlapping prefixes.
type poolSet struct {
	v4 map[netip.Prefix]*ippool.IPv4
	v6 map[netip.Prefix]*ippool.IPv6
	// all are the entries built.
	all []*dnnPools
}

func newPoolSet() *poolSet {
	return &poolSet{v4: map[netip.Prefix]*ippool.IPv4{}, v6: map[netip.Prefix]*ippool.IPv6{}}
}

// clone returns a copy of the set sharing its pools, to build more
// pools in without changing the original.
func (ps *poolSet) clone() *poolSet {
	c := &poolSet{v4: maps.Clone(ps.v4), v6: maps.Clone(ps.v6), all: append([]*dnnPools(nil), ps.all...)}
	return c
}

// build makes the pools of one list of DNN entries and refuses
// duplicate entries.
func (ps *poolSet) build(dnns []DNNConfig) (map[dnnKey]*dnnPools, error) {
	m := map[dnnKey]*dnnPools{}
	for _, d := range dnns {
		k := dnnKey{name: strings.ToLower(d.Name), anySlice: d.SNSSAI == nil}
		if d.SNSSAI != nil {
			k.snssai = d.SNSSAI.Canonical()
		}
		if d.Name == "" || m[k] != nil {
			return nil, fmt.Errorf("DNN %q: empty or configured twice for one slice", d.Name)
		}
		if d.MTU < 0 || d.MTU > 0xffff {
			return nil, fmt.Errorf("DNN %q: MTU %d", d.Name, d.MTU)
		}
		p := &dnnPools{cfg: d}
		var err error
		if d.IPv4Pool.IsValid() {
			pfx := d.IPv4Pool.Masked()
			if p.ipv4 = ps.v4[pfx]; p.ipv4 == nil {
				if p.ipv4, err = ippool.NewIPv4(d.IPv4Pool); err != nil {
					return nil, fmt.Errorf("DNN %q: %w", d.Name, err)
				}
				ps.v4[pfx] = p.ipv4
			}
		}
		if d.IPv6Pool.IsValid() {
			pfx := d.IPv6Pool.Masked()
			if p.ipv6 = ps.v6[pfx]; p.ipv6 == nil {
				if p.ipv6, err = ippool.NewIPv6(d.IPv6Pool); err != nil {
					return nil, fmt.Errorf("DNN %q: %w", d.Name, err)
				}
				ps.v6[pfx] = p.ipv6
			}
		}
		if p.ipv4 == nil && p.ipv6 == nil {
			return nil, fmt.Errorf("DNN %q has no address pool", d.Name)
		}
		m[k] = p
		ps.all = append(ps.all, p)
	}
	return m, nil
}

// check refuses overlapping pools and reserves the static addresses in
// every pool.
func (ps *poolSet) check(static []netip.Addr) error {
	if err := ps.overlap(); err != nil {
		return err
	}
	for _, a := range static {
		for _, p := range ps.all {
			if err := p.reserve(a); err != nil {
				return fmt.Errorf("smf: static address: %w", err)
			}
		}
	}
	return nil
}

// overlap refuses overlapping pools.
func (ps *poolSet) overlap() error {
	for _, prefixes := range [][]netip.Prefix{keys(ps.v4), keys(ps.v6)} {
		for i, a := range prefixes {
			for _, b := range prefixes[i+1:] {
				if a.Overlaps(b) {
					return fmt.Errorf("smf: address pools %s and %s overlap", a, b)
				}
			}
		}
	}
	return nil
}

func keys[V any](m map[netip.Prefix]V) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
