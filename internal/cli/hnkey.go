package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
)

const hnkeyUsage = `hnkey show [--json]

Prints the home network public keys that SIMs conceal their SUPI with
(SUCI, TS 33.501 §6.12): what a SIM vendor needs to provision SUCI
calculation. API address and token as for keel subscriber.`

func runHNKey(ctx context.Context, env Env, args []string) error {
	return runGroup(ctx, env, args, "hnkey", hnkeyUsage, subcommand{"show", hnkeyShow})
}

func hnkeyShow(ctx context.Context, env Env, args []string) error {
	cmd := newAPICommand(env, "hnkey show", "hnkey show [flags]")
	_, c, err := cmd.start(args, 0, "no arguments besides flags")
	if err != nil {
		return err
	}
	list, err := c.HomeNetworkKeys(ctx)
	if err != nil {
		return err
	}
	if cmd.json {
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
