package bench

import (
	"context"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"github.com/keelcore/keel/internal/secret"
)

// execSim is the `keel sim` command of a step: n UEs with the provisioned
// keys against the core's AMFs (each gNB connects to every one) and API, printing its JSON summary. The
// context kills it.
func execSim(ctx context.Context, o Options, c *core, n int, k, opc secret.Key128) *exec.Cmd {
	cmd := exec.CommandContext(ctx, o.Exe, simArgs(o, c, n)...)
	// The keys go in the environment, which only the owner and root can
	// read, not on the command line, which every user can.
	cmd.Env = append(childEnv(), "KEEL_K="+k.Hex(), "KEEL_OPC="+opc.Hex())
	cmd.SysProcAttr = childAttr(syscall.SIGKILL)
	return cmd
}

// simArgs are the arguments of `keel sim` for a step; the UEs' keys are
// passed in its environment.
func simArgs(o Options, c *core, n int) []string {
	args := []string{"sim",
		"--amf", joinAddrs(c.n2), "--api", c.api, "--token-file", c.tokenFile,
		"--plmn", simPLMN, "--imsi", strconv.Itoa(simFirstMSIN),
		"--ues", strconv.Itoa(n),
		"--gnbs", strconv.Itoa(o.GNBs), "--concurrency", strconv.Itoa(o.Concurrency),
		"--progress=false", "--json",
	}
	if o.Rate > 0 {
		args = append(args, "--rate", strconv.FormatFloat(o.Rate, 'g', -1, 64))
	}
	if o.PDU {
		args = append(args, "--pdu")
	}
	if o.Ping != "" {
		args = append(args, "--ping", o.Ping)
	}
	if o.Idle {
		args = append(args, "--idle")
	}
	if o.Paging {
		args = append(args, "--paging")
	}
	return args
}

// joinAddrs is `keel sim --amf`'s list: addresses separated by commas.
func joinAddrs(addrs []netip.AddrPort) string {
	s := make([]string, len(addrs))
	for i, a := range addrs {
		s[i] = a.String()
	}
	return strings.Join(s, ",")
}
