package cli

import (
	"context"
	"flag"
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
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.Stderr, "Usage: keel "+ueUsage)
		if len(args) == 0 {
			return usagef("ue: want a subcommand")
		}
		return flag.ErrHelp
	}
	sub := map[string]func(context.Context, Env, []string) error{
		"list": ueList, "show": ueShow, "deregister": ueDeregister,
	}[args[0]]
	if sub == nil {
		return usagef("ue: unknown subcommand %q (list, show, deregister)", args[0])
	}
	return sub(ctx, env, args[1:])
}

func ueList(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "ue list", "ue list [flags]")
	var af apiFlags
	af.register(fs, env)
	state := fs.String("state", "", "only UEs in this state (e.g. registered)")
	pos, err := parse(fs, args)
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
	var list api.UEList
	if *state == "" {
		list, err = c.UEs(ctx)
	} else {
		err = c.Get(ctx, "/api/v1/ues?state="+url.QueryEscape(*state), &list)
	}
	if err != nil {
		return err
	}
	if af.json {
		if list.UEs == nil {
			list.UEs = []api.UEInfo{}
		}
		return printJSON(env.Stdout, list)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SUPI\tSTATE\tGUTI\tGNB\tLAST ACTIVITY")
	for _, u := range list.UEs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.SUPI, u.State, dash(u.GUTI), dash(u.GNB), timestamp(u.LastActivity))
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
	fs := newFlags(env, "ue show", "ue show SUPI [flags]")
	var af apiFlags
	af.register(fs, env)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "one SUPI"); err != nil {
		return err
	}
	c, err := af.client(env)
	if err != nil {
		return err
	}
	u, err := c.UE(ctx, pos[0])
	if err != nil {
		return err
	}
	if af.json {
		return printJSON(env.Stdout, u)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "SUPI\t%s\n", u.SUPI)
	fmt.Fprintf(tw, "State\t%s\n", u.State)
	fmt.Fprintf(tw, "5G-GUTI\t%s\n", dash(u.GUTI))
	fmt.Fprintf(tw, "gNB\t%s\n", dash(u.GNB))
	fmt.Fprintf(tw, "AMF UE NGAP ID\t%s\n", ngapID(u.AMFUENGAPID))
	fmt.Fprintf(tw, "RAN UE NGAP ID\t%s\n", ngapID(u.RANUENGAPID))
	fmt.Fprintf(tw, "TAI\t%s\n", dash(u.TAI))
	fmt.Fprintf(tw, "Last activity\t%s\n", timestamp(u.LastActivity))
	return tw.Flush()
}

func ueDeregister(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "ue deregister", "ue deregister SUPI [flags]")
	var af apiFlags
	af.register(fs, env)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "one SUPI"); err != nil {
		return err
	}
	c, err := af.client(env)
	if err != nil {
		return err
	}
	if err := c.DeregisterUE(ctx, pos[0]); err != nil {
		return err
	}
	if af.json {
		return printJSON(env.Stdout, map[string]string{"deregistering": pos[0]})
	}
	fmt.Fprintf(env.Stdout, "deregistration of %s started\n", pos[0])
	return nil
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
