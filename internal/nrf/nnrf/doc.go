// Package nnrf holds the data types of the NRF's services (TS 29.510):
// NFProfile and what it carries, the subscription and notification
// data of Nnrf_NFManagement, the discovery query and SearchResult of
// Nnrf_NFDiscovery, the access token request and answer of
// Nnrf_AccessToken, and JSON Patch (RFC 6902) as NFUpdate uses it. The
// NRF (package nrf) and its clients (package nrf/nfclient) share them.
//
// Identifiers (PLMN, S-NSSAI, TAI, GUAMI, SUPI, DNN) are those of
// internal/ident, in their TS 29.571 JSON forms.
//
// # Decoding
//
// Every entry point that reads wire input checks it and refuses with an
// *Error carrying the HTTP status and the cause of TS 29.500 §5.2.7.2
// or TS 29.510 §6.1.7.3, and the attribute (a JSON pointer) or query
// parameter at fault: DecodeProfile, DecodePatch/ApplyPatch,
// DecodeSubscription, ParseQuery. ParseTokenForm refuses with an
// AccessTokenErr (RFC 6749 §5.2), as TS 29.510 §6.3.5.2.5 answers the
// token endpoint. Each has a fuzz target with a committed corpus.
//
// An NFProfile may hold any member the Rel-17 OpenAPI document defines;
// Profile types those Keel fills and matches on, and DecodeProfile
// returns the whole document besides, which the NRF stores and gives
// back unchanged. A member the document does not define is refused, so a
// misspelt one is reported rather than silently dropped.
//
// # Matching
//
// Query.Matches is the NRF's discovery filter (TS 29.510 §5.3.2.2.2):
// the target NF type, REGISTERED, allowedNfTypes admitting the
// requester, and for each parameter given: service names (one offered,
// its own allowedNfTypes admitting the requester), S-NSSAIs (sNssais or
// the SMF's sNssaiSmfInfoList; SD ranges and wildcard SD honoured),
// DNN (the SMF's dnnSmfInfoList with its "*" wildcard, the PCF's
// dnnList), SUPI (supiRanges of udmInfo, ausfInfo, udrInfo, pcfInfo:
// numeric start/end or a pattern matching the whole SUPI), routing
// indicator (udmInfo, ausfInfo) and TAI (amfInfo, smfInfo taiList). A
// profile silent on a parameter serves every value of it. The other
// query parameters of the OpenAPI document are accepted and do not
// narrow the result; any parameter it does not define is refused
// (INVALID_QUERY_PARAM).
//
// # Concurrency
//
// The types are values; the functions are pure and safe from any
// goroutine.
package nnrf
