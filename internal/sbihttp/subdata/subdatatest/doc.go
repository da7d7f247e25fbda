// Package subdatatest holds the reference the hand-written JSON codecs
// of the subscription data are tested against: method-free mirrors of
// their types, which sbihttp.DecodeBytes reads with encoding/json and
// its strict checks and json.Marshal writes, and Compare, which decodes
// one body both ways and fails a test when the two disagree on
// accepting it, on the TS 29.500 cause of a refusal, on the value, or on
// the bytes the value encodes to. It is imported by tests only.
package subdatatest
