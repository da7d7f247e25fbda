// Package nudm binds the UDM's services to HTTP/2: Nudm_UEAuthentication
// (TS 29.503 §5.4), Nudm_SDM (§5.2, the am-data and sm-data Gets) and
// Nudm_UECM (§5.3, the AMF's registration for 3GPP access). Register
// serves the sbi interfaces on an sbihttp.Server; Client implements them
// for an AUSF, AMF, SMF or PCF whose UDM runs in another process.
//
// # Spec conformance
//
//   - POST {apiRoot}/nudm-ueau/v1/{supiOrSuci}/security-information/generate-auth-data
//     with AuthenticationInfoRequest (servingNetworkName, ausfInstanceId,
//     resynchronizationInfo): 200 AuthenticationInfoResult with an
//     Av5GHeAka and the SUPI (TS 29.503 §5.4.2.2).
//   - POST .../nudm-ueau/v1/{supi}/auth-events with AuthEvent: 201 with
//     Location (§5.4.2.3).
//   - GET {apiRoot}/nudm-sdm/v2/{supi}/am-data and /sm-data
//     (§5.2.2.2.3, §5.2.2.2.5), shapes of package subdata.
//   - Subscription to data change notification (§5.2.2.3): POST
//     {apiRoot}/nudm-sdm/v2/anyUE/sdm-subscriptions with an
//     SdmSubscription whose monitoredResourceUris name anyUE's am-data
//     (Keel's subscriptions are per NF, for every UE, as in one process);
//     201 with Location. Others are 501. No DELETE: a subscription lasts
//     as long as the UDM. The notification (§5.2.2.4): the UDM POSTs a
//     ModificationNotification (a REPLACE of the whole am-data as
//     newValue, resourceId {apiRoot}/nudm-sdm/v2/{supi}/am-data) to the
//     callbackReference with 3gpp-Sbi-Callback Nudm_SDM_Notification;
//     ServeNotifications serves it for the AMF (204), which gets it as
//     sbi.NudmSDMNotifier in one process.
//   - PUT {apiRoot}/nudm-uecm/v1/{ueId}/registrations/amf-3gpp-access
//     with Amf3GppAccessRegistration: 201 with Location, or 200 when it
//     replaces a registration (§5.3.2.2.2); PATCH with
//     Amf3GppAccessRegistrationModification (merge patch, purgeFlag and
//     the GUAMI): 204 (§5.3.2.4.2); GET: 200 or 404 (§5.3.2.5.2).
//     A registration made in one process has no deregCallbackUri; the
//     wire carries http://callback.invalid/... in its place (the
//     UDM-initiated deregistration notification is not implemented).
//
// # Errors
//
// The UDM's sbi errors travel as ProblemDetails and come back as the
// same sentinels; the client's own read "nudm: ...".
//
// # Concurrency
//
// Client is safe for concurrent use; the handlers run concurrently.
//
// # Secrets
//
// KAUSF and XRES* cross the wire in hexadecimal inside the SBI (protect
// it with TLS); the wire types are never logged.
package nudm
