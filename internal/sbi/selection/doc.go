// Package selection gives consumers the services of their peers chosen
// per request through an sbi.Directory, so that NFs hold no fixed
// references to one another (TS 23.501 §6.3, network function
// selection): the AMF's SMF by the session's S-NSSAI and DNN (§6.3.2),
// its AUSF and UDM by SUPI or the SUCI's routing indicator (§6.3.4,
// §6.3.8), the SMF's PCF by DNN and S-NSSAI (§6.3.7.1), the UDM's UDR by
// SUPI (§6.3.9), the AMF's NSSF (§6.3.14).
//
// A request that creates a resource (an SM context, an authentication
// context, an SM policy association) goes to the first instance the
// directory answers and, when that one fails for a reason of its own (a
// temporary Problem, a deadline, a transport fault without protocol
// meaning), to the next (TS 29.500 §6.10.3, reselection). The reference
// it answers carries the instance ID in front of the instance's own
// ("<nfInstanceId>:<ref>"), so the requests on the resource reach the
// instance that holds it. Stateless requests (subscriber data, context
// management) select afresh each time.
//
// # Errors
//
// A refusal with protocol meaning (a Problem that is not Temporary) is
// answered as it is. When every instance failed, the last error is
// answered; when the directory knows none, sbi.ErrNoInstance. A
// reference that names no instance is answered with the service's
// not-found error.
//
// # Concurrency
//
// The services returned are stateless and safe for concurrent use; the
// directory they ask must be too.
package selection
