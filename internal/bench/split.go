package bench

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/keelcore/keel/internal/config"
)

// Topologies of a step.
const (
	TopologyAllInOne = "all-in-one"
	TopologySplit    = "split"
)

// startSplit starts the core of a step as one `keel serve --nf X` process
// per network function, in the order of config.NFNames, each once the
// one before is ready: the NRF first, on whose SBI address the others
// register and discover one another; each process with its SBI and HTTP
// listeners on free loopback ports. The UDR
// and the UDM share the data directory: the UDR's store and admin token,
// and the home network keys with which the UDM de-conceals the SUCIs of
// the UEs the simulator conceals with the keys the UDR's management API
// publishes. Every process's log goes to dir/<nf>.log. With storeURL
// every process gets it as store.url.
func startSplit(ctx context.Context, exe, dir string, pool netip.Prefix, storeURL string) (_ *core, err error) {
	nfs := config.NFNames()
	ports, err := freeLoopbackPorts(2*len(nfs) + 1)
	if err != nil {
		return nil, err
	}
	dataDir := filepath.Join(dir, "data")
	c := &core{n2: ports[2*len(nfs):], tokenFile: filepath.Join(dataDir, "admin-token")}
	defer func() {
		if err != nil {
			c.stop()
		}
	}()
	nrf := "http://" + ports[0].String()
	var env []string
	if c.maxProcs = splitMaxProcs(runtime.NumCPU(), len(nfs), os.Getenv); c.maxProcs > 0 {
		env = append(env, "GOMAXPROCS="+strconv.Itoa(c.maxProcs))
	}
	for i, nf := range nfs {
		k := coreKeys{NFs: []string{nf}, SBI: ports[2*i], HTTP: ports[2*i+1], DataDir: filepath.Join(dir, "data-"+nf), StoreURL: storeURL}
		switch nf {
		case "nrf":
		case "udr", "udm":
			k.DataDir, k.NRF = dataDir, nrf
		case "amf":
			k.N2, k.NRF = c.n2[0], nrf
		default:
			k.NRF = nrf
		}
		cfgFile, err := coreConfig(k, pool)
		if err != nil {
			return nil, err
		}
		p, err := startProc(exe, dir, nf, cfgFile, env...)
		if err != nil {
			return nil, err
		}
		c.procs = append(c.procs, p)
		if nf == "udr" {
			c.api = p.api
		}
		// Each process is ready (its NFs registered at the NRF, the
		// SMF associated with the UPF) before the next starts: the NRF
		// serves before the others register, the UDR's store and keys
		// exist before the UDM reads the keys, and every producer is
		// registered before its consumers first discover it.
		wctx, cancel := context.WithTimeout(ctx, coreStartTimeout)
		err = p.waitHealthy(wctx)
		cancel()
		if err != nil {
			return nil, err
		}
	}
	if c.api == "" {
		return nil, fmt.Errorf("bench: no process runs the UDR")
	}
	return c, nil
}

// splitMaxProcs is the GOMAXPROCS each process of a split core runs
// with: the machine's CPUs shared out among its processes, at least
// one, as a deployment that gives every NF its own share of the host's
// cores would set it (or the Go runtime would read from a container's
// CPU limit). Left to its default, each of the nine runtimes would keep
// as many Ps as the machine has CPUs, and on a machine with fewer CPUs
// than processes they wake threads that find no work and steal from
// one another's processes: on 2 CPUs the split core took some 5% more
// CPU per UE that way (BENCHMARKS.md). 0 when the environment already
// sets GOMAXPROCS, which the processes then inherit.
func splitMaxProcs(cpus, procs int, getenv func(string) string) int {
	if getenv("GOMAXPROCS") != "" {
		return 0
	}
	return max(1, cpus/max(procs, 1))
}
