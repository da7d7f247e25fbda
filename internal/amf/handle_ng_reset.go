package amf

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ngap"
)

// handleNGReset runs a gNB-initiated NG Reset (TS 38.413 §8.7.4.2.2): the
// AMF releases the UE-associated logical connections named (or all of
// them) and acknowledges, echoing a partial list.
func (a *AMF) handleNGReset(ctx context.Context, r *ran, req *message.NGReset) {
	ack := &message.NGResetAcknowledge{}
	if req.ResetType != nil {
		if list, ok := req.ResetType.Choice.(*ie.UEAssociatedLogicalNGConnectionList); ok && list != nil && len(list.List) > 0 {
			ack.UEAssociatedLogicalNGConnectionList = list
		}
	}
	a.metrics.resets.WithLabelValues("from-gnb").Inc()
	r.logger().Info("amf: NG Reset from gNB", "cause", ngap.CauseString(req.Cause))
	// TS 38.413 §8.7.4.2.2: the UE-associated connections named (or all
	// of them) are released; their UEs go to 5GMM-IDLE.
	if ack.UEAssociatedLogicalNGConnectionList == nil {
		a.releaseRAN(ctx, r)
	} else {
		for _, item := range ack.UEAssociatedLogicalNGConnectionList.List {
			if item.AMFUENGAPID == nil {
				continue
			}
			ranID := int64(-1)
			if item.RANUENGAPID != nil {
				ranID = item.RANUENGAPID.Value
			}
			if u, c := a.ueByID(r, item.AMFUENGAPID.Value, ranID); u != nil {
				u.do(func() { a.connectionGone(ctx, u, c) })
			}
		}
	}
	a.reply(ctx, r, ack)
}

// handleNGResetAcknowledge completes an AMF-initiated NG Reset.
func (a *AMF) handleNGResetAcknowledge(ctx context.Context, r *ran, m *message.NGResetAcknowledge) {
	r.mu.Lock()
	ch := r.mu.resetAck
	r.mu.resetAck = nil
	r.mu.Unlock()
	if ch == nil {
		a.incompatible(ctx, r, m)
		return
	}
	close(ch)
}

// ErrUnknownUE is returned for a SUPI no UE context has.
var ErrUnknownUE = errors.New("amf: unknown UE")

// ErrUnknownGNB is returned for a gNB ID that is not connected.
var ErrUnknownGNB = errors.New("amf: no such gNB")

// ResetGNB sends NG Reset (reset all, cause O&M intervention) to a gNB and
// waits for its acknowledgement (TS 38.413 §8.7.4.2.1).
func (a *AMF) ResetGNB(ctx context.Context, id string) error {
	a.mu.Lock()
	var r *ran
	for rid, cand := range a.mu.byID {
		if rid.String() == id {
			r = cand
		}
	}
	a.mu.Unlock()
	if r == nil {
		return fmt.Errorf("%w: %s", ErrUnknownGNB, id)
	}
	ch := make(chan struct{})
	r.mu.Lock()
	if r.mu.resetAck != nil {
		r.mu.Unlock()
		return fmt.Errorf("amf: NG Reset of %s already in progress", id)
	}
	r.mu.resetAck = ch
	r.mu.Unlock()
	abandon := func() {
		r.mu.Lock()
		if r.mu.resetAck == ch {
			r.mu.resetAck = nil
		}
		r.mu.Unlock()
	}
	a.metrics.resets.WithLabelValues("from-amf").Inc()
	if err := a.send(ctx, r, ngap.NGResetAll(ngap.MiscCause(ie.CauseMiscPresentOmIntervention))); err != nil {
		abandon()
		return fmt.Errorf("amf: NG Reset to %s: %w", id, err)
	}
	t := time.NewTimer(a.resetTO)
	defer t.Stop()
	select {
	case <-ch:
		r.logger().Info("amf: NG Reset acknowledged")
		return nil
	case <-t.C:
		abandon()
		return fmt.Errorf("amf: NG Reset to %s: no acknowledgement within %v", id, a.resetTO)
	case <-ctx.Done():
		abandon()
		return ctx.Err()
	}
}
