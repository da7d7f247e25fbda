// Package subcodec is the stored form of a subscriber that Keel's SQL
// engines share: the columns of the subscribers table (K and OPc as 16
// bytes, the AMF as an integer, the 48-bit SQN) and the JSON of its
// S-NSSAIs and DNN settings. It validates a subscriber before it is
// stored, encodes it to a Row and decodes a Row read back, so that a
// database written by one engine reads the same in another.
//
// # Errors
//
// Validate's and Encode's errors name the field at fault. Decode reports
// stored data it cannot read (a key of the wrong length, an SQN beyond 48
// bits, malformed JSON) as an error wrapping store.ErrCorrupt and naming
// the subscriber. No error contains key material (K, OP, OPc).
//
// # Concurrency
//
// The package has no state; its functions are safe for concurrent use.
//
// # Spec conformance
//
// S-NSSAIs are stored in the JSON form of TS 29.571 §5.4.4.2 (sst, sd as
// six hexadecimal digits), a default one with "default": true (TS 23.501
// §5.15.5.2.1). The SQN is the 48-bit sequence number of TS 33.102 §6.3
// and Annex C. A SUPI is "imsi-" followed by 5 to 15 digits (TS 23.003
// §2.2, §2.2A).
package subcodec
