// Package nfclient is a network function's side of the NRF (TS 29.510):
// what every SBI NF of Keel does to be found and to find its peers when
// NFs run apart.
//
// # Use
//
//	p, err := nfclient.Profile(nfclient.Spec{InstanceID: id, Type: nnrf.UDM,
//		APIRoot: "http://10.0.0.5:8080", SUPIRanges: ranges})
//	c, err := nfclient.New(nfclient.Options{NRF: "http://10.0.0.1:8000", Profile: p})
//	c.Start()                   // register, heartbeat, register again
//	defer c.Stop(ctx)           // deregister
//	client := sbihttp.NewClient(sbihttp.ClientConfig{Resolver: c, Token: c.Token, InvalidateToken: c.InvalidateToken})
//
// Profile builds the NF profile of an NF type (TS 29.510 §6.1.6.2.2):
// its services (Services: the AMF namf-comm; the SMF nsmf-pdusession;
// the AUSF nausf-auth; the UDM nudm-ueau, nudm-sdm, nudm-uecm; the UDR
// nudr-dr; the PCF npcf-smpolicycontrol; the NSSF nnssf-nsselection and
// nnssf-nssaiavailability) with the API versions of the Rel-17
// documents and the endpoint of the apiRoot, and its type's info:
// amfInfo (GUAMIs, the AMF set and region of the first, TAIs), smfInfo
// (DNNs per S-NSSAI, TAIs), udmInfo and ausfInfo (SUPI ranges, routing
// indicators), udrInfo (SUPI ranges), pcfInfo (DNNs, SUPI ranges). The
// UPF is no SBI NF and has no profile.
//
// Client keeps the registration: Start registers (again every
// RetryInterval while the NRF cannot be reached), heartbeats at the
// heartBeatTimer the NRF answered, and registers again when a heartbeat
// answers 404 — the NRF restarted or forgot the NF (TS 29.510
// §5.2.2.3.2) — remaking its status subscriptions. A subscription is
// renewed (made again, the former one removed) while three heartbeat
// periods remain of the validityTime the NRF granted. Stop removes the
// subscriptions and deregisters.
//
// Discover asks the NRF (Nnrf_NFDiscovery) for the instances of a type
// offering the services, caches that answer for its validityPeriod (at
// most 1,024 answers; an answer with no instance is not cached, so a
// peer registering after the NF started is found at once) and filters it by the rest of the query (SUPI,
// routing indicator, S-NSSAIs, DNN, TAI) with the NRF's own matching
// rules, so a per-subscriber selection costs no request once the type's
// answer is cached; Select gives the apiRoots of the instances
// serving a service for a query (a SUPI, a slice and DNN, a TAI);
// Resolve is sbihttp's Resolver (the instances of the service's NF
// type). Subscribe and HandleNotify take status notifications, which
// drop the cached answers they concern before their validity ends.
//
// Token is sbihttp's TokenSource: an access token per service from the
// NRF's token endpoint (client credentials, TS 33.501 §13.4.1.2), cached
// until a tenth of its lifetime (at most a minute) before it expires;
// InvalidateToken drops one a producer refused (sbihttp then asks for a
// fresh one). A started client's first requests wait for its
// registration: the NRF grants tokens to registered NFs only.
//
// # Errors
//
// The errors of package sbihttp (ProblemDetails mapped to the sentinels
// of internal/sbi), wrapped with "nfclient: ..."; no instance for a
// query wraps sbi.ErrNoInstance; a token refused by the NRF wraps
// sbi.ErrForbidden and names the OAuth 2.0 error.
//
// # Concurrency
//
// A Client is safe for concurrent use. Start runs one goroutine, the
// registration keeper, which Stop cancels and joins before
// deregistering. The registration, the discovery cache and the token
// cache each have a mutex held for map operations only, never across a
// request to the NRF: two callers missing the cache at once both ask
// the NRF.
package nfclient
