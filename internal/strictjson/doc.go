// Package strictjson reads and writes JSON over byte slices for the SBI
// bodies whose types decode and encode themselves by hand: the large
// bodies on the hot path of a registration and a PDU session
// establishment, where encoding/json's reflection and the key-case walk
// of internal/sbihttp cost more than the rest of the call.
//
// A Reader reads one JSON value (RFC 8259) member by member with the
// semantics of encoding/json.Unmarshal followed by the strict checks of
// sbihttp.DecodeBytes, so a hand-written decoder built on it accepts,
// refuses and fills exactly what the reflective path does:
//
//   - attribute names are compared case-sensitively; one that matches a
//     field only without regard to case is still decoded into it (as
//     encoding/json does) and then refused as undefined;
//   - strings are unescaped as encoding/json does (\u surrogate pairs
//     joined, a lone surrogate or invalid UTF-8 replaced by U+FFFD);
//   - numbers go into an integer only when strconv.ParseInt (or
//     ParseUint) takes their text and the value fits: a fraction, an
//     exponent or an overflow is a wrong type;
//   - null leaves a value unchanged and sets a pointer or slice to nil;
//     an array decodes into a slice's existing elements, "[]" gives an
//     empty slice that is not nil;
//   - data after the value is refused.
//
// The append functions (AppendString, AppendStrings) encode with
// encoding/json's escaping, HTML-safe escapes and U+2028/U+2029
// included, so hand-written encoders produce the bytes json.Marshal
// would: encoders append to the caller's buffer.
//
// # Errors
//
// Reader.Finish returns nil or an *Error whose Kind says what TS 29.500
// §5.2.7.2 cause it stands for; sbihttp maps it: Syntax and Unknown to
// INVALID_MSG_FORMAT, Type and Refused to MANDATORY_IE_INCORRECT (a
// Refused error that wraps an sbi error keeps that error). When a body
// holds several faults the one reported follows encoding/json's order:
// malformed JSON anywhere first, then the first value a type's own
// decoding refused, then the first wrong JSON type, then the first
// undefined attribute. Error.Pointer names the attribute (RFC 6901).
//
// # Spec conformance
//
//   - RFC 8259: the grammar, with encoding/json's nesting limit (10,000)
//     and its replacement of invalid UTF-8 and lone surrogates.
//   - TS 29.500 §5.2.7.2: the causes of Error.Kind (see Errors).
//
// # Concurrency
//
// A Reader is used by one goroutine; the append functions are pure.
package strictjson
