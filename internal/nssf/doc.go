// Package nssf is Keel's Network Slice Selection Function (TS 23.501
// §6.2.14, TS 29.531). It decides the network slices a registering UE may
// use and keeps, per tracking area, the S-NSSAIs the AMFs support.
//
// # Services
//
//   - Nnssf_NSSelection (sbi.NnssfNSSelection), the Get for a
//     registration (TS 29.531 §5.2.2.2.2): handle_nsselection.go.
//   - Nnssf_NSSAIAvailability (sbi.NnssfNSSAIAvailability), Update by PUT
//     and Delete (TS 29.531 §5.3.2.2, §5.3.2.6):
//     handle_nssai_availability.go; Subscribe, Unsubscribe and Notify
//     (§5.3.2.3.1, §5.3.2.4, §5.3.2.5): handle_nssai_subscription.go.
//
// Their HTTP/2 binding is sbihttp.ServeNSSF and sbihttp.NSSFClient;
// nssftest is the behaviour suite both the NSSF and the binding pass.
//
// # Slice availability
//
// The operator's configuration (Config.TAs) lists the S-NSSAIs of each
// tracking area. An AMF's NSSAIAvailability update reports those it
// supports per tracking area; the NSSF authorizes, per TA, the reported
// S-NSSAIs the configuration has there and answers with them (TS 23.501
// §5.15.8). The S-NSSAIs supported in a TA are those some AMF reported and
// the NSSF authorized there; until an AMF reports a TA, those the
// configuration lists. A TA the NSSF knows nothing of (or a query without
// a TAI) is judged by the PLMN: every S-NSSAI supported in one of its TAs.
//
// # Allowed NSSAI
//
// The decision of TS 23.501 §5.15.5.2.1, TS 23.502 §4.2.2.2.3 and TS
// 24.501 §5.5.1.2.4, §5.5.1.3.4 (decide.go):
//
//   - the configured NSSAI for the serving PLMN is the subscribed
//     S-NSSAIs supported in the PLMN;
//   - a requested S-NSSAI in it that is supported in the UE's TA is
//     allowed; one in it but not supported in the TA is rejected "not
//     available in the current registration area" (rejectedNssaiInTa);
//     any other "not available in the current PLMN" (rejectedNssaiInPlmn);
//   - when nothing requested can be allowed, or nothing was requested, the
//     allowed NSSAI is the subscriber's default S-NSSAIs supported in the
//     TA;
//   - a registration update that requests no NSSAI keeps the UE's allowed
//     NSSAI (allowedNssaiCurrentAccess) as far as the subscription and the
//     TA still allow it;
//   - the configured NSSAI is sent when the UE requested no NSSAI, one
//     not available in the PLMN, or requested from its default configured
//     NSSAI.
//
// S-NSSAIs compare with SD ffffff and no SD the same (TS 23.003 §28.4.2);
// allowed and configured S-NSSAIs are given once each, without an SD of
// ffffff; rejected ones as the UE requested them.
//
// # Subscriptions
//
// A consumer (an AMF) subscribes to the changes of the S-NSSAIs supported
// in TAs it lists or in TAC ranges of a PLMN. Whenever an update or a
// delete changes what a TA supports, every subscription covering that TA
// is notified, through Options.Notifier, of what its TAs support at the
// time of sending. Subscriptions end at their expiry (at most
// Options.SubscriptionLifetime after their creation) or when deleted; an
// NSSF without a Notifier refuses them.
//
// # Concurrency
//
// An NSSF is safe for concurrent use. The configuration is fixed at New;
// the availability reported by the AMFs, the view of the S-NSSAIs
// supported per TA and PLMN derived from it on every report, and the
// subscriptions are guarded by one RWMutex, held only while they are read
// or replaced, never across a call out. Notifications are delivered on
// goroutines of the NSSF, one per change, under a context Stop cancels;
// Stop joins them.
//
// # Errors
//
// Requests are checked before they are served: a missing query parameter
// answers sbi.ErrMandatoryQueryParamMissing, a malformed one (an SD beyond
// 24 bits, a TAI with a wrong MCC, MNC or TAC)
// sbi.ErrInvalidQueryParam, a malformed availability update
// sbi.ErrInvalidRequest, the Delete of unknown availability
// sbi.ErrNSSAIAvailabilityNotFound; after Stop every request answers
// sbi.ErrUnavailable. Errors wrap those values with "nssf: " and detail.
//
// # Spec conformance
//
// Only the registration query of Nnssf_NSSelection is served (no PDU
// session or UE configuration update query, no AMF re-allocation: the
// answer has no target AMF set or candidate AMFs, no NSI information, no
// mapping of S-NSSAIs for roaming). NSSAIAvailability has no PATCH, no
// subscription modification, no restricted S-NSSAIs, and notifies only
// SNSSAI_STATUS_CHANGE_REPORT.
package nssf
