// Package cli implements the keel command's subcommands: flag parsing,
// human-readable tables and --json output. It holds no logic of the core;
// `keel serve` hands over to internal/app and the subscriber commands talk
// to the management API like any other client.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/keelcore/keel/internal/config"
)

// Exit statuses.
const (
	ExitOK      = 0
	ExitFailure = 1
	// ExitUsage is a mistake on the command line or in the configuration.
	ExitUsage = 2
)

// Env is what a command may touch of the outside world.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// OSEnv is the process's real environment.
func OSEnv() Env {
	return Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// usageError marks a command-line mistake (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the core (all network functions, embedded store)", runServe},
		{"sim", "simulate gNBs against an AMF (N2 over SCTP)", runSim},
		{"bench", "measure a fresh core under the simulator's load, step by step", runBench},
		{"config", "check a configuration file or print the defaults", runConfig},
		{"subscriber", "manage subscribers through the management API", runSubscriber},
		{"ue", "list UEs, deregister one (through the management API)", runUE},
		{"hnkey", "show the home network public keys for SIM provisioning (SUCI), or generate a key ring", runHNKey},
		{"nrf", "print the NRF's public key, which checks its access tokens", runNRF},
		{"version", "print version and commit", runVersion},
	}
}

// Main runs the keel command with args (without the program name) and
// returns the exit status.
func Main(ctx context.Context, env Env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		topUsage(env.Stdout)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitStatus(env, c.run(ctx, env, args[1:]))
		}
	}
	fmt.Fprintf(env.Stderr, "keel: unknown command %q (run keel help)\n", args[0])
	return ExitUsage
}

func exitStatus(env Env, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	fmt.Fprintln(env.Stderr, "keel:", err)
	var ue *usageError
	var ce *config.Error
	if errors.As(err, &ue) || errors.As(err, &ce) {
		return ExitUsage
	}
	return ExitFailure
}

func topUsage(w io.Writer) {
	fmt.Fprintln(w, "keel — an open 5G Standalone core network")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: keel <command> [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run keel <command> -h for the flags of a command.")
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(env Env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: keel %s\n\nFlags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// flagGiven reports whether the command line set the flag name.
func flagGiven(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// parse parses flags, allowing them after positional arguments too.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{msg: err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseArgs parses flags like parse and wants n positional arguments,
// described by what in the usage error.
func parseArgs(fs *flag.FlagSet, args []string, n int, what string) ([]string, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) != n {
		return nil, usagef("want %s, got %d arguments: %s", what, len(pos), strings.Join(pos, " "))
	}
	return pos, nil
}

// subcommand is one of the subcommands of a command such as keel ue.
type subcommand struct {
	name string
	run  func(ctx context.Context, env Env, args []string) error
}

// runGroup runs the subcommand args[0] names of the command name. With no
// subcommand or -h it prints usage.
func runGroup(ctx context.Context, env Env, args []string, name, usage string, subs ...subcommand) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.Stderr, "Usage: keel "+usage)
		if len(args) == 0 {
			return usagef("%s: want a subcommand", name)
		}
		return flag.ErrHelp
	}
	names := make([]string, len(subs))
	for i, s := range subs {
		if s.name == args[0] {
			return s.run(ctx, env, args[1:])
		}
		names[i] = s.name
	}
	return usagef("%s: unknown subcommand %q (%s)", name, args[0], strings.Join(names, ", "))
}
