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
// decides by its own configuration.
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
