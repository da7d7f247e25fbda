//go:build !linux

package oracle

import "os"

// announce writes a line to standard error: go test shows it with -v or
// when the package fails.
func announce(line string) { os.Stderr.WriteString(line) }

// ForChild returns nil and "": notes of a child go to its standard error.
func ForChild() (*os.File, string) { return nil, "" }
