// Package uerecord is the AMF's saved UE context: what another AMF
// instance of the same AMF set needs to serve a registered UE without
// registering or authenticating it again (TS 23.501 §5.21.2, "UE context
// transfer within an AMF set" by a shared store), and its encoding in a
// store.Records record of kind "amf.ue".
//
// A UE is held under two keys: its SUPI (the context itself) and its
// 5G-GUTI (an index naming the SUPI), so that an instance finds it from
// the 5G-S-TMSI or 5G-GUTI of the UE's next initial NAS message (TS
// 23.003 §2.10, §2.11) and from the SUPI an SMF names in an
// N1N2MessageTransfer (TS 29.518 §5.2.2.3.1).
//
// # Encoding
//
// A record is JSON with a version member "v"; Unmarshal refuses another
// version, a context missing what it must have, and out-of-range values,
// and never panics on any input (FuzzUnmarshal). The security context's
// KAMF is in the record, as the store is where the core's secrets live;
// the NAS keys are derived from it again (TS 33.501 Annex A.8). UE, like
// the secret types it holds, never prints its key.
//
// # Spec conformance
//
// TS 23.501 §5.21.2.1-5.21.2.3 (AMF set, planned and unplanned removal:
// the UE context is kept in a storage shared by the set), TS 33.501
// §6.4.1 (the 5G NAS security context: KAMF, algorithms, ngKSI, NAS
// COUNTs), TS 24.501 §4.4.3.1 (the COUNT estimate at the instance that
// restores the context).
package uerecord
