package nfclient

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// cached is one discovery answer, kept until expires.
type cached struct {
	profiles []nnrf.Profile
	target   sbi.NFType
	expires  time.Time
}

// Discover is NFDiscovery (TS 29.510 §5.3.2.2) for the query, the
// requester being this NF. The NRF is asked for the instances of the
// target type offering the services (and the target instance, when
// named); that answer is cached for its validityPeriod (§6.2.6.2.2),
// dropped earlier when a status notification concerns it, and filtered
// here by the rest of the query — SUPI, routing indicator, S-NSSAIs,
// DNN, TAI, limit — with the NRF's own matching rules (nnrf.Query
// Matches) on the profiles it gave. So selecting a UDM for each of
// 100,000 SUPIs costs one discovery per validity period, not one per
// subscriber. No instance is not an error: the result is empty, and
// that answer is not cached — an NF started before its peers (processes
// start in any order) would otherwise find none for a validity period
// after they register, as an NF learns of registrations only through a
// status subscription (TS 29.510 §5.2.2.5) it may not hold; so each
// selection asks the NRF again until an instance registers.
func (c *Client) Discover(ctx context.Context, q nnrf.Query) ([]nnrf.Profile, error) {
	return c.discoverFiltered(ctx, q, false)
}

// DiscoverFresh is Discover asking the NRF whatever the cache holds (and
// caching its answer): for a consumer that follows the registrations of
// a type by asking again and again, as the SMF its UPFs.
func (c *Client) DiscoverFresh(ctx context.Context, q nnrf.Query) ([]nnrf.Profile, error) {
	return c.discoverFiltered(ctx, q, true)
}

func (c *Client) discoverFiltered(ctx context.Context, q nnrf.Query, fresh bool) ([]nnrf.Profile, error) {
	q.RequesterNFType = c.opts.Profile.NFType
	q.RequesterNFInstanceID = c.opts.Profile.NFInstanceID
	broad := nnrf.Query{TargetNFType: q.TargetNFType, RequesterNFType: q.RequesterNFType, RequesterNFInstanceID: q.RequesterNFInstanceID,
		ServiceNames: q.ServiceNames, TargetNFInstanceID: q.TargetNFInstanceID}
	all, err := c.discover(ctx, broad, fresh)
	if err != nil {
		return nil, err
	}
	var out []nnrf.Profile
	for i := range all {
		if q.Matches(&all[i]) {
			out = append(out, all[i])
		}
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// maxCached bounds the discovery answers kept: past it the expired ones
// go, and if that is not enough, all of them.
const maxCached = 1024

// discover asks the NRF the query, or answers from the cache.
func (c *Client) discover(ctx context.Context, q nnrf.Query, fresh bool) ([]nnrf.Profile, error) {
	key := q.Key()
	now := c.now()
	c.cache.Lock()
	if e, ok := c.cache.m[key]; ok && now.Before(e.expires) && !fresh {
		c.cache.Unlock()
		c.metrics.hit.Inc()
		return e.profiles, nil
	}
	c.cache.Unlock()
	c.metrics.miss.Inc()
	var r nnrf.SearchResult
	if _, err := c.do(ctx, "discover", sbihttp.Request{Method: http.MethodGet, URI: c.opts.NRF, Path: "/nnrf-disc/v1/nf-instances", Query: q.Values()}, &r); err != nil {
		return nil, fmt.Errorf("nfclient: discover %s: %w", q.TargetNFType, err)
	}
	profiles := r.Profiles()
	if len(profiles) == 0 {
		c.cache.Lock()
		delete(c.cache.m, key) // a fresh answer replaces a cached one
		c.cache.Unlock()
	}
	if r.ValidityPeriod > 0 && len(profiles) > 0 {
		c.cache.Lock()
		if len(c.cache.m) >= maxCached {
			for k, e := range c.cache.m {
				if !now.Before(e.expires) {
					delete(c.cache.m, k)
				}
			}
			if len(c.cache.m) >= maxCached {
				clear(c.cache.m)
			}
		}
		c.cache.m[key] = cached{profiles: profiles, target: q.TargetNFType, expires: now.Add(time.Duration(r.ValidityPeriod) * time.Second)}
		c.cache.Unlock()
	}
	return profiles, nil
}

// Select discovers the instances for the query that serve the service
// and returns their apiRoots, most preferred first, or an error wrapping
// sbi.ErrNoInstance when there are none. The query's target NF type is
// the service's when left empty.
func (c *Client) Select(ctx context.Context, q nnrf.Query, service string) ([]string, error) {
	if q.TargetNFType == "" {
		t, ok := ServiceType(service)
		if !ok {
			return nil, fmt.Errorf("nfclient: no NF type serves %q: %w", service, sbi.ErrNoInstance)
		}
		q.TargetNFType = t
	}
	if !slices.Contains(q.ServiceNames, service) {
		q.ServiceNames = append(q.ServiceNames, service)
	}
	profiles, err := c.Discover(ctx, q)
	if err != nil {
		return nil, err
	}
	var roots []string
	for i := range profiles {
		roots = append(roots, APIRoots(&profiles[i], service)...)
	}
	if len(roots) == 0 {
		return nil, fmt.Errorf("nfclient: no %s instance serves %s: %w", q.TargetNFType, service, sbi.ErrNoInstance)
	}
	return roots, nil
}

// Resolve implements sbihttp.Resolver: the apiRoots of the instances of
// the NF type serving the service, through the NRF.
func (c *Client) Resolve(ctx context.Context, service string) ([]string, error) {
	return c.Select(ctx, nnrf.Query{}, service)
}

var _ sbihttp.Resolver = (*Client)(nil)

// forget drops the cached answers a change of the NF concerns: those of
// its type and those holding it.
func (c *Client) forget(nfType sbi.NFType, instanceID string) {
	c.cache.Lock()
	defer c.cache.Unlock()
	for k, e := range c.cache.m {
		if (nfType != "" && e.target == nfType) || slices.ContainsFunc(e.profiles, func(p nnrf.Profile) bool { return p.NFInstanceID == instanceID }) {
			delete(c.cache.m, k)
		}
	}
}
