// Package sbihttp is the HTTP/2 binding framework of Keel's service-based
// interfaces (TS 29.500, TS 29.501): what every service's server and
// client share. The bindings of the services (package sbihttp/<service>
// or beside the service) adapt an interface of internal/sbi to HTTP with
// it; the network functions themselves never see HTTP. NFs in one
// process keep calling each other directly through internal/sbi. The
// NSSF's binding is here: ServeNSSF and NSSFClient (nnssf*.go,
// TS 29.531 §6.1, §6.2).
//
// # Server
//
// A Server serves the NF services registered on it, each under
// {apiRoot}/<service name>/<API version> (TS 29.501 §4.4.1), on one
// listener: HTTP/2 over cleartext TCP with prior knowledge (h2c) by
// default, HTTP/2 over TLS when ServerConfig.TLS is set, mutual TLS when
// that config requires client certificates (TS 33.501 §13.1). A binding
// registers each operation:
//
//	svc := srv.Service("nausf-auth", "v1")
//	svc.Handle("POST /ue-authentications", func(w http.ResponseWriter, r *http.Request) error {
//		var in AuthenticationInfo
//		if err := sbihttp.Decode(r, &in); err != nil {
//			return err // 400/415 ProblemDetails
//		}
//		...
//		return sbihttp.Created(w, location, out) // 201 with Location
//	})
//
// A handler returns an error instead of answering it; the server answers
// with the ProblemDetails of that error (below). Decode reads a body
// strictly. A URI no operation has is answered 404
// RESOURCE_URI_STRUCTURE_NOT_FOUND, a method the resource lacks 405, both
// as ProblemDetails. ServerConfig.Authorize runs before every handler:
// the NRF's OAuth2 access token check plugs in there (401 and 403
// ProblemDetails, with WWW-Authenticate per RFC 6750 §3). A handler's
// error saying a token was refused (a request the NF itself sent) is
// answered 500 SYSTEM_FAILURE instead: the consumer's token is not at
// fault.
//
// # Client
//
// A Client sends a Request to a service it names; a Resolver gives the
// apiRoots of its instances (StaticResolver for configuration, NRF
// discovery later — any type with Resolve(ctx, serviceName) ([]string,
// error)). Every attempt has a deadline (ClientConfig.Timeout); a
// connection failure, an attempt's timeout or a 5xx answer makes the
// client try the next instance (TS 29.500 §6.10.3), up to MaxAttempts.
// A Request with URI goes to that resource only (a Location an earlier
// answer gave). ClientConfig.Token, when set, adds "Authorization: Bearer"
// with the token for the service (TS 33.501 §13.4.1); with
// ClientConfig.InvalidateToken too, a 401 whose challenge says
// error="invalid_token" drops the cached token and sends the request
// once more to the same instance with a fresh one (RFC 6750 §3.1), so a
// consumer recovers from an NRF that changed its key. ClientConfig.UserAgent
// is sent as every request's User-Agent, the consumer's NF type and
// instance ID (TS 29.500 §5.2.2.2). The transport is HTTP/2 only: h2c
// for http apiRoots, TLS for https ones.
//
// # Session management bindings
//
// Nsmf_PDUSession (nsmf.go, nsmf_client.go), Namf_Communication's
// N1N2MessageTransfer (namf.go) and Npcf_SMPolicyControl (npcf.go) have
// a server (ServeNsmf, ServeNamf, NpcfServer.Serve) and a client
// (NsmfClient, NamfClient, NpcfClient) implementing the interface of
// internal/sbi, with the URIs and methods of TS 29.502 §6.1.3, TS 29.518
// §6.1.3.5 and TS 29.512 §5.3. Binary N1 and N2 content travels as
// multipart/related (multipart.go: EncodeParts, DecodeParts; RFC 2387,
// TS 29.500 §6.1.2.4): a JSON root part and one part per RefToBinaryData,
// named by its Content-ID; a body without binaries is plain JSON.
// Resources are named by URI: an SM context's reference and an SM policy
// association's ID are, at the client, the Location of their creation.
//
// The notifications are posted to the consumer's callback URIs, which a
// process's Callbacks serves under {apiRoot}/callbacks/v1 and names in
// its requests: smContextStatusUri (an SMF tells the AMF, before its
// answer to the update that released a context, that the context is
// RELEASED; the AMF's client then sets SmContextUpdatedData.Released),
// n1n2FailureTxfNotifURI (naming the UE and PDU session; the Callbacks'
// N1N2 notifier receives it), notificationUri (the PCF's UpdateNotify,
// to the Callbacks' policy notifier, the decision named by resourceUri)
// and nfNssaiAvailabilityUri (the NSSF's NSSAI availability
// notifications, TS 29.531 §5.3.2.5, to the Callbacks' NSSAI
// availability receiver, the AMF; NSSAIAvailabilityNotifier posts them).
// Each is marked with 3gpp-Sbi-Callback. The PCF's side of UpdateNotify
// is NpcfServer, the PCF's sbi.NpcfSMPolicyNotifier; the AMF's side of
// the failure notification is the FailureNotify ServeNamf gives a
// transfer with an n1n2FailureTxfNotifURI.
//
// An SM context operation's own errors are answered as
// SmContextCreateError or SmContextUpdateError (ProblemDetails in
// "error"; the 404 of these operations has no problem+json); a refused
// establishment carries the PDU SESSION ESTABLISHMENT REJECT as a part
// and reaches the caller as *sbi.SmContextCreateError.
//
// # Errors
//
// The errors of internal/sbi travel as ProblemDetails
// (application/problem+json, TS 29.571 §5.2.4.1): status and cause from
// the sbi.Problem, type "urn:keel:problem:<reason>" to tell apart the
// sentinels that share a status and cause (AUTHENTICATION_REJECTED for a
// wrong RES* or a failed re-synchronisation), invalidParams from a
// ParamError. The client maps an answer back to the same sentinel, so
// errors.Is(err, sbi.ErrUserNotFound) holds across the wire as in one
// process; an answer from another vendor without Keel's type maps by
// status and cause. A fault without protocol meaning is answered 500
// SYSTEM_FAILURE with no detail of the NF's internals (it is logged).
// Decode's errors (TS 29.500 Table 5.2.7.2-1):
//
//	malformed JSON, empty body, trailing data     400 INVALID_MSG_FORMAT
//	attribute the data type does not define       400 INVALID_MSG_FORMAT (invalidParams names it;
//	                                              names are case-sensitive)
//	attribute of the wrong JSON type or value     400 MANDATORY_IE_INCORRECT (invalidParams names it)
//	Content-Type other than the operation's       415 INVALID_MSG_FORMAT
//	body over ServerConfig.MaxBody                413
//
// Errors of the package itself read "sbihttp: ...".
//
// # JSON
//
// The large bodies of a registration and a PDU session (subscription
// data, policy, SM context and authentication bodies) implement
// JSONDecoder and JSONAppender: DecodeBytes, the client's answer
// decoding (leniently: a peer's undefined attributes are skipped, as
// json.Unmarshal skips them), answers, request bodies and EncodeParts
// use them instead of encoding/json. Their decoders accept, refuse and
// fill what encoding/json with the strict checks does and their
// encoders write json.Marshal's bytes; differential tests and fuzz
// targets (package subdatatest's Compare) hold them to it. A
// multipart/related body in the canonical form EncodeParts writes is
// split without mime/multipart's reader; any other form goes to it.
//
// # Headers
//
// 3gpp-Sbi-Callback (HeaderCallback) marks a notification request with
// the callback it is (TS 29.500 §5.2.3.2.4); a binding that sends a
// notification sets it in Request.Header. 3gpp-Sbi-Target-apiRoot
// (HeaderTargetAPIRoot), set by an SCP, is honoured by APIRoot when a
// server builds absolute URIs (Location, _links).
//
// # Concurrency
//
// A Server takes its services and operations before Start; its handlers
// then run concurrently on the server's workers (workers.go: goroutines
// kept between requests, whose grown stacks are not grown again for each
// request). Over h2c the server is package h2server: one goroutine per
// connection reads its frames, hands each request, body read, to a
// worker, and the handler's answer goes out as HEADERS and DATA in one
// write. Over TLS it is net/http's: each HTTP/2 stream has a goroutine
// owned by net/http, which runs the handler on a worker and waits for it.
// Stop sends GOAWAY, joins the connections after the requests in flight,
// then the workers. A
// Client is safe for concurrent use by any number of goroutines; a
// Resolver and a TokenSource must be too.
//
// # Spec conformance
//
//   - TS 29.500 §5.2.1: HTTP/2 only (no HTTP/1.1), h2c or TLS.
//   - TS 29.500 §5.2.2.2: User-Agent "<NF type>-<NF instance ID>".
//   - TS 29.500 §5.2.7: ProblemDetails with the causes of Table 5.2.7.2-1.
//   - TS 29.500 §6.10.3: re-selection of another instance after a
//     connection failure or a 5xx.
//   - TS 29.501 §4.4.1: resource URI structure
//     {apiRoot}/<apiName>/<apiVersion>/<apiSpecificResourceUriPart>.
//   - Not done: HTTP/2 server push, 3gpp-Sbi-Message-Priority, the
//     Binding and Routing headers of an SCP (TS 29.500 §6.12), redirects.
//
// Sub-package openapitest (tests only) validates every request and
// answer of a test against the Rel-17 OpenAPI documents.
package sbihttp
