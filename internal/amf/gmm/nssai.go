package gmm

import (
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas"
)

// nssaiDecision is what a registration makes of the UE's slices
// (TS 24.501 §5.5.1.2.4, §5.5.1.3.4; TS 23.501 §5.15.5.2.1).
type nssaiDecision struct {
	// allowed is the allowed NSSAI; empty: no slice can be allowed.
	allowed []ident.SNSSAI
	// rejected are the requested S-NSSAIs not allowed, with the cause.
	rejected []nas.RejectedSNSSAI
	// configured is the configured NSSAI for the serving PLMN, when the
	// UE is to be sent one; nil otherwise.
	configured []ident.SNSSAI
}

// decideNSSAI applies TS 23.501 §5.15.5.2.1 and TS 24.501 §5.5.1.2.4 to a
// registration:
//
//   - the configured NSSAI for the serving PLMN is the subscribed
//     S-NSSAIs the AMF serves;
//   - a requested S-NSSAI in it is allowed; any other is rejected, with
//     "not available in the current PLMN" (the AMF serves its slices in
//     every tracking area, so "not available in the current registration
//     area" does not arise);
//   - when none of the requested can be allowed, or none was requested,
//     the allowed NSSAI is the subscriber's default S-NSSAIs the AMF
//     serves;
//   - the configured NSSAI is sent when the UE requested no NSSAI or
//     requested an S-NSSAI not in it.
//
// previous is the allowed NSSAI of a registered UE: a mobility or
// periodic update that requests no NSSAI keeps it, as far as the
// subscription and the AMF still allow it (§5.5.1.3.4). S-NSSAIs compare
// with SD ffffff and no SD the same (TS 23.003 §28.4.2); the NSSAIs
// decided hold each S-NSSAI once, in its canonical form (no SD rather
// than ffffff), whatever form the UE or the subscription used.
func decideNSSAI(requested, previous, subscribed, defaults, served []ident.SNSSAI) nssaiDecision {
	var d nssaiDecision
	var configured []ident.SNSSAI
	for _, s := range subscribed {
		if contains(served, s) && !contains(configured, s) {
			configured = append(configured, s.Canonical())
		}
	}
	// find returns the configured entry for s.
	find := func(s ident.SNSSAI) (ident.SNSSAI, bool) {
		for _, c := range configured {
			if c.Same(s) {
				return c, true
			}
		}
		return ident.SNSSAI{}, false
	}
	if len(requested) == 0 && len(previous) > 0 {
		for _, s := range previous {
			if c, ok := find(s); ok && !contains(d.allowed, c) {
				d.allowed = append(d.allowed, c)
			}
		}
		if len(d.allowed) > 0 {
			return d
		}
	}
	sendConfigured := len(requested) == 0
	var seen []ident.SNSSAI
	for _, s := range requested {
		if contains(seen, s) {
			continue
		}
		seen = append(seen, s)
		c, ok := find(s)
		if !ok {
			d.rejected = append(d.rejected, nas.RejectedSNSSAI{SNSSAI: s, Cause: nas.RejectedNotAvailableInPLMN})
			sendConfigured = true
			continue
		}
		if !contains(d.allowed, c) {
			d.allowed = append(d.allowed, c)
		}
	}
	if len(d.allowed) == 0 {
		// TS 23.501 §5.15.5.2.1: the default S-NSSAIs.
		for _, s := range defaults {
			if c, ok := find(s); ok && !contains(d.allowed, c) {
				d.allowed = append(d.allowed, c)
			}
		}
	}
	if sendConfigured {
		d.configured = configured
	}
	return d
}

// contains reports whether list holds the slice s, with SD ffffff and no
// SD the same (TS 23.003 §28.4.2).
func contains(list []ident.SNSSAI, s ident.SNSSAI) bool {
	for _, x := range list {
		if x.Same(s) {
			return true
		}
	}
	return false
}
