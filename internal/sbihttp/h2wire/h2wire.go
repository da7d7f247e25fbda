package h2wire

import (
	"errors"

	"golang.org/x/net/http2"
)

// Names gives header field names in lower case (RFC 9113 §8.2.1: a
// field name with an upper-case letter is malformed), remembering up to
// 128 of them: the few names SBI messages carry are lowered once per
// connection.
//
// Concurrency: not safe for concurrent use; each connection keeps its
// own and uses it under the connection's lock.
type Names struct {
	m map[string]string
}

// Lower is k in lower case.
func (n *Names) Lower(k string) string {
	if l, ok := n.m[k]; ok {
		return l
	}
	l := ASCIILower(k)
	if n.m == nil {
		n.m = map[string]string{}
	}
	if len(n.m) < 128 {
		n.m[k] = l
	}
	return l
}

// ASCIILower is s with its ASCII upper-case letters lowered, s itself
// when it has none.
func ASCIILower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// SettingCode is the connection error code of err, the error of
// http2.Setting.Valid for a parameter out of range (RFC 9113 §6.5.2:
// PROTOCOL_ERROR, or FLOW_CONTROL_ERROR for SETTINGS_INITIAL_WINDOW_SIZE);
// PROTOCOL_ERROR for any other error.
func SettingCode(err error) http2.ErrCode {
	var ce http2.ConnectionError
	if errors.As(err, &ce) {
		return http2.ErrCode(ce)
	}
	return http2.ErrCodeProtocol
}
