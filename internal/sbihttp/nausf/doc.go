// Package nausf binds Nausf_UEAuthentication (TS 29.509 §5.2) to HTTP/2:
// Register serves an sbi.NausfUEAuthentication (the AUSF) on an
// sbihttp.Server, and Client is the same interface for an AMF whose AUSF
// runs in another process.
//
// # Spec conformance
//
//   - POST {apiRoot}/nausf-auth/v1/ue-authentications with
//     AuthenticationInfo (supiOrSuci, servingNetworkName,
//     resynchronizationInfo): 201, Location of the context and a
//     UEAuthenticationCtx (application/3gppHal+json) with the 5G SE AV
//     and _links["5g-aka"] naming its confirmation (TS 29.509 §5.2.2.2.2,
//     §6.1.3.2.3.1).
//   - PUT .../{authCtxId}/5g-aka-confirmation with ConfirmationData: 200
//     ConfirmationDataResponse, authResult AUTHENTICATION_SUCCESS with the
//     SUPI and KSEAF, or AUTHENTICATION_FAILURE for a RES* that does not
//     verify, which the client returns as sbi.ErrAuthRejected.
//   - DELETE .../{authCtxId}/5g-aka-confirmation: 204; the UE's 5GMM
//     cause does not travel (the DELETE has no body).
//   - A context unknown to the PUT is answered 400 with cause
//     CONTEXT_NOT_FOUND, as the document lists no 404 there; the client
//     returns sbi.ErrAuthContextNotFound either way.
//   - EAP-AKA' (TS 29.509 §5.2.2.2.3) is not served.
//
// # Errors
//
// The AUSF's sbi errors travel as ProblemDetails (package sbihttp) and
// come back as the same sentinels; the client's own read "nausf: ...".
//
// # Concurrency
//
// Client is safe for concurrent use; the handlers Register adds run
// concurrently and need an AUSF that is (every sbi implementation is).
//
// # Secrets
//
// KSEAF crosses the wire in hexadecimal inside the SBI (protect it with
// TLS); the wire types are never logged.
package nausf
