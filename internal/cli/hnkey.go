package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/keelcore/keel/internal/hnkey"
)

const hnkeyUsage = `hnkey show [--json] | hnkey generate

show prints the home network public keys that SIMs conceal their SUPI
with (SUCI, TS 33.501 §6.12): what a SIM vendor needs to provision SUCI
calculation. A profile B key is printed twice: as the compressed point
(33 octets) and as the uncompressed point 04||X||Y (65 octets), for SIM
tools that load only that form. API address and token as for keel
subscriber.

generate prints a new key ring, private keys included, in the format of
the data directory's home-network-keys.json: a profile A key (identifier
1) and a profile B key (identifier 2). Keep it in a secret store and
give it to keel serve as $KEEL_HOME_NETWORK_KEYS where the UDR and the
UDM cannot share a data directory (a Kubernetes Secret).`

func runHNKey(ctx context.Context, env Env, args []string) error {
	return runGroup(ctx, env, args, "hnkey", hnkeyUsage, subcommand{"show", hnkeyShow}, subcommand{"generate", hnkeyGenerate})
}

func hnkeyGenerate(_ context.Context, env Env, args []string) error {
	fs := newFlags(env, "hnkey generate", "hnkey generate")
	if _, err := parseArgs(fs, args, 0, "no arguments"); err != nil {
		return err
	}
	kr, err := hnkey.Generate()
	if err != nil {
		return err
	}
	data, err := kr.Marshal()
	if err != nil {
		return err
	}
	_, err = env.Stdout.Write(data)
	clear(data)
	return err
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
