package app

import (
	"context"
	"fmt"
	"net/netip"
	"sync"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nrf/nfclient"
	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// discoverer is NRF discovery (Nnrf_NFDiscovery, TS 29.510 §5.3): the
// profiles of the registered instances a query matches, from a cache
// kept for the answers' validity period.
type discoverer interface {
	Discover(ctx context.Context, q nnrf.Query) ([]nnrf.Profile, error)
}

// bindings build the HTTP/2 client of each service for one instance; a
// nil one means that service has no HTTP binding, and its NF cannot be
// reached in another process.
//
// Each takes the client of one instance and that instance's ID.
type bindings struct {
	AMF  func(*sbihttp.Client, string) sbi.NamfCommunication
	SMF  func(*sbihttp.Client, string) sbi.NsmfPDUSession
	AUSF func(*sbihttp.Client, string) sbi.NausfUEAuthentication
	UDM  func(*sbihttp.Client, string) sbi.UDM
	UDR  func(*sbihttp.Client, string) sbi.NudrDataRepository
	PCF  func(*sbihttp.Client, string) sbi.NpcfSMPolicyControl
	NSSF func(*sbihttp.Client, string) sbi.NSSF
}

// nrfDirectory is the sbi.Directory of a split process: the instances
// NRF discovery answers, each reached through the HTTP/2 client of its
// service at the apiRoot of its profile.
//
// Concurrency: safe for concurrent use; clients, guarded by mu, holds
// one client per instance and service, built on first use and kept
// (they share the process's transport, so an instance gone costs a map
// entry).
type nrfDirectory struct {
	disc  discoverer
	plane *sbiPlane
	bind  bindings
	cfg   config.Config
	// tokens authorises the clients' requests; nil when tokens are off.
	tokens *nfclient.Client
	// agent is the consumer NF's User-Agent (TS 29.500 §5.2.2.2).
	agent string

	mu      sync.Mutex
	clients map[[2]string]any // instance ID, service name
}

// query is the NFDiscovery query of a selection; the discoverer adds
// the requester.
func (d *nrfDirectory) query(t sbi.NFType, service string, q sbi.Query) nnrf.Query {
	nq := nnrf.Query{TargetNFType: t, ServiceNames: []string{service},
		TargetNFInstanceID: q.InstanceID, DNN: q.DNN, SUPI: q.SUPI, RoutingIndicator: q.RoutingIndicator}
	if q.SNSSAI != nil {
		nq.SNSSAIs = []ident.SNSSAI{{SST: q.SNSSAI.SST, SD: q.SNSSAI.SD, HasSD: q.SNSSAI.HasSD}}
	}
	return nq
}

// find discovers the instances of service and gives each its client,
// ranked by priority and q's locality.
func find[T any](ctx context.Context, d *nrfDirectory, t sbi.NFType, service string, q sbi.Query, build func(*sbihttp.Client, string) T, ok bool) ([]sbi.Peer[T], error) {
	if !ok {
		return nil, fmt.Errorf("app: %s: no HTTP binding in this build: %w", service, sbi.ErrNoInstance)
	}
	profiles, err := d.disc.Discover(ctx, d.query(t, service, q))
	if err != nil {
		return nil, fmt.Errorf("app: discovering %s: %w", service, err)
	}
	var ps []sbi.Profile
	var peers []sbi.Peer[T]
	for i := range profiles {
		p := &profiles[i]
		if p.NFStatus != "" && p.NFStatus != nnrf.Registered {
			continue
		}
		c, ok := d.client(p, service, func(c *sbihttp.Client) any { return build(c, p.NFInstanceID) })
		if !ok {
			continue
		}
		ps = append(ps, sbi.Profile{Type: p.NFType, InstanceID: p.NFInstanceID, Locality: p.Locality, Priority: priority(p)})
		peers = append(peers, sbi.Peer[T]{ID: p.NFInstanceID, Service: c.(T)})
	}
	if len(peers) == 0 {
		return nil, fmt.Errorf("app: the NRF knows no %s for %s: %w: %w", service, q, sbi.ErrNoInstance, sbi.ErrNotListed)
	}
	if len(peers) > 1 {
		sbi.Rank(ps, peers, q.Locality)
	}
	return peers, nil
}

// client returns the client of an instance's service, building it on
// first use; ok is false when the profile gives no apiRoot for the
// service. Instance IDs are fresh at each start of an NF, so a cached
// client never outlives the address it was built for.
func (d *nrfDirectory) client(p *nnrf.Profile, service string, build func(*sbihttp.Client) any) (any, bool) {
	k := [2]string{p.NFInstanceID, service}
	d.mu.Lock()
	c, ok := d.clients[k]
	d.mu.Unlock()
	if ok {
		return c, true
	}
	return d.newClient(k, p, service, build)
}

// newClient builds and caches the client of key k, unless another
// caller did first. It is client's first use apart: its frame (the
// resolver, the client's configuration) is some 2.5 KB, which client,
// on the path of every SBI call, would otherwise reserve on each
// call's stack, and grow that stack for.
//
//go:noinline
func (d *nrfDirectory) newClient(k [2]string, p *nnrf.Profile, service string, build func(*sbihttp.Client) any) (any, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.clients[k]; ok {
		return c, true
	}
	// The instance's client resolves every service of its profile: one
	// binding may call two APIs of one NF (the NSSF's).
	resolver := sbihttp.StaticResolver{}
	for _, s := range p.Services() {
		if _, ok := resolver[s.ServiceName]; !ok {
			if roots := nfclient.APIRoots(p, s.ServiceName); len(roots) > 0 {
				resolver[s.ServiceName] = roots
			}
		}
	}
	if len(resolver[service]) == 0 {
		return nil, false
	}
	c := build(d.plane.client(d.cfg, resolver, d.tokens, d.agent))
	d.clients[k] = c
	return c, true
}

func priority(p *nnrf.Profile) uint16 {
	if p.Priority == nil || *p.Priority < 0 || *p.Priority > 65535 {
		return 0
	}
	return uint16(*p.Priority)
}

func (d *nrfDirectory) AMFs(ctx context.Context, q sbi.Query) ([]sbi.Peer[sbi.NamfCommunication], error) {
	return find(ctx, d, sbi.NFTypeAMF, "namf-comm", q, d.bind.AMF, d.bind.AMF != nil)
}

func (d *nrfDirectory) SMFs(ctx context.Context, q sbi.Query) ([]sbi.Peer[sbi.NsmfPDUSession], error) {
	return find(ctx, d, sbi.NFTypeSMF, "nsmf-pdusession", q, d.bind.SMF, d.bind.SMF != nil)
}

func (d *nrfDirectory) AUSFs(ctx context.Context, q sbi.Query) ([]sbi.Peer[sbi.NausfUEAuthentication], error) {
	return find(ctx, d, sbi.NFTypeAUSF, "nausf-auth", q, d.bind.AUSF, d.bind.AUSF != nil)
}

func (d *nrfDirectory) UDMs(ctx context.Context, q sbi.Query) ([]sbi.Peer[sbi.UDM], error) {
	return find(ctx, d, sbi.NFTypeUDM, "nudm-sdm", q, d.bind.UDM, d.bind.UDM != nil)
}

func (d *nrfDirectory) UDRs(ctx context.Context, q sbi.Query) ([]sbi.Peer[sbi.NudrDataRepository], error) {
	return find(ctx, d, sbi.NFTypeUDR, "nudr-dr", q, d.bind.UDR, d.bind.UDR != nil)
}

func (d *nrfDirectory) PCFs(ctx context.Context, q sbi.Query) ([]sbi.Peer[sbi.NpcfSMPolicyControl], error) {
	return find(ctx, d, sbi.NFTypePCF, "npcf-smpolicycontrol", q, d.bind.PCF, d.bind.PCF != nil)
}

func (d *nrfDirectory) NSSFs(ctx context.Context, q sbi.Query) ([]sbi.Peer[sbi.NSSF], error) {
	return find(ctx, d, sbi.NFTypeNSSF, sbihttp.ServiceNSSelection, q, d.bind.NSSF, d.bind.NSSF != nil)
}

// UPFs: the UPF speaks PFCP, not the SBI, and Keel's UPF does not
// register at the NRF; an SMF apart associates with the UPF at
// n4.address (rootSMF).
func (d *nrfDirectory) UPFs(_ context.Context, q sbi.Query) ([]sbi.Peer[netip.AddrPort], error) {
	return nil, fmt.Errorf("app: UPFs are not discovered through the NRF (%s): %w", q, sbi.ErrNoInstance)
}
