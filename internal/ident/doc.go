// Package ident is Keel's vocabulary of shared identifiers: PLMN, TAI,
// S-NSSAI, GUAMI, 5G-GUTI, SUPI, SUCI and DNN, each with its TS 23.003
// text form (String, ParseXxx), its TS 29.571 JSON form (MarshalJSON,
// UnmarshalJSON) and Validate.
//
// # Place in the architecture
//
// Every layer that names a subscriber, a slice or a place uses these
// types: the codecs (ngap, nas, pfcp, gtpu), the SBI contracts
// (internal/sbi), the network functions, the simulator, the store and
// the management API. ident itself imports nothing of Keel, so any of
// them can import it without a cycle, and no codec needs another codec
// or the SBI just for an identifier. Protocol encoders stay with their
// codec: ngap.EncodePLMN turns an ident.PLMN into an NGAP IE, the NAS
// codec writes its own 5GS mobile identity. ident holds only the forms
// the identifiers themselves define: text, JSON, and the 3-octet PLMN
// coding of TS 24.008 §10.5.1.3 that NGAP and NAS share byte for byte.
// The store and the management API keep their own JSON shapes for
// compatibility (a stored row, the API's "sst"/"sd"/"default" slices, the
// API's dashed 5G-GUTI) and hold ident values once read; the
// configuration reads PLMN from YAML through its yaml tags, and checks
// DNNs with DNN.Validate.
//
// # Concurrency
//
// The types are values without shared state; use them from any
// goroutine.
//
// # Errors
//
// Every parse and validation error is an *Error naming the identifier,
// the field and the value ("ident: S-NSSAI sd \"zz\": want 6 hex
// digits") and wraps ErrInvalid. MarshalJSON refuses an invalid value
// rather than write one the peer's schema check would reject. Unmarshal
// refuses unknown members, wrong JSON types and missing required
// members; a JSON null leaves the value unchanged, as encoding/json
// expects.
//
// # Spec conformance
//
//   - PLMN: TS 23.003 §2.2 (MCC 3 digits, MNC 2 or 3); TS 29.571 §5.4.4
//     PlmnId {mcc, mnc} and its "mcc-mnc" string form; TS 24.008
//     §10.5.1.3 octets (Octets, PLMNFromOctets).
//   - TAI: TS 23.003 §28.6, §19.4.2.3 (24-bit TAC); TS 29.571 §5.4.4 Tai
//     {plmnId, tac}, tac 4 or 6 hex digits read, 6 written. nid (SNPN)
//     is not supported.
//   - S-NSSAI: TS 23.003 §28.4.2 (SST 8 bits, SD 24 bits, SD ffffff is
//     no SD: Canonical, Same); TS 29.571 §5.4.4 Snssai {sst, sd} and its
//     "sst-sd" key form (Key). String prints "sst:sd", the form Keel's
//     command line and transcripts use; ParseSNSSAI reads both.
//   - GUAMI: TS 23.003 §2.10.1 (Region ID 8, Set ID 10, Pointer 6 bits);
//     TS 29.571 §5.3.3 Guami {plmnId, amfId}, AmfId 6 hex digits.
//   - 5G-GUTI: TS 23.003 §2.10.1; text form "5g-guti-<mcc><mnc><amfId
//     6 hex><5g-tmsi 8 hex>" as in the TS 29.518 ueContextId pattern.
//   - SUPI: TS 23.003 §2.2, §2.2A, TS 29.571 §5.3.2 Supi, IMSI type only
//     ("imsi-" and 6 to 15 digits).
//   - SUCI: TS 23.003 §2.2B, TS 29.571 §5.3.2 SupiOrSuci, SUPI type IMSI
//     only: "suci-0-mcc-mnc-ri-scheme-keyid-output", the null scheme's
//     output as MSIN digits, others in hex; key ID 0 exactly with the
//     null scheme.
//   - DNN: TS 23.003 §9.1, §9A (labels of letters, digits and hyphens,
//     beginning and ending with a letter or digit, ≤ 63 characters, ≤
//     100 octets encoded); TS 29.571 §5.3.2 Dnn. Compared without regard
//     to case (Equal).
package ident
