// Package udr is Keel's Unified Data Repository: the
// Nudr_DataRepository service (TS 29.504) over the subscriber store, for
// the subscription data of TS 29.505 that the UDM reads — the
// authentication subscription with its SQN, and the access and mobility
// subscription data.
//
// # Concurrency
//
// A UDR holds no state of its own; it is safe for concurrent use as the
// store is. The SQN's atomicity and durability are the store's
// (store.Store.AdvanceSQN): a value NextSQN has returned is never returned
// again, not to a concurrent caller and not after a crash.
//
// # Errors
//
// A SUPI without a subscription is sbi.ErrUserNotFound (TS 29.504
// USER_NOT_FOUND); a store that cannot serve (store.ErrUnavailable: a full
// disk) is sbi.ErrUnavailable, a temporary failure its consumers answer
// with a back-off; other errors are faults of the store.
//
// # Spec conformance
//
//   - TS 29.505 AuthenticationSubscription and SequenceNumber: NextSQN,
//     ResyncSQN; the SQN never repeats and never goes down
//     (TS 33.102 §6.3.2, §6.3.5, Annex C).
//   - TS 29.505 AccessAndMobilitySubscriptionData: UE-AMBR, subscribed
//     S-NSSAIs (the first is the default), DNNs.
//   - TS 29.505 SessionManagementSubscriptionData: per DNN and S-NSSAI,
//     the session AMBR, the default QoS flow's 5QI and ARP priority, and
//     static UE addresses (store.DNNConfig).
//
// K, OP and OPc pass through as secret.Key128 and are never logged.
package udr
