package amf

import (
	"context"

	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ngap"
)

// registered ends u's count as a registering UE, once; when the AMF was
// overloaded and the count is down to half the limit, the gNBs get
// Overload Stop (TS 38.413 §8.7.7).
func (a *AMF) registered(u *ueContext) {
	if !u.registering {
		return
	}
	u.registering = false
	n := a.registering.Add(-1)
	if n <= a.maxRegistering/2 && a.overloaded.CompareAndSwap(true, false) {
		a.log.Info("amf: overload over; Overload Stop to the gNBs", "registering", n)
		a.toAllGNBs(ngap.OverloadStop())
	}
}

// toAllGNBs sends a non-UE-associated message to every set-up gNB, from
// a goroutine of its own so that no UE or reader waits for it.
func (a *AMF) toAllGNBs(m message.Message) {
	a.mu.Lock()
	if a.mu.stopped {
		a.mu.Unlock()
		return
	}
	rans := make([]*ran, 0, len(a.mu.rans))
	for r := range a.mu.rans {
		rans = append(rans, r)
	}
	a.wg.Add(1)
	a.mu.Unlock()
	go func() {
		defer a.wg.Done()
		for _, r := range rans {
			if r.isSetUp() {
				a.reply(context.Background(), r, m)
			}
		}
	}()
}
