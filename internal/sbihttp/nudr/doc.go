// Package nudr binds Nudr_DataRepository (TS 29.504 §5.2) for the
// subscription data of TS 29.505 to HTTP/2: Register serves an
// sbi.NudrDataRepository (the UDR) on an sbihttp.Server, and Client is
// the same interface for a UDM whose UDR runs in another process.
//
// # Spec conformance
//
//   - GET {apiRoot}/nudr-dr/v2/subscription-data/{ueId}/authentication-data/authentication-subscription
//     (QueryAuthSubsData): the TS 29.505 AuthenticationSubscription,
//     encPermanentKey and encOpcKey in hexadecimal (not encrypted).
//   - The SQN advance (sbi NextSQN) is the PATCH of that resource
//     (ModifyAuthenticationSubscription, application/json-patch+json) as
//     a compare-and-set: the UDM reads the subscription, then sends
//     [{"op":"test","path":"/sequenceNumber/sqn","value":X},
//     {"op":"replace","path":"/sequenceNumber/sqn","value":X+1}]
//     (RFC 6902 §4.6, §4.3). The UDR advances its SQN by one, durably:
//     204 when that gave X+1, else 409 Conflict, and the UDM reads again
//     (the value the losing advance took goes unused, a gap TS 33.102
//     Annex C allows). So no value is ever given twice, with any number of
//     UDM instances, at the cost of a GET and a PATCH per vector. A UDM
//     losing that race keeps trying, a random millisecond or so apart,
//     while its context allows and for at most 10 s, then fails
//     sbi.ErrUnavailable: contention on one subscriber delays an advance,
//     it does not fail it.
//   - The re-synchronisation (sbi ResyncSQN) is the PATCH
//     [{"op":"replace","path":"/sequenceNumber/sqn","value":V}], which the
//     UDR applies without ever lowering the SQN (TS 33.102 §6.3.5).
//     Any other patch is 403 MODIFICATION_NOT_ALLOWED.
//   - GET .../subscription-data/{ueId}/{servingPlmnId}/provisioned-data/am-data
//     and /sm-data (QueryAmData, QuerySmData), shapes of package
//     subdata; Keel's UDR keeps one subscription per subscriber, so the
//     serving PLMN is checked in form only. The client sends the home
//     PLMN it is given.
//   - Data change notification (TS 29.504 §5.2.2.3, §5.2.2.4): the UDM
//     subscribes with POST subscription-data/subs-to-notify, monitoring
//     {apiRoot}/nudr-dr/v2/subscription-data (every subscriber; others
//     are 501), 201 with Location, no DELETE; the UDR POSTs a
//     DataChangeNotify (ueId, a REPLACE of the subscriber's data) to the
//     callbackReference with 3gpp-Sbi-Callback Nudr_DataRepository_Notify,
//     which ServeNotifications hands to the UDM (204) as
//     sbi.NudrDataChangeNotifier in one process.
//
// # Errors
//
// The UDR's sbi errors travel as ProblemDetails and come back as the
// same sentinels; the client's own read "nudr: ...".
//
// # Concurrency
//
// Client is safe for concurrent use; the handlers run concurrently.
//
// # Secrets
//
// K and OPc cross the wire in hexadecimal inside the SBI (protect it
// with TLS); the wire types are never logged.
package nudr
