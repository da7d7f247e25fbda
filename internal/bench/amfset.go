package bench

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"strconv"

	"github.com/keelcore/keel/internal/config"
)

// TopologyAMFSet is a step with the AMFs of one AMF set in processes of
// their own and every other network function in one more.
const TopologyAMFSet = "amf-set"

// MaxAMFs is the most AMF processes of a step: the instances of an AMF
// set have pointers 1 to 63 (the AMF Pointer has 6 bits, TS 23.003 §2.10.1).
const MaxAMFs = 63

// homeNFs are the network functions of an AMF set step's one other
// process: all but the AMF.
func homeNFs() []string {
	var out []string
	for _, nf := range config.NFNames() {
		if nf != "amf" {
			out = append(out, nf)
		}
	}
	return out
}

// procPlan is one process of a step's core: its name (its
// configuration is dir/<name>.yaml, its log dir/<name>.log) and the keys
// of its configuration.
type procPlan struct {
	name string
	keys coreKeys
}

// amfName is the amf.name of the i-th instance (from 1) of a step's AMF
// set.
func amfName(i int) string { return "keel-amf-" + strconv.Itoa(i) }

// amfSetPlan is the process plan of a step with n AMFs, given 3n+2 free
// loopback ports: first the process of every other network function
// (named "nfs": the NRF, with the UDR's data directory and management
// API) on the first two, then the AMFs amf-1 to amf-n on three each (SBI,
// management API, N2), which register at its NRF. The AMFs form one AMF
// set (TS 23.501 §5.21): the default region and set for all, pointer i
// and name keel-amf-i for the i-th, each its own N2 address, and the
// next instance (the last the first's) as its backup AMF name, which
// gNBs learn in NG Setup Response (TS 38.413 §9.2.6.2; TS 23.501
// §5.21.2.3); a set of one has none. With storeURL every process gets it
// as store.url, and the AMFs save their UE contexts there. It returns
// the processes and the AMFs' N2 addresses, in the same order.
func amfSetPlan(dir string, n int, ports []netip.AddrPort, storeURL string) ([]procPlan, []netip.AddrPort, error) {
	if n < 1 || n > MaxAMFs {
		return nil, nil, fmt.Errorf("bench: %d AMFs: want 1 to %d", n, MaxAMFs)
	}
	if len(ports) != 3*n+2 {
		return nil, nil, fmt.Errorf("bench: %d ports for %d AMFs, want %d", len(ports), n, 3*n+2)
	}
	plan := []procPlan{{name: "nfs", keys: coreKeys{NFs: homeNFs(), SBI: ports[0], HTTP: ports[1],
		DataDir: filepath.Join(dir, "data"), StoreURL: storeURL}}}
	nrf := "http://" + ports[0].String()
	var n2 []netip.AddrPort
	for i := 1; i <= n; i++ {
		amf := &amfKeys{Name: amfName(i), Pointer: uint8(i)}
		if n > 1 {
			amf.BackupAMFName = amfName(i%n + 1)
		}
		p := ports[3*i-1 : 3*i+2]
		plan = append(plan, procPlan{name: "amf-" + strconv.Itoa(i), keys: coreKeys{
			NFs: []string{"amf"}, SBI: p[0], HTTP: p[1], N2: p[2], NRF: nrf,
			DataDir: filepath.Join(dir, "data-amf-"+strconv.Itoa(i)), StoreURL: storeURL, AMF: amf}})
		n2 = append(n2, p[2])
	}
	return plan, n2, nil
}

// startAMFSet starts the core of a step with n AMFs as amfSetPlan lays
// it out, each process once the one before is ready: the home process
// (its NFs registered at its NRF, the SMF associated with its UPF), then
// the AMFs, each registered at the NRF (its /readyz) before the next
// starts and before the simulator's gNBs meet it.
func startAMFSet(ctx context.Context, exe, dir string, pool netip.Prefix, n int, storeURL string) (_ *core, err error) {
	ports, err := freeLoopbackPorts(3*n + 2)
	if err != nil {
		return nil, err
	}
	plan, n2, err := amfSetPlan(dir, n, ports, storeURL)
	if err != nil {
		return nil, err
	}
	c := &core{n2: n2, tokenFile: filepath.Join(plan[0].keys.DataDir, "admin-token")}
	defer func() {
		if err != nil {
			c.stop()
		}
	}()
	for i, pp := range plan {
		cfgFile, err := coreConfig(pp.keys, pool)
		if err != nil {
			return nil, err
		}
		p, err := startProc(exe, dir, pp.name, cfgFile)
		if err != nil {
			return nil, err
		}
		c.procs = append(c.procs, p)
		if i == 0 {
			c.api = p.api
		} else {
			c.amfs = append(c.amfs, p)
		}
		wctx, cancel := context.WithTimeout(ctx, coreStartTimeout)
		err = p.waitHealthy(wctx)
		cancel()
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}
