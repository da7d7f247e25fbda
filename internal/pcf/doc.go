// Package pcf is Keel's Policy Control Function. It implements
// Npcf_SMPolicyControl (TS 29.512 §4.2) for the SMF: the policy of a PDU
// session — session AMBR and the default QoS flow's 5QI and ARP — taken
// from the subscriber's session management subscription data
// (Nudm_SDM_Get of sm-data, TS 29.503 §5.2.2.2).
//
// # Procedures
//
// Create (handle_create.go, TS 29.512 §4.2.2) reads the subscription
// through the UDM, picks the entry of the session's DNN and S-NSSAI
// (DNNs compare without regard to case, TS 23.003 §9.1) and answers an
// SmPolicyDecision with the subscribed session AMBR and the default QoS
// flow's 5QI and ARP priority (TS 23.503 §6.2.1: without operator policy
// the PCF authorises the subscribed values). A subscription that leaves a
// value out gets Options' default: 5QI 9, ARP priority 8 and
// Options.DefaultSessionAMBR. Delete (handle_delete.go, §4.2.4) ends the
// association.
//
// # Associations
//
// An association lives in a store.Records (Options.Records) as one record
// of kind "pcf.sm-policy" (association.go), keyed by its ID: the SUPI and
// a random part. So any PCF instance sharing the records updates and
// deletes an association another created, knows where its UpdateNotify
// goes (NotificationTarget: the SMF's notificationUri and the
// association's URI, kept from the creation), and finds a subscriber's
// associations by key prefix when the UDR reports a change. Create writes
// once (create only), Delete deletes once, Update and a re-decision read
// and write at the revision read (compare-and-set, again on a conflict):
// of the instances told of one subscription change, one writes the new
// decision and notifies the SMF. Without Options.Records the
// associations are this instance's alone (memrecords).
//
// An association lives until its SMF deletes it (TS 29.512 §4.2.4), or
// until its SMF is gone: OrphanSweep (sweep.go), run by the caller,
// releases the associations whose smfId names an SMF the NRF did not
// list at two sweeps in a row. On the records of one process (memory)
// they end with the process, as its SMF's sessions do.
//
// # Errors
//
// sbi.ErrInvalidRequest for a malformed SUPI, PDU session ID or empty
// DNN; the UDM's errors (sbi.ErrUserNotFound); sbi.ErrPolicyContextDenied
// when the subscription has no entry for the DNN and S-NSSAI;
// sbi.ErrPolicyNotFound from Update and Delete; sbi.ErrUnavailable when
// the records fail (store.ErrUnavailable) and sbi.ErrSystemFailure for a
// record that does not decode. The PCF returns errors and does not log
// them.
//
// # Concurrency
//
// A PCF is safe for concurrent use and starts no goroutine (an
// OrphanSweep is one goroutine's, its caller's). Its
// associations are records, safe for concurrent use by any number of
// instances; the notifier is guarded by its own mutex, never held across
// a call.
//
// # Spec conformance
//
// TS 29.512 §4.2.2 (Create), §4.2.4 (Delete); the decision carries the
// session rule's authorised session AMBR and default QoS (TS 29.512
// §5.6.2.7, SessionRule) and nothing else: no PCC rules, no policy
// control request triggers, no Update or UpdateNotify.
package pcf
