// Package memrecords is a store.Records kept in the memory of one process,
// for network functions that run without a shared store: a split process
// that is not the UDR and has no PostgreSQL store. Its records live as long
// as the process; another instance cannot see them, so an NF on it is one
// instance, as before records were shared.
//
// # Expiry
//
// A lapsed record is invisible at once (every call compares its Expires
// with the clock). Writes remove lapsed records in bulk: after as many
// writes as there are records, the next write sweeps them all, so memory
// is bounded by the live records plus those that lapsed since the last
// sweep, at a constant cost per write amortised.
//
// # Memory
//
// A value is kept as what it shares with a reference value of its kind
// (a prefix and a suffix) and the bytes between (packed.go): the records
// of one kind an NF writes differ in a few bytes, so a UE's UECM
// registration and SM policy association take a few bytes each beside
// their keys. Reads rebuild the value; the format of the values is their
// owners' and is not changed.
//
// # Concurrency
//
// Records is safe for concurrent use; one mutex guards every map, taken
// for reading by GetRecord and ListRecords. No goroutine is started.
//
// # Errors
//
// Errors begin with "memrecords: " and wrap store.ErrNotFound,
// store.ErrConflict, store.ErrInvalidRecord, or, after Close,
// store.ErrUnavailable.
package memrecords
