package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Error is a mistake in a configuration: which key, and what is wrong with
// it. Every failure of Load, Parse and Validate is an *Error.
type Error struct {
	// Key is the dotted path of the key at fault, with list indexes:
	// "plmn.mcc", "dnns[0].ipv4_pool". It is empty when the fault is
	// with the file as a whole (unreadable, not YAML, more than one
	// document).
	Key string
	// Problem is one line saying what is wrong. Errors found while
	// reading a file end with the line they concern: "unknown key (line 4)".
	Problem string

	err error // the cause, for errors.Is and errors.As
}

func (e *Error) Error() string {
	if e.Key == "" {
		return "config: " + e.Problem
	}
	return "config: " + e.Key + ": " + e.Problem
}

// Unwrap returns the cause of e, such as the fs.PathError of an unreadable
// file, or nil.
func (e *Error) Unwrap() error { return e.err }

// ConfigError reports true: the mistake is the operator's, and a command
// line tool should exit with its usage status.
func (e *Error) ConfigError() bool { return true }

func errorf(key, format string, args ...any) *Error {
	return &Error{Key: key, Problem: fmt.Sprintf(format, args...)}
}

// child returns the path of key name below parent. Names other than plain
// words are quoted so that the path stays one unambiguous line.
func child(parent, name string) string {
	if !plainKey(name) {
		name = strconv.Quote(name)
	}
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// index returns the path of entry i of the list at parent.
func index(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

// up returns the path of the key or list holding key, or "" at the top.
func up(key string) string {
	i := strings.LastIndexAny(key, ".[")
	if i < 0 {
		return ""
	}
	return key[:i]
}

func plainKey(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
