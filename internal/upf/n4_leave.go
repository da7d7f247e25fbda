package upf

import (
	"context"
	"net/netip"
	"sync"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/pfcp"
)

// Leave takes the UPF out of service in order (TS 29.244 §6.2.7.3): it
// refuses new associations, asks each CP function associated with it to
// release its association — a PFCP Association Update Request with the
// PFCP Association Release Request IE, SARR set (§8.2.77) — and waits
// until every one has (its Association Release Request, §6.2.8) or ctx
// ends. An SMF of Keel answers by releasing the UPF's PDU sessions with
// #39 so that the UEs establish them again on another UPF at once,
// rather than after its heartbeats went unanswered. It returns the
// associations left when it returned. Call it before Close.
func (u *UPF) Leave(ctx context.Context) int {
	u.leaving.Store(true)
	u.state.Lock()
	var peers []*association
	for _, a := range u.state.peers {
		peers = append(peers, a)
	}
	u.state.Unlock()
	var wg sync.WaitGroup
	for _, a := range peers {
		wg.Go(func() { u.askRelease(ctx, a.nodeID, a.addr) })
	}
	wg.Wait()
	for {
		u.state.Lock()
		n, purging, changed := len(u.state.peers), u.state.purging, u.state.changed
		u.state.Unlock()
		if n == 0 && purging == 0 {
			return 0
		}
		select {
		case <-ctx.Done():
			u.log.Warn("upf: leaving with PFCP associations not released", "associations", n)
			return n
		case <-changed:
		}
	}
}

// askRelease sends one CP function the Association Update Request
// asking for the release of its association.
func (u *UPF) askRelease(ctx context.Context, nodeID netip.Addr, addr netip.AddrPort) {
	log := u.log.With("cp", nodeID, "peer", addr)
	req, err := pfcp.AssociationUpdateRequest(0, u.nodeID, true)
	if err != nil {
		log.Error("upf: Association Update Request", "err", err)
		return
	}
	m, err := u.node.Request(ctx, addr, req)
	if err != nil {
		log.Warn("upf: release of the PFCP association asked, no answer", "err", err)
		return
	}
	resp, ok := m.(*message.AssociationUpdateResponse)
	if !ok {
		log.Warn("upf: release of the PFCP association asked, answered with " + m.MessageTypeName())
		return
	}
	r, err := pfcp.ParseAssociationUpdate(resp)
	if err != nil || !pfcp.Accepted(r.Cause) {
		log.Warn("upf: release of the PFCP association asked, refused", "cause", r.Cause, "err", err)
		return
	}
	log.Info("upf: release of the PFCP association asked and accepted")
}

// removed notes that an association removed earlier (state.purging)
// went with its sessions: Leave waits on it.
func (u *UPF) removed() {
	u.state.Lock()
	defer u.state.Unlock()
	u.state.purging--
	close(u.state.changed)
	u.state.changed = make(chan struct{})
}
