// Package hnkey keeps the home network key pairs with which UEs conceal
// their SUPI in a SUCI (TS 33.501 §6.12, ECIES profiles A and B of
// Annex C.3). The SIDF in the UDM de-conceals with the private keys; the
// public keys and their identifiers go onto the SIMs (TS 31.102 EF
// SUCI_Calc_Info).
//
// The keys live in one file, <data dir>/home-network-keys.json, mode 0600.
// LoadOrCreate creates it on the first start with one profile A key
// (identifier 1) and one profile B key (identifier 2), and loads it on
// every later start. More keys can be added to the file by hand for a key
// rotation; identifiers are 1 to 255 (0 belongs to the null scheme,
// TS 24.501 §9.11.3.4) and unique.
//
// A deployment that cannot share one data directory between the UDR and
// a UDM apart (containers, each with its own volume) gives both the same
// key ring another way: Generate makes one, Marshal writes it in the
// file's format, Parse reads it back (keel serve takes it from
// $KEEL_HOME_NETWORK_KEYS, set from a secret).
//
// # Errors
//
// A file that cannot be read as a key ring — malformed JSON, an unknown
// field, a key whose public half does not match its private half, a
// repeated identifier — is an error naming the file, and the file is never
// overwritten: replacing it would cut off every SIM provisioned with its
// public keys. A file that group or others may read is refused too.
//
// # Secrets
//
// Private keys leave this package only through Keyring.Key, as
// secret.Bytes, which prints as REDACTED, and in the key file's format
// through Keyring.Marshal, for the file or secret that keeps them.
//
// # Concurrency
//
// A Keyring does not change after it is built and is safe for concurrent
// use. LoadOrCreate is not meant to race with itself on one directory;
// if it does, one creation wins and the others load what it wrote.
package hnkey
