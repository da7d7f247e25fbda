// Package ngap is Keel's NGAP layer (TS 38.413) over the
// github.com/free5gc/ngap codec: decoding with the protocol-error
// classification of TS 38.413 §10, the identifiers NGAP carries (PLMN
// identity, TAC, S-NSSAI, GUAMI, Global RAN Node ID) as plain Go values,
// and builders for the messages Keel sends.
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
