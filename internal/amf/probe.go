package amf

import (
	"context"
	"time"

	"github.com/free5gc/ngap/message"
)

// yields decides whether other, the association holding a gNB ID, gives
// it up to r, whose NG Setup claims it, and says why.
//
// "The old association is silent" means, concretely:
//
//   - r comes from other's remote IP address: a gNB restarted and came
//     back from its address before the old association timed out. One
//     address is one node, so r wins at once, without a probe.
//   - r comes from another address: other is probed with an AMF
//     Configuration Update carrying no IE (TS 38.413 §8.7.3: nothing to
//     change; every IE is optional), and any message other delivers
//     within the probe timeout (ProbeTimeout, 2 s by default) — the
//     acknowledgement, or anything else — proves it alive: it keeps the
//     ID and r is refused. A probe that cannot be sent, or no message
//     within the timeout, means other is silent and r wins.
//
// An SCTP heartbeat would say only that the peer's stack answers, and
// the transports do not report one; an NGAP round trip says the gNB
// itself does.
func (a *AMF) yields(ctx context.Context, r, other *ran) (why string, yields bool) {
	if r.conn.RemoteAddr().Addr() == other.conn.RemoteAddr().Addr() {
		return "same-address", true
	}
	if a.answers(ctx, other) {
		return "", false
	}
	return "silent", true
}

// answers sends other a liveness probe and reports whether the
// association delivers any message within the probe timeout.
func (a *AMF) answers(ctx context.Context, other *ran) bool {
	ch := make(chan struct{})
	p := &ch
	for !other.heard.CompareAndSwap(nil, p) {
		// Another probe is waiting: wait for the same answer.
		if q := other.heard.Load(); q != nil {
			p = q
			break
		}
	}
	t := time.NewTimer(a.probeTO)
	defer t.Stop()
	sctx, cancel := context.WithTimeout(ctx, a.probeTO)
	err := a.send(sctx, other, &message.AMFConfigurationUpdate{})
	cancel()
	if err != nil {
		return false
	}
	select {
	case <-*p:
		return true
	case <-t.C:
		other.heard.CompareAndSwap(p, nil)
		return false
	case <-ctx.Done():
		// The AMF is stopping: refusing changes nothing.
		return true
	}
}
