package cli

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
)

const hnkeyUsage = `hnkey show [--json]

Prints the home network public keys that SIMs conceal their SUPI with
(SUCI, TS 33.501 §6.12): what a SIM vendor needs to provision SUCI
calculation. API address and token as for keel subscriber.`

func runHNKey(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.Stderr, "Usage: keel "+hnkeyUsage)
		if len(args) == 0 {
			return usagef("hnkey: want a subcommand")
		}
		return flag.ErrHelp
	}
	if args[0] != "show" {
		return usagef("hnkey: unknown subcommand %q (show)", args[0])
	}
	fs := newFlags(env, "hnkey show", "hnkey show [flags]")
	var af apiFlags
	af.register(fs, env)
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, "no arguments besides flags"); err != nil {
		return err
	}
	c, err := af.client(env)
	if err != nil {
		return err
	}
	list, err := c.HomeNetworkKeys(ctx)
	if err != nil {
		return err
	}
	if af.json {
		return printJSON(env.Stdout, list)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSCHEME\tPUBLIC KEY")
	for _, k := range list.Keys {
		fmt.Fprintf(tw, "%d\t%s\t%s\n", k.ID, k.Scheme, k.Public)
	}
	tw.Flush()
	fmt.Fprintln(env.Stdout, "\nFor the SIM: home network public key identifier = ID, protection scheme = profile A or B,")
	fmt.Fprintln(env.Stdout, "home network public key = PUBLIC KEY, routing indicator 0000.")
	return nil
}
