package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// BuildInfo is Keel's version and commit as stamped by the Go toolchain.
type BuildInfo struct {
	Version  string
	Commit   string
	Modified bool
	Go       string
}

// ReadBuildInfo reads what the Go toolchain recorded in the binary.
func ReadBuildInfo() BuildInfo {
	b := BuildInfo{Version: "(unknown)", Commit: "(unknown)", Go: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if info.Main.Version != "" {
		b.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

func (b BuildInfo) String() string {
	s := fmt.Sprintf("keel %s commit %s", b.Version, b.Commit)
	if b.Modified {
		s += " (modified)"
	}
	return s + " " + b.Go
}

func runVersion(_ context.Context, env Env, args []string) error {
	fs := newFlags(env, "version", "version")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, ReadBuildInfo())
	return nil
}
