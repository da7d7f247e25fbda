package amf

import (
	"context"
	"crypto/sha1"
	"fmt"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// Backoff between the attempts to report the AMF's slices to the NSSF.
const (
	reportFirstBackoff = time.Second
	reportMaxBackoff   = 30 * time.Second
)

// startReporting starts, once, the goroutine that tells the NSSF the
// S-NSSAIs the AMF supports in each of its TAs (Nnssf_NSSAIAvailability
// Update, TS 29.531 §5.3.2.2; TS 23.501 §5.15.8). The goroutine is the
// AMF's: it retries until the NSSF takes the report, ctx is done or Stop
// cancels it, and Stop joins it. Until the NSSF has the report it
// decides by its own configuration. With kept answers, the goroutine
// then keeps the AMF subscribed to the NSSF's notifications
// (keepSubscribed) until ctx is done or Stop cancels it.
func (a *AMF) startReporting(ctx context.Context) {
	if a.availability == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.mu.stopped || a.mu.stopReporting != nil {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	a.mu.stopReporting = cancel
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.report(ctx)
	}()
}

// availabilityInfo is what the AMF supports: its S-NSSAIs in every one
// of its TAs.
func (a *AMF) availabilityInfo() sbi.NSSAIAvailabilityInfo {
	supported := append([]ident.SNSSAI(nil), a.cfg.Slices...)
	var info sbi.NSSAIAvailabilityInfo
	for _, tac := range a.cfg.TACs {
		info.SupportedNSSAIAvailabilityData = append(info.SupportedNSSAIAvailabilityData, sbi.SupportedNSSAIAvailabilityData{
			TAI:                 ident.TAI{PLMN: a.cfg.PLMN, TAC: tac},
			SupportedSNSSAIList: supported,
		})
	}
	return info
}

func (a *AMF) report(ctx context.Context) {
	info := a.availabilityInfo()
	backoff := reportFirstBackoff
	for {
		callCtx, cancel := context.WithTimeout(ctx, a.sbiTimeout())
		got, err := a.availability.UpdateNSSAIAvailability(callCtx, a.cfg.InstanceID, info)
		cancel()
		if err == nil {
			a.reported.Store(true)
			a.logAuthorized(info, got)
			if a.kept != nil {
				a.keepSubscribed(ctx)
			}
			return
		}
		if ctx.Err() != nil {
			return
		}
		a.log.Warn("amf: the NSSF did not take the AMF's slices; trying again", "nf_id", a.cfg.InstanceID, "in", backoff, "err", err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, reportMaxBackoff)
	}
}

// logAuthorized says which TAs the NSSF authorized fewer S-NSSAIs in than
// the AMF supports: UEs there are not allowed the others.
func (a *AMF) logAuthorized(info sbi.NSSAIAvailabilityInfo, got sbi.AuthorizedNSSAIAvailabilityInfo) {
	limited := 0
	for _, d := range info.SupportedNSSAIAvailabilityData {
		n := 0
		for _, g := range got.AuthorizedNSSAIAvailabilityData {
			if g.TAI == d.TAI {
				n = len(g.SupportedSNSSAIList)
			}
		}
		if n < len(d.SupportedSNSSAIList) {
			limited++
			a.log.Warn("amf: the NSSF does not authorize every S-NSSAI of the AMF in a TA", "tai", d.TAI.String(),
				"supported", len(d.SupportedSNSSAIList), "authorized", n)
		}
	}
	a.log.Info("amf: slices reported to the NSSF", "nf_id", a.cfg.InstanceID, "tas", len(info.SupportedNSSAIAvailabilityData), "tas_limited", limited)
}

// withdrawSlices tells the NSSF to forget the AMF's report
// (Nnssf_NSSAIAvailability Delete, TS 29.531 §5.3.2.6) when it took one;
// it waits no longer than ctx and one SBI call allow.
func (a *AMF) withdrawSlices(ctx context.Context) {
	if !a.reported.Load() || ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, a.sbiTimeout())
	defer cancel()
	if err := a.availability.DeleteNSSAIAvailability(ctx, a.cfg.InstanceID); err != nil {
		a.log.Warn("amf: the NSSF did not delete the AMF's slices", "nf_id", a.cfg.InstanceID, "err", err)
		return
	}
	a.reported.Store(false)
}

// keelNamespace is the name space of the name-based UUIDs Keel derives
// (RFC 9562 §5.5).
const keelNamespace = "\x6b\x65\x65\x6c\x2d\x6e\x46\x00\x80\x00\x6b\x65\x65\x6c\x6e\x66"

// instanceID derives the AMF's NF instance ID from its GUAMI, which names
// one AMF (TS 23.003 §2.10.1): a version 5 UUID (RFC 9562 §5.5), so that
// a restarted AMF replaces its own report at the NSSF.
func instanceID(g ident.GUAMI) string {
	h := sha1.New()
	h.Write([]byte(keelNamespace))
	fmt.Fprintf(h, "amf:%s-%s-%02x-%03x-%02x", g.PLMN.MCC, g.PLMN.MNC, g.RegionID, g.SetID, g.Pointer)
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // variant of RFC 9562
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// Lifetime of the AMF's NSSAI availability subscriptions.
const (
	// subscriptionLifetime is the expiry the AMF asks for; the NSSF may
	// grant less.
	subscriptionLifetime = 10 * time.Minute
	// minRenewal is the shortest wait before renewing.
	minRenewal = time.Second
)

// subscription is the AMF's subscription to the NSSF's NSSAI
// availability notifications (TS 29.531 §5.3.2.3.1): the AMF's TAs, and
// every TAC of its PLMN, since a slice supported in any TA of the PLMN
// changes the answers for UEs in the AMF's TAs (rejected in the TA
// rather than in the PLMN, the configured NSSAI; TS 23.501
// §5.15.5.2.1).
func (a *AMF) subscription() sbi.NSSAIAvailabilitySubscription {
	sub := sbi.NSSAIAvailabilitySubscription{NotificationURI: a.nssaiURI, Event: sbi.EventSNSSAIStatusChange,
		Expiry: a.now().Add(subscriptionLifetime), AMFID: a.cfg.InstanceID,
		TAIRanges: []sbi.TAIRange{{PLMN: a.cfg.PLMN, TACRanges: []sbi.TACRange{{Start: "000000", End: "FFFFFF"}}}}}
	for _, tac := range a.cfg.TACs {
		sub.TAIs = append(sub.TAIs, ident.TAI{PLMN: a.cfg.PLMN, TAC: tac})
	}
	return sub
}

// keepSubscribed keeps the AMF subscribed to the NSSF's NSSAI
// availability notifications and its answers kept while it is: it
// subscribes, keeps answers from then on, and renews at two thirds of
// the granted lifetime by a new subscription (at whichever NSSF instance
// answers) before unsubscribing the old one; the answers kept under the
// old one are dropped then, so that a notification an NSSF instance lost
// with the old subscription costs no more than a renewal period. While
// no subscription holds (the NSSF refuses, a renewal fails) no answer is
// kept, and the AMF tries again with a growing back-off. It returns when
// ctx is done; Stop unsubscribes (unsubscribeSlices).
func (a *AMF) keepSubscribed(ctx context.Context) {
	backoff := reportFirstBackoff
	for {
		callCtx, cancel := context.WithTimeout(ctx, a.sbiTimeout())
		got, err := a.availability.SubscribeNSSAIAvailability(callCtx, a.subscription())
		cancel()
		var wait time.Duration
		if err != nil {
			a.kept.stop()
			if ctx.Err() != nil {
				return
			}
			a.log.Warn("amf: the NSSF did not take the AMF's NSSAI availability subscription; its answers are not kept", "in", backoff, "err", err)
			wait, backoff = backoff, min(2*backoff, reportMaxBackoff)
		} else {
			backoff = reportFirstBackoff
			a.mu.Lock()
			old := a.mu.subscription
			a.mu.subscription = got.SubscriptionID
			a.mu.Unlock()
			a.kept.start()
			if old != "" {
				a.unsubscribe(ctx, old)
			} else {
				a.log.Info("amf: subscribed to the NSSF's NSSAI availability changes; its answers are kept", "expiry", got.Expiry)
			}
			wait = subscriptionLifetime * 2 / 3
			if !got.Expiry.IsZero() {
				wait = got.Expiry.Sub(a.now()) * 2 / 3
			}
			wait = max(wait, minRenewal)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// unsubscribe deletes the subscription id at the NSSF (TS 29.531
// §5.3.2.4), logging a failure: an NSSF that did not take it forgets it
// at its expiry.
func (a *AMF) unsubscribe(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(ctx, a.sbiTimeout())
	defer cancel()
	if err := a.availability.UnsubscribeNSSAIAvailability(ctx, id); err != nil {
		a.log.Warn("amf: the NSSF did not delete an NSSAI availability subscription", "subscription_id", id, "err", err)
	}
}

// unsubscribeSlices ends the AMF's NSSAI availability subscription at
// Stop, once the subscribing goroutine has returned.
func (a *AMF) unsubscribeSlices(ctx context.Context) {
	if a.kept == nil {
		return
	}
	a.kept.stop()
	a.mu.Lock()
	id := a.mu.subscription
	a.mu.subscription = ""
	a.mu.Unlock()
	if id != "" && ctx.Err() == nil {
		a.unsubscribe(ctx, id)
	}
}

// NSSAIAvailabilityChanged is the AMF's end of the NSSF's
// Nnssf_NSSAIAvailability_Notify (TS 29.531 §5.3.2.5): the S-NSSAIs
// supported in a TA of the subscription changed, so every kept answer is
// dropped. Every notification at the AMF's URI is taken as one: the
// subscription's ID the NSSF gives is not the one the AMF knows it by
// (the URI of its Location).
func (a *AMF) NSSAIAvailabilityChanged(_ context.Context, n sbi.NSSAIAvailabilityNotification) {
	if a.kept == nil {
		return
	}
	a.kept.drop()
	a.log.Info("amf: the NSSF notified a change of the S-NSSAIs supported per TA; kept answers dropped",
		"subscription_id", n.SubscriptionID, "tas", len(n.AuthorizedNSSAIAvailabilityData))
}
