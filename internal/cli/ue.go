package cli

import (
	"context"
	"fmt"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/keelcore/keel/internal/api"
)

const ueUsage = `ue <list|show|deregister> [flags]

  list        [--state S]   UE contexts in the AMF, by SUPI
  show        SUPI
  deregister  SUPI          network-initiated deregistration

API address and token as for keel subscriber.`

func runUE(ctx context.Context, env Env, args []string) error {
	return runGroup(ctx, env, args, "ue", ueUsage,
		subcommand{"list", ueList}, subcommand{"show", ueShow}, subcommand{"deregister", ueDeregister})
}

func ueList(ctx context.Context, env Env, args []string) error {
	cmd := newAPICommand(env, "ue list", "ue list [flags]")
	state := cmd.fs.String("state", "", "only UEs in this state (e.g. registered)")
	_, c, err := cmd.start(args, 0, "no arguments besides flags")
	if err != nil {
		return err
	}
	var list api.UEList
	if *state == "" {
		list, err = c.UEs(ctx)
	} else {
		err = c.Get(ctx, "/api/v1/ues?state="+url.QueryEscape(*state), &list)
	}
	if err != nil {
		return err
	}
	if cmd.json {
		if list.UEs == nil {
			list.UEs = []api.UEInfo{}
		}
		return printJSON(env.Stdout, list)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SUPI\tSTATE\tCM\tGUTI\tGNB\tLAST ACTIVITY")
	for _, u := range list.UEs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.SUPI, u.State, dash(u.CMState), dash(u.GUTI), dash(u.GNB), timestamp(u.LastActivity))
	}
	tw.Flush()
	if len(list.UEs) == 1 {
		fmt.Fprintln(env.Stdout, "1 UE")
	} else {
		fmt.Fprintf(env.Stdout, "%d UEs\n", len(list.UEs))
	}
	return nil
}

func ueShow(ctx context.Context, env Env, args []string) error {
	cmd := newAPICommand(env, "ue show", "ue show SUPI [flags]")
	pos, c, err := cmd.start(args, 1, "one SUPI")
	if err != nil {
		return err
	}
	u, err := c.UE(ctx, pos[0])
	if err != nil {
		return err
	}
	if cmd.json {
		return printJSON(env.Stdout, u)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "SUPI\t%s\n", u.SUPI)
	fmt.Fprintf(tw, "State\t%s\n", u.State)
	fmt.Fprintf(tw, "CM state\t%s\n", dash(u.CMState))
	fmt.Fprintf(tw, "5G-GUTI\t%s\n", dash(u.GUTI))
	fmt.Fprintf(tw, "gNB\t%s\n", dash(u.GNB))
	fmt.Fprintf(tw, "AMF UE NGAP ID\t%s\n", ngapID(u.AMFUENGAPID))
	fmt.Fprintf(tw, "RAN UE NGAP ID\t%s\n", ngapID(u.RANUENGAPID))
	fmt.Fprintf(tw, "TAI\t%s\n", dash(u.TAI))
	fmt.Fprintf(tw, "Last activity\t%s\n", timestamp(u.LastActivity))
	return tw.Flush()
}

func ueDeregister(ctx context.Context, env Env, args []string) error {
	cmd := newAPICommand(env, "ue deregister", "ue deregister SUPI [flags]")
	pos, c, err := cmd.start(args, 1, "one SUPI")
	if err != nil {
		return err
	}
	if err := c.DeregisterUE(ctx, pos[0]); err != nil {
		return err
	}
	return cmd.done(map[string]string{"deregistering": pos[0]}, "deregistration of %s started\n", pos[0])
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func ngapID(id int64) string {
	if id == 0 {
		return "-"
	}
	return fmt.Sprint(id)
}

func timestamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
