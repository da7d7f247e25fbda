// Package config is the configuration of keel serve: a typed Config, its
// defaults, and a strict reader for the YAML file operators write.
//
// DefaultYAML is the reference for the keys: it prints the defaults with
// every key explained. A file is decoded on top of Default, so it needs only
// the keys it changes, and the result is validated before Load or Parse
// return it.
//
// # File format
//
// The file holds one YAML document whose top level is a mapping. The rules
// beyond plain YAML:
//
//   - An unknown key, a key given twice, or a value of the wrong kind (a
//     list where a number belongs, "1400" quoted where a number belongs) is
//     an error.
//   - A key with no value (null) is the same as a key left out.
//   - A list replaces the default list as a whole. An entry of dnns starts
//     from mtu 1400 and nothing else; an entry of slices must give sst.
//   - An empty file, or one holding only comments, means all defaults. A
//     second document (after ---) is an error.
//   - Numbers with a leading zero (010) are refused: YAML 1.1 reads them as
//     octal. 0x and 0o prefixes are accepted.
//   - Anchors, aliases and merge keys (<<) work as in YAML 1.1.
//   - A string key takes the text as written, so mcc: 001 is "001" quoted
//     or not.
//
// # Errors
//
// Every failure of Load, Parse and Validate is an *Error. Its Key is the
// dotted path of the key at fault with list indexes ("dnns[1].ipv4_pool"),
// or empty when the file as a whole is at fault (unreadable, not YAML,
// several documents). Its Problem is one line; when a file was read it ends
// with the line concerned, "unknown key (line 4)". Error() reads
//
//	config: plmn.mcc: must be 3 digits, got "1" (line 3)
//
// Validation stops at the first mistake, in the order of the keys in the
// file. An unreadable file's *Error wraps the fs.PathError, so
// errors.Is(err, fs.ErrNotExist) works. *Error has a ConfigError method
// reporting true, by which the CLI picks exit status 2.
//
// # Concurrency
//
// The package has no state. A Config is a plain value: share it read-only,
// or copy it. Its slices are shared by a plain assignment.
//
// # Spec conformance
//
// Validate applies the identifier formats of TS 23.003: PLMN digits (§2.2),
// GUAMI field widths (§2.10.1), DNN labels and length (§9.1), 24-bit TACs
// (§28.6) and S-NSSAIs (§28.4.2, where SD ffffff means "no SD" and is
// refused in favour of leaving sd empty). TAC 0xfffffe is refused since it
// marks a deleted TAI (TS 24.501 §9.11.3.8). The AMF name must be an NGAP
// PrintableString of 1 to 150 characters (TS 38.413 §9.3.3.21).
package config
