// Package nrf is Keel's Network Repository Function (TS 29.510): the
// directory through which network functions running apart find each
// other and obtain access tokens.
//
// # Services
//
//   - Nnrf_NFManagement (§5.2): Register (NFRegister, PUT; 201 for a new
//     instance, 200 for a replaced one, heartBeatTimer set by the NRF),
//     Update (NFUpdate, PATCH with a JSON Patch document; the heartbeat
//     is the patch replacing /nfStatus with REGISTERED), Deregister,
//     Profile and List (NFProfileRetrieval, NFListRetrieval), Subscribe,
//     UpdateSubscription and Unsubscribe (NFStatusSubscribe/UnSubscribe,
//     validityTime at most Options.SubscriptionValidity and extended by a
//     PATCH of /validityTime), and notifications
//     NF_REGISTERED, NF_PROFILE_CHANGED, NF_DEREGISTERED posted to the
//     subscribers through Options.Notifier (NFStatusNotify, §5.2.2.6).
//   - Nnrf_NFDiscovery (§5.3): Discover, with the query of nnrf.Query;
//     answers carry Options.ValidityPeriod.
//   - Nnrf_AccessToken (§5.4): Token, OAuth 2.0 client credentials,
//     answered with an ES256 JWT signed with Options.SigningKey (package
//     accesstoken; TS 33.501 §13.4.1.1).
//
// Routes binds them to HTTP/2 on an sbihttp.Server under
// {apiRoot}/nnrf-nfm/v1, {apiRoot}/nnrf-disc/v1 and {apiRoot}/oauth2/token
// (TS 29.510 §6.1.1, §6.2.1, §6.3.1); HTTPNotifier posts notifications
// with an sbihttp.Client and the 3gpp-Sbi-Callback header. A heartbeat
// is answered 204, another update 200 with the profile; the token
// endpoint answers Cache-Control: no-store (RFC 6749 §5.1).
//
// # Heartbeat
//
// An NF from which no update came for two of its heartBeatTimer periods
// is marked SUSPENDED (TS 29.510 §5.2.2.3.2: out of discovery,
// subscribers hear NF_PROFILE_CHANGED); its next heartbeat makes it
// REGISTERED again. One SUSPENDED for Options.PurgeAfter is forgotten
// (NF_DEREGISTERED); its next heartbeat then gets 404 and it registers
// again. Expire applies the rule; Start runs it every second.
//
// # State
//
// The registry is in memory only. An NRF restart empties it; the NFs
// find out at their next heartbeat (404 Not Found) and register again,
// which the clients of package nfclient do, and their subscriptions
// are made again the same way. Access tokens signed before a restart
// stay valid when the NRF keeps its signing key (a key file); with a
// fresh key producers refuse them and consumers fetch new ones.
//
// # Security
//
// Nnrf_NFManagement and Nnrf_NFDiscovery take no access token here (an
// NF needs them before it can hold one): any peer reaching the NRF's
// SBI may register, replace or remove a profile. Run the NRF's SBI on
// mutual TLS (sbihttp.ServerConfig.TLS, TS 33.501 §13.1) or a network
// only NFs reach. The token endpoint, likewise, takes the consumer's
// word for its nfInstanceId (checked against the registry: registered,
// of the nfType it states); TS 33.501 §13.4.1.1 authenticates the
// consumer by the TLS of the SBI, which binds the request to the
// client certificate. Options.MaxInstances and Options.MaxSubscriptions
// bound what a peer can make the NRF hold (503 NF_CONGESTION past them).
//
// # Errors
//
// The methods return *nnrf.Error (HTTP status, ProblemDetails cause and
// the attribute at fault) or, for Token, an *nnrf.AccessTokenErr; the
// HTTP binding answers them as ProblemDetails (TS 29.500 §5.2.7) and
// AccessTokenErr (TS 29.510 §6.3.5.2.5). The NRF does not log refusals.
//
// # Metrics
//
// keel_nrf_nf_instances{nf_type,status}, keel_nrf_nfm_requests_total
// {operation,result}, keel_nrf_discovery_requests_total
// {target_nf_type,result}, keel_nrf_token_requests_total{result},
// keel_nrf_notifications_total{event,result}.
//
// # Concurrency
//
// An NRF is safe for concurrent use. One mutex guards the registry and
// the subscriptions; it is held for map operations and profile checks,
// never across I/O. Start runs five goroutines, the expiry ticker and
// four notification senders, all owned by the NRF and joined by Stop.
// A subscriber's notifications always go through the same sender, in
// order; each sender has a bounded queue (256), past which
// notifications are dropped and counted, so a slow or dead subscriber
// never slows registrations and delays only the subscribers sharing its
// sender.
// Time comes from Options.Now.
//
// # Spec conformance
//
// Not done: SCP and roaming (hnrf-uri, PLMN-specific lists),
// NFListRetrieval paging,
// conditional requests (ETag/If-Match), profile changes sent as
// profileChanges (the whole profile is sent), and the discovery
// parameters beyond those of nnrf.Query, which are accepted and ignored.
package nrf
