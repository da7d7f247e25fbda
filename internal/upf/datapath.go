package upf

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/gtpu"
)

// DatapathOptions configure NewDatapath.
type DatapathOptions struct {
	// N3 is the GTP-U listen address, e.g. 127.0.0.1:2152. Port 0 picks
	// one; the wildcard address (0.0.0.0, [::]) receives on every local
	// address and answers from the one each G-PDU was sent to.
	N3 netip.AddrPort
	// TUN is the N6 device's name; default "keel0".
	TUN string
	// Gateways are the N6 side addresses: each is put on the TUN device
	// with its pool's prefix length (e.g. 10.45.0.1/16), which also
	// installs the route to the UE pool; the kernel answers pings to
	// them.
	Gateways []netip.Prefix
	// MTU of the TUN device, default 1400: a downlink packet of that size
	// makes a G-PDU of MTU+16+8+20 octets on N3.
	MTU int
	// Buffer bounds the downlink a session buffers while its FAR buffers
	// (TS 29.244 §5.2.1); zero fields take DefaultBufferLimits'.
	Buffer   BufferLimits
	Logger   *slog.Logger
	Registry prometheus.Registerer
}

// Limits of DatapathOptions.MTU: IPv4's minimum datagram, and what
// still fits a G-PDU (gtpu.MaxGPDUPayload) in a UDP datagram over IPv6.
const (
	minMTU = 576
	maxMTU = gtpu.MaxGPDUPayload - gtpu.HeaderLen - 8 - 40
)

func (o DatapathOptions) withDefaults() (DatapathOptions, error) {
	if !o.N3.IsValid() {
		return o, errors.New("upf: datapath: no N3 address")
	}
	if o.TUN == "" {
		o.TUN = "keel0"
	}
	if o.MTU == 0 {
		o.MTU = 1400
	}
	if o.MTU < minMTU || o.MTU > maxMTU {
		return o, fmt.Errorf("upf: datapath: MTU %d outside [%d, %d]", o.MTU, minMTU, maxMTU)
	}
	d := DefaultBufferLimits()
	if o.Buffer.Packets == 0 {
		o.Buffer.Packets = d.Packets
	}
	if o.Buffer.Bytes == 0 {
		o.Buffer.Bytes = d.Bytes
	}
	if o.Buffer.Time == 0 {
		o.Buffer.Time = d.Time
	}
	if err := o.Buffer.Validate(); err != nil {
		return o, fmt.Errorf("upf: datapath: %w", err)
	}
	for _, g := range o.Gateways {
		if !g.IsValid() || g.Addr().IsUnspecified() {
			return o, fmt.Errorf("upf: datapath: invalid gateway %v", g)
		}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}
