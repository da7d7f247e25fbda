// Package udm is Keel's Unified Data Management: the UDM with its ARPF and
// SIDF. It implements Nudm_UEAuthentication (TS 29.503 §5.4) for 5G AKA,
// Nudm_SubscriberDataManagement (§5.2, access and mobility data and
// session management data) and Nudm_UEContextManagement (§5.3, AMF
// registration), over the UDR's Nudr_DataRepository.
//
// # Authentication vectors
//
// GenerateAuthData (handle_generate_auth_data.go) follows
// TS 33.501 §6.1.3.2 steps 2–3:
//
//   - SIDF (sidf.go, TS 33.501 §6.12.2, Annex C): a SUCI with the null
//     scheme carries the MSIN in BCD; profile A and B scheme outputs are
//     de-concealed with the home network private key the SUCI names
//     (internal/hnkey). SUPI = "imsi-" + MCC + MNC + MSIN (TS 23.003 §2.2B).
//   - ARPF: every vector consumes a fresh SQN from the UDR, durably and
//     never twice (TS 33.102 §6.3.2); RAND is random; Milenage f1–f5
//     (TS 35.206) with the subscription's AMF field, separation bit (bit 0)
//     set (TS 33.102 Annex H, TS 33.501 §6.1.3.2.0);
//     AUTN = SQN ⊕ AK || AMF || MAC-A (TS 33.102 §6.3.2);
//     XRES* and KAUSF (TS 33.501 Annex A.4, A.2).
//
// # Re-synchronisation
//
// With a Resync in the request (handle_resync.go, TS 33.102 §6.3.5,
// TS 33.501 §6.1.3.3): SQN_MS = AUTS[0:6] ⊕ f5*(K, RAND); MAC-S must equal
// f1*(K, SQN_MS, RAND, AMF 0x0000), else sbi.ErrSyncFailure and the stored
// SQN is untouched. Otherwise the UDR's SQN is raised (never lowered) so
// that the next vector's SEQ is SEQ_MS + 1 with IND 0 (Annex C.3.4, IND of
// 5 bits), and a fresh vector is generated.
//
// # Subscription data
//
// Nudm_SDM Get of am-data and sm-data (handle_sdm.go) read the UDR. With
// Options.KeepSessionManagement and a UDR in another process
// (sbi.NudrProvisionedData), the am-data Get of a registration reads the
// session management data in the same UDR request (QueryProvisionedData
// with dataset-names AM,SM, TS 29.505 §5.2.26), and the sm-data Get of
// the PDU session establishment that follows (TS 23.502 §4.3.2.2.1 step
// 4) is answered from it once, within Options.SMKeptFor (5 s, the
// lifetime of the UDR's own reads over a store that announces no
// changes); a change the UDR notifies for the UE (Nudr_DM_Notify,
// SubscriptionDataChanged) drops it (sm_kept.go).
//
// # Errors
//
// The sbi sentinels: ErrUserNotFound for a SUPI without a subscription,
// ErrSUCIDeconceal, ErrSyncFailure, ErrServingNetworkNotAuthorized for a
// malformed serving network name, ErrInvalidRequest. The UDM returns
// errors and does not log them: its caller decides.
//
// # Secrets
//
// K, OPc, CK, IK, KAUSF and XRES* are never logged; the only log records are
// debug records naming the SUPI.
//
// # Concurrency
//
// A UDM is safe for concurrent use. It starts no goroutine. The key ring
// and the options do not change after New. The session management data
// kept is guarded by its own mutex; a read that began before a drop does
// not keep its data. The AMF registrations are
// records in Options.Records, safe for concurrent use by any number of
// instances; a purge compares the GUAMI and deletes at the revision it
// read (compare-and-set), so it never removes a registration written
// after its read.
package udm
