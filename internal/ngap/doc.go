// Package ngap is Keel's NGAP layer (TS 38.413) over the
// github.com/free5gc/ngap codec: decoding with the protocol-error
// classification of TS 38.413 §10, the identifiers NGAP carries (PLMN
// identity, TAC, S-NSSAI, GUAMI, Global RAN Node ID, TAI, NR user
// location, 5G-S-TMSI, UE security capabilities) as plain Go values, and
// builders for the messages Keel sends. The shared identifiers are
// internal/ident's types; EncodePLMN, EncodeTAI, EncodeSNSSAI and
// EncodeGUAMI make their IEs and the Decode functions read them back. The
// package depends on no other codec and not on internal/sbi.
//
// # Spec conformance
//
// Interface management (TS 38.413 §8.7): NG Setup, RAN Configuration
// Update, AMF Status Indication, NG Reset, Error Indication (build.go).
// UE-associated signalling for registration: Initial UE Message, Downlink
// and Uplink NAS Transport (§8.6, nas_transport.go), Initial Context Setup
// with its PDU session lists (§8.3.1, context.go), PDU Session Resource
// Setup and Release with their transfers (§8.2.1, §8.2.2, session.go,
// session_transfer.go), PDU Session Resource Modify with its Modify
// Request, Response and Unsuccessful Transfers (§8.2.3, session_modify.go),
// UE Context Release Request, Command and Complete (§8.3.2, §8.3.3,
// release.go), UE Context Modification with the UE-AMBR (§8.3.4,
// ue_context_modification.go); Paging (§8.5.1, paging.go), which is
// not UE-associated; UEIDs (ueids.go) routes any UE-associated
// message to its context. The builders fill every mandatory IE of §9.2
// from their arguments (a nil cause makes Encode fail); testdata/*.hex
// pins every encoding and tshark decodes each one (tshark_test.go).
//
// # Errors
//
// Decode never panics. A PDU it cannot decode yields a *ProtocolError that
// says which TS 38.413 §10 case applies (transfer syntax or abstract
// syntax), the cause to answer with and, where the standard asks for one,
// the Criticality Diagnostics to put in the Error Indication.
//
// # Concurrency
//
// Everything here is a pure function of its arguments.
package ngap
