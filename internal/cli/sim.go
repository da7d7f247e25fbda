package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sctp/transport"
	"github.com/keelcore/keel/internal/sim/gnb"
)

// SimSummary is what `keel sim --json` prints.
type SimSummary struct {
	GNBs      int            `json:"gnbs"`
	NGSetupOK int            `json:"ng_setup_ok"`
	Failed    int            `json:"failed"`
	Failures  map[string]int `json:"failures"`
	DurationS float64        `json:"duration_s"`
	SCTP      string         `json:"sctp"`
}

func runSim(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "sim", "sim [--amf HOST:PORT] [--gnbs N] [--json]")
	amfAddr := fs.String("amf", "127.0.0.1:38412", "the AMF's N2 address")
	gnbs := fs.Int("gnbs", 1, "number of gNBs, each with its own SCTP association")
	jsonOut := fs.Bool("json", false, "print a JSON summary for scripts")
	mode := fs.String("sctp", "auto", "SCTP implementation: auto, kernel or userspace")
	plmnFlag := fs.String("plmn", "00101", "PLMN the gNBs broadcast, MCC and MNC digits")
	tac := fs.Uint("tac", 1, "tracking area code the gNBs serve")
	sst := fs.Uint("sst", 1, "slice/service type the gNBs support")
	sd := fs.String("sd", "", "slice differentiator, 6 hex digits (default none)")
	firstID := fs.Uint("gnb-id", 1, "gNB ID of the first gNB; the others count up from it")
	timeout := fs.Duration("timeout", 30*time.Second, "give up on a gNB's setup after this long")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, "no arguments besides flags"); err != nil {
		return err
	}
	addr, err := netip.ParseAddrPort(*amfAddr)
	if err != nil {
		return usagef("--amf %q: want IP:port", *amfAddr)
	}
	if *gnbs < 1 || *gnbs > 65535 {
		return usagef("--gnbs %d: want 1 to 65535", *gnbs)
	}
	if len(*plmnFlag) != 5 && len(*plmnFlag) != 6 {
		return usagef("--plmn %q: want 5 or 6 digits (MCC then MNC)", *plmnFlag)
	}
	plmn := ngap.PLMN{MCC: (*plmnFlag)[:3], MNC: (*plmnFlag)[3:]}
	if _, err := plmn.Encode(); err != nil {
		return usagef("--plmn: %v", err)
	}
	if *tac > ngap.MaxTAC || *sst > 255 {
		return usagef("--tac must fit 24 bits and --sst 8 bits")
	}
	slice := ngap.SNSSAI{SST: uint8(*sst)}
	if *sd != "" {
		v, err := strconv.ParseUint(*sd, 16, 32)
		if err != nil || len(*sd) != 6 {
			return usagef("--sd %q: want 6 hex digits", *sd)
		}
		slice.SD, slice.HasSD = uint32(v), true
	}

	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	tr, err := transport.Select(*mode, log)
	if err != nil {
		return err
	}
	defer tr.Close()

	start := time.Now()
	sum := SimSummary{GNBs: *gnbs, Failures: map[string]int{}, SCTP: tr.Name()}
	var (
		mu        sync.Mutex
		wg        sync.WaitGroup
		connected []*gnb.GNB
	)
	sem := make(chan struct{}, 64)
	for i := range *gnbs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cfg := gnb.Config{
				ID:   ngap.RANNodeID{PLMN: plmn, Kind: ngap.KindGNB, ID: uint32(*firstID) + uint32(i), Bits: 22},
				Name: fmt.Sprintf("keel-sim-gnb-%d", i+1),
				TAs:  []ngap.TA{{TAC: uint32(*tac), PLMNs: []ngap.PLMN{plmn}, Slices: []ngap.SNSSAI{slice}}},
			}
			cctx, cancel := context.WithTimeout(ctx, *timeout)
			defer cancel()
			g, err := gnb.Connect(cctx, tr, addr, cfg, log)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				sum.Failed++
				sum.Failures[failureCause(err)]++
				return
			}
			sum.NGSetupOK++
			connected = append(connected, g)
		}()
	}
	wg.Wait()
	sum.DurationS = time.Since(start).Seconds()
	for _, g := range connected {
		g.Close()
	}
	if *jsonOut {
		if err := printJSON(env.Stdout, sum); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(env.Stdout, "gNBs %d: NG Setup ok %d, failed %d in %.2f s over %s SCTP\n", sum.GNBs, sum.NGSetupOK, sum.Failed, sum.DurationS, sum.SCTP)
		causes := make([]string, 0, len(sum.Failures))
		for c := range sum.Failures {
			causes = append(causes, c)
		}
		sort.Strings(causes)
		for _, c := range causes {
			fmt.Fprintf(env.Stdout, "  %6d  %s\n", sum.Failures[c], c)
		}
	}
	if sum.Failed > 0 {
		return fmt.Errorf("sim: %d of %d gNBs failed NG Setup", sum.Failed, sum.GNBs)
	}
	return nil
}

// failureCause names a failure for the summary: the NGAP cause of a
// refusal, or the kind of transport failure.
func failureCause(err error) string {
	var se *gnb.SetupError
	switch {
	case errors.As(err, &se):
		return "ng-setup-failure " + se.Cause
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return "transport: " + msg
}
