package sbi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
)

// Static is the Directory of the NFs of one process: each is added with
// its profile once built, and queries match those profiles. It is the
// selection of an all-in-one core, and the first place a process with
// some of the NFs looks before the NRF (see Chain).
//
// Concurrency: Add* and the queries may run concurrently; the lists
// only grow.
type Static struct {
	mu   sync.RWMutex
	amf  []entry[NamfCommunication]
	smf  []entry[NsmfPDUSession]
	ausf []entry[NausfUEAuthentication]
	udm  []entry[UDM]
	udr  []entry[NudrDataRepository]
	pcf  []entry[NpcfSMPolicyControl]
	nssf []entry[NSSF]
	upf  []entry[netip.AddrPort]
}

type entry[T any] struct {
	p Profile
	s T
}

// NewStatic returns an empty static directory.
func NewStatic() *Static { return &Static{} }

// AddAMF adds an AMF instance; the other Add methods likewise.
func (d *Static) AddAMF(p Profile, s NamfCommunication) { add(d, &d.amf, p, NFTypeAMF, s) }

func (d *Static) AddSMF(p Profile, s NsmfPDUSession)         { add(d, &d.smf, p, NFTypeSMF, s) }
func (d *Static) AddAUSF(p Profile, s NausfUEAuthentication) { add(d, &d.ausf, p, NFTypeAUSF, s) }
func (d *Static) AddUDM(p Profile, s UDM)                    { add(d, &d.udm, p, NFTypeUDM, s) }
func (d *Static) AddUDR(p Profile, s NudrDataRepository)     { add(d, &d.udr, p, NFTypeUDR, s) }
func (d *Static) AddPCF(p Profile, s NpcfSMPolicyControl)    { add(d, &d.pcf, p, NFTypePCF, s) }
func (d *Static) AddNSSF(p Profile, s NSSF)                  { add(d, &d.nssf, p, NFTypeNSSF, s) }

// AddUPF adds a UPF by its N4 address.
func (d *Static) AddUPF(p Profile, n4 netip.AddrPort) { add(d, &d.upf, p, NFTypeUPF, n4) }

func add[T any](d *Static, list *[]entry[T], p Profile, t NFType, s T) {
	p.Type = t
	d.mu.Lock()
	defer d.mu.Unlock()
	*list = append(*list, entry[T]{p, s})
}

func (d *Static) AMFs(_ context.Context, q Query) ([]Peer[NamfCommunication], error) {
	return find(d, d.amf, q, NFTypeAMF)
}

func (d *Static) SMFs(_ context.Context, q Query) ([]Peer[NsmfPDUSession], error) {
	return find(d, d.smf, q, NFTypeSMF)
}

func (d *Static) AUSFs(_ context.Context, q Query) ([]Peer[NausfUEAuthentication], error) {
	return find(d, d.ausf, q, NFTypeAUSF)
}

func (d *Static) UDMs(_ context.Context, q Query) ([]Peer[UDM], error) {
	return find(d, d.udm, q, NFTypeUDM)
}

func (d *Static) UDRs(_ context.Context, q Query) ([]Peer[NudrDataRepository], error) {
	return find(d, d.udr, q, NFTypeUDR)
}

func (d *Static) PCFs(_ context.Context, q Query) ([]Peer[NpcfSMPolicyControl], error) {
	return find(d, d.pcf, q, NFTypePCF)
}

func (d *Static) NSSFs(_ context.Context, q Query) ([]Peer[NSSF], error) {
	return find(d, d.nssf, q, NFTypeNSSF)
}

func (d *Static) UPFs(_ context.Context, q Query) ([]Peer[netip.AddrPort], error) {
	return find(d, d.upf, q, NFTypeUPF)
}

// Has reports whether the directory holds an instance of type t.
func (d *Static) Has(t NFType) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	switch t {
	case NFTypeAMF:
		return len(d.amf) > 0
	case NFTypeSMF:
		return len(d.smf) > 0
	case NFTypeAUSF:
		return len(d.ausf) > 0
	case NFTypeUDM:
		return len(d.udm) > 0
	case NFTypeUDR:
		return len(d.udr) > 0
	case NFTypePCF:
		return len(d.pcf) > 0
	case NFTypeNSSF:
		return len(d.nssf) > 0
	case NFTypeUPF:
		return len(d.upf) > 0
	}
	return false
}

// find answers the entries matching q in the order of Rank.
func find[T any](d *Static, list []entry[T], q Query, t NFType) ([]Peer[T], error) {
	d.mu.RLock()
	var ps []Profile
	var out []Peer[T]
	for _, e := range list {
		if e.p.Matches(q) {
			ps = append(ps, e.p)
			out = append(out, Peer[T]{ID: e.p.InstanceID, Service: e.s})
		}
	}
	d.mu.RUnlock()
	if len(out) == 0 {
		return nil, &noInstance{t, q}
	}
	if len(out) > 1 {
		Rank(ps, out, q.Locality)
	}
	return out, nil
}

// noInstance is ErrNoInstance for a type and query, formatted only when
// read: a process's own directory answers it for every peer that runs
// elsewhere, on every request.
type noInstance struct {
	t NFType
	q Query
}

func (e *noInstance) Error() string   { return fmt.Sprintf("%v: no %s for %s", ErrNoInstance, e.t, e.q) }
func (e *noInstance) Unwrap() []error { return []error{ErrNoInstance, ErrNotListed} }

// Rank orders peers, and their profiles alike, by preference: the
// profiles' priority, lower first, then those of locality first; the
// order is otherwise kept (TS 29.510 §6.1.6.2.2 priority, §6.2.3.2.3.1
// preferred-locality).
func Rank[T any](profiles []Profile, peers []Peer[T], locality string) {
	idx := make([]int, len(peers))
	for i := range idx {
		idx[i] = i
	}
	away := func(p Profile) int {
		if locality != "" && p.Locality != locality {
			return 1
		}
		return 0
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if c := cmp.Compare(profiles[a].Priority, profiles[b].Priority); c != 0 {
			return c
		}
		return cmp.Compare(away(profiles[a]), away(profiles[b]))
	})
	ps, pe := slices.Clone(profiles), slices.Clone(peers)
	for i, j := range idx {
		profiles[i], peers[i] = ps[j], pe[j]
	}
}

// String describes the query for errors and logs; the SUPI is left out.
func (q Query) String() string {
	s := "query"
	if q.InstanceID != "" {
		s += " instance " + q.InstanceID
	}
	if q.SNSSAI != nil {
		s += fmt.Sprintf(" sst %d", q.SNSSAI.SST)
		if q.SNSSAI.HasSD {
			s += fmt.Sprintf(" sd %06x", q.SNSSAI.SD)
		}
	}
	if q.DNN != "" {
		s += " dnn " + q.DNN
	}
	if q.RoutingIndicator != "" {
		s += " routing indicator " + q.RoutingIndicator
	}
	if q.Locality != "" {
		s += " locality " + q.Locality
	}
	return s
}

// Chain asks each directory in turn and answers the first that knows an
// instance: a process's own NFs (a Static directory) before the NRF, so
// NFs in one process keep calling each other directly.
func Chain(dirs ...Directory) Directory { return chain(dirs) }

type chain []Directory

func first[T any](ctx context.Context, c chain, q Query, ask func(Directory) ([]Peer[T], error)) ([]Peer[T], error) {
	var errs []error
	for _, d := range c {
		out, err := ask(d)
		if err == nil && len(out) > 0 {
			return out, nil
		}
		if err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("%w: %s: %w", ErrNoInstance, q, ErrNotListed)
	}
	// ErrNotListed only when every directory answered that it lists none.
	var failed []error
	for _, err := range errs {
		if !errors.Is(err, ErrNotListed) {
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		return nil, errors.Join(failed...)
	}
	return nil, errors.Join(errs...)
}

func (c chain) AMFs(ctx context.Context, q Query) ([]Peer[NamfCommunication], error) {
	return first(ctx, c, q, func(d Directory) ([]Peer[NamfCommunication], error) { return d.AMFs(ctx, q) })
}

func (c chain) SMFs(ctx context.Context, q Query) ([]Peer[NsmfPDUSession], error) {
	return first(ctx, c, q, func(d Directory) ([]Peer[NsmfPDUSession], error) { return d.SMFs(ctx, q) })
}

func (c chain) AUSFs(ctx context.Context, q Query) ([]Peer[NausfUEAuthentication], error) {
	return first(ctx, c, q, func(d Directory) ([]Peer[NausfUEAuthentication], error) { return d.AUSFs(ctx, q) })
}

func (c chain) UDMs(ctx context.Context, q Query) ([]Peer[UDM], error) {
	return first(ctx, c, q, func(d Directory) ([]Peer[UDM], error) { return d.UDMs(ctx, q) })
}

func (c chain) UDRs(ctx context.Context, q Query) ([]Peer[NudrDataRepository], error) {
	return first(ctx, c, q, func(d Directory) ([]Peer[NudrDataRepository], error) { return d.UDRs(ctx, q) })
}

func (c chain) PCFs(ctx context.Context, q Query) ([]Peer[NpcfSMPolicyControl], error) {
	return first(ctx, c, q, func(d Directory) ([]Peer[NpcfSMPolicyControl], error) { return d.PCFs(ctx, q) })
}

func (c chain) NSSFs(ctx context.Context, q Query) ([]Peer[NSSF], error) {
	return first(ctx, c, q, func(d Directory) ([]Peer[NSSF], error) { return d.NSSFs(ctx, q) })
}

func (c chain) UPFs(ctx context.Context, q Query) ([]Peer[netip.AddrPort], error) {
	return first(ctx, c, q, func(d Directory) ([]Peer[netip.AddrPort], error) { return d.UPFs(ctx, q) })
}
