package bench

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"

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
		p, err := startProc(exe, dir, nf, cfgFile)
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
