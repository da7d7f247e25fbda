package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
)

const hnkeyUsage = `hnkey show [--json]

Prints the home network public keys that SIMs conceal their SUPI with
(SUCI, TS 33.501 §6.12): what a SIM vendor needs to provision SUCI
calculation. A profile B key is printed twice: as the compressed point
(33 octets) and as the uncompressed point 04||X||Y (65 octets), for SIM
tools that load only that form. API address and token as for keel
subscriber.`

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
	fmt.Fprintln(tw, "ID\tSCHEME\tFORM\tPUBLIC KEY")
	for _, k := range list.Keys {
		if k.Scheme != "B" {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", k.ID, k.Scheme, "x25519", k.Public)
			continue
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", k.ID, k.Scheme, "compressed", k.Public)
		if k.PublicUncompressed != "" {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", k.ID, k.Scheme, "uncompressed", k.PublicUncompressed)
		}
	}
	tw.Flush()
	fmt.Fprintln(env.Stdout, "\nFor the SIM: home network public key identifier = ID, protection scheme = profile A or B,")
	fmt.Fprintln(env.Stdout, "home network public key = PUBLIC KEY (profile B: either form, as the SIM tool takes it),")
	fmt.Fprintln(env.Stdout, "routing indicator 0000.")
	return nil
}
