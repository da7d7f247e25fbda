// Package sbi defines the service-based interfaces between Keel's network
// functions: one Go interface per 3GPP NF service, named after it, with the
// request and answer types it carries. In one process an NF calls another
// through these interfaces directly; when NFs run apart, an HTTP/2 transport
// (TS 29.500, TS 29.501; package sbihttp and its per-service bindings
// nausf, nudm, nudr, ...) implements the same interfaces, so callers do
// not change. The NF packages (amf, ausf, udm, udr, ...) never import one
// another; they meet here.
//
// # Services
//
//   - NausfUEAuthentication: Nausf_UEAuthentication, TS 29.509 §5.2
//     (Authenticate, 5G-AKA confirmation), as used in TS 33.501 §6.1.3.2.
//   - NudmUEAuthentication: Nudm_UEAuthentication, TS 29.503 §5.4
//     (Get = generate-auth-data, ResultConfirmation = auth-events).
//   - NudmSDM: Nudm_SubscriberDataManagement, TS 29.503 §5.2 (Get of the
//     access and mobility and the session management subscription data).
//   - NudmUECM: Nudm_UEContextManagement, TS 29.503 §5.3 (AMF registration
//     for 3GPP access).
//   - NudrDataRepository: Nudr_DataRepository, TS 29.504 §5.2, for the
//     subscription data of TS 29.505 §5.2 (authentication subscription and
//     its SQN, access and mobility and session management subscription
//     data).
//   - NsmfPDUSession: Nsmf_PDUSession, TS 29.502 §5.2.2 (SM contexts,
//     used by the AMF).
//   - NamfCommunication: Namf_Communication, TS 29.518 §5.2.2
//     (N1N2MessageTransfer, used by the SMF).
//   - NpcfSMPolicyControl: Npcf_SMPolicyControl, TS 29.512 §4.2 (SM
//     policy associations, used by the SMF).
//   - NnssfNSSelection: Nnssf_NSSelection, TS 29.531 §5.2 (the Get for a
//     registration, used by the AMF for the allowed NSSAI).
//   - NnssfNSSAIAvailability: Nnssf_NSSAIAvailability, TS 29.531 §5.3
//     (Update by PUT and Delete of the S-NSSAIs an AMF supports per TA).
//
// # Data types
//
// The requests and answers of the session management services are the
// TS 29.502, TS 29.518 and TS 29.512 data types, named as the Rel-17
// OpenAPI documents name them and with the fields Keel uses; their JSON
// form is the documents' (struct tags, the enumerations' MarshalText, and
// npcf_json.go where Keel's Go form is flatter than the schema). Binary
// N1 and N2 content is a RefToBinaryData: the JSON part names a body part
// by its Content-ID, and in Go the reference holds the part's content, so
// a caller in the same process needs no body (TS 29.500 §6.1.2.4). A
// notification the specification sends to a callback URI
// (n1n2FailureTxfNotifURI, notificationUri) is a Go interface in one
// process (N1N2FailureNotifier, NpcfSMPolicyNotifier).
//
// # Selection
//
// NFs hold no fixed references to their peers: they obtain them from a
// Directory (directory.go), by the criteria of TS 23.501 §6.3 (S-NSSAI
// and DNN for an SMF, SUPI range or routing indicator for an AUSF or a
// UDM, DNN, slice and locality for a UPF). Static is the directory of
// one process; a directory over the NRF's discovery serves NFs run
// apart, and Chain puts a process's own NFs first. Sub-package selection
// turns a directory into the services a consumer calls, choosing the
// instance per request.
//
// # Errors
//
// Errors with protocol meaning are the sentinel values in errors.go, each a
// *Problem carrying the HTTP status and the ProblemDetails cause an HTTP
// transport answers with (TS 29.500 §5.2.7). Implementations wrap them with
// detail; callers test them with errors.Is and read the cause with
// ProblemOf. Temporary tells a failure the same request may not meet later
// (ErrUnavailable, a deadline run out) from a refusal.
//
// Sub-package sbitest wraps any of the interfaces with injectable latency,
// errors and silence, for tests of an NF under slow or failing peers.
//
// # Secrets
//
// Key material (KAUSF, KSEAF, K, OPc) travels in the types of
// internal/secret, which print as REDACTED. XRES* travels as bytes inside
// AuthVector: it is only ever held by the UDM and the AUSF and never logged.
//
// # Concurrency
//
// Every implementation of an interface here must be safe for concurrent
// use by any number of goroutines; each method honours its context.
package sbi
