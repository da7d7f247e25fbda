package nssf

import (
	"github.com/keelcore/keel/internal/ident"
)

// registration is what the decision of a registration's slices is made
// from.
type registration struct {
	// requested is the UE's requested NSSAI (empty: none), previous the
	// allowed NSSAI it holds on a registration update (empty: none).
	requested, previous []ident.SNSSAI
	// subscribed are the subscribed S-NSSAIs, defaults those of them
	// marked default, both in the subscription's order.
	subscribed, defaults []ident.SNSSAI
	// defaultConfigured: the requested NSSAI is from the UE's default
	// configured NSSAI.
	defaultConfigured bool
	// inTA and inPLMN are the S-NSSAIs supported in the UE's tracking
	// area and in the PLMN.
	inTA, inPLMN []ident.SNSSAI
}

// decision is what a registration makes of the UE's slices.
type decision struct {
	// allowed is the allowed NSSAI; empty: no slice can be allowed.
	allowed []ident.SNSSAI
	// rejectedPLMN and rejectedTA are the requested S-NSSAIs not
	// allowed, as the UE gave them: not available in the PLMN, or not
	// in the UE's tracking area.
	rejectedPLMN, rejectedTA []ident.SNSSAI
	// configured is the configured NSSAI for the serving PLMN when the
	// UE is to be sent one; nil otherwise.
	configured []ident.SNSSAI
}

// decide applies TS 23.501 §5.15.5.2.1, TS 23.502 §4.2.2.2.3 and TS
// 24.501 §5.5.1.2.4 to a registration:
//
//   - the configured NSSAI for the serving PLMN is the subscribed
//     S-NSSAIs supported in the PLMN (TS 23.501 §5.15.4.1.1);
//   - a requested S-NSSAI in it and supported in the TA is allowed; one
//     in it but not in the TA is rejected "not available in the current
//     registration area", any other "not available in the current PLMN"
//     (TS 24.501 §9.11.3.46 causes 1 and 0);
//   - when none of the requested can be allowed, or none was requested,
//     the allowed NSSAI is the subscriber's default S-NSSAIs supported in
//     the TA (TS 23.501 §5.15.5.2.1);
//   - the configured NSSAI is sent when the UE requested no NSSAI,
//     requested an S-NSSAI not available in the PLMN, or requested from
//     its default configured NSSAI (TS 24.501 §5.5.1.2.4).
//
// previous is the allowed NSSAI of a registered UE: an update that
// requests no NSSAI keeps it, as far as the subscription and the TA still
// allow it, and nothing else is sent (TS 24.501 §5.5.1.3.4). S-NSSAIs
// compare with SD ffffff and no SD the same (TS 23.003 §28.4.2); the
// allowed and configured NSSAIs hold each S-NSSAI once, in its canonical
// form (no SD rather than ffffff), whatever form the UE or the
// subscription used.
func decide(r registration) decision {
	var d decision
	var configured []ident.SNSSAI
	for _, s := range r.subscribed {
		if contains(r.inPLMN, s) {
			configured = add(configured, s)
		}
	}
	// allowable returns the configured entry for s when s may be
	// allowed in the TA.
	allowable := func(s ident.SNSSAI) (ident.SNSSAI, bool) {
		for _, c := range configured {
			if c.Same(s) && contains(r.inTA, c) {
				return c, true
			}
		}
		return ident.SNSSAI{}, false
	}
	if len(r.requested) == 0 && len(r.previous) > 0 {
		for _, s := range r.previous {
			if c, ok := allowable(s); ok {
				d.allowed = add(d.allowed, c)
			}
		}
		if len(d.allowed) > 0 {
			return d
		}
	}
	sendConfigured := len(r.requested) == 0 || r.defaultConfigured
	var seen []ident.SNSSAI
	for _, s := range r.requested {
		if contains(seen, s) {
			continue
		}
		seen = append(seen, s)
		if c, ok := allowable(s); ok {
			d.allowed = add(d.allowed, c)
			continue
		}
		if contains(configured, s) {
			d.rejectedTA = append(d.rejectedTA, s)
			continue
		}
		d.rejectedPLMN = append(d.rejectedPLMN, s)
		sendConfigured = true
	}
	if len(d.allowed) == 0 {
		for _, s := range r.defaults {
			if c, ok := allowable(s); ok {
				d.allowed = add(d.allowed, c)
			}
		}
	}
	if sendConfigured {
		d.configured = configured
	}
	return d
}
