package gmm

import (
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/sbi"
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

// nssaiQuery is the Nnssf_NSSelection_Get of a registration's slices
// (TS 29.531 §5.2.2.2.2; TS 23.502 §4.2.2.2.3 step 3): the NSSF decides
// them by TS 23.501 §5.15.5.2.1 from the requested NSSAI, the subscribed
// S-NSSAIs with their default indication, the UE's TA and, for a
// registration update, previous, the UE's allowed NSSAI.
func (m *Machine) nssaiQuery(requested, previous []ident.SNSSAI) sbi.NSSelectionQuery {
	in := &sbi.SliceInfoForRegistration{RequestedNSSAI: append([]ident.SNSSAI(nil), requested...)}
	for _, s := range m.am.NSSAI {
		in.SubscribedNSSAI = append(in.SubscribedNSSAI, sbi.SubscribedSNSSAI{SubscribedSNSSAI: s, DefaultIndication: contains(m.am.DefaultNSSAI, s)})
	}
	if len(previous) > 0 {
		a := sbi.AllowedNSSAI{AccessType: sbi.AccessType3GPP}
		for _, s := range previous {
			a.AllowedSNSSAIList = append(a.AllowedSNSSAIList, sbi.AllowedSNSSAI{AllowedSNSSAI: s})
		}
		in.AllowedNSSAICurrentAccess = &a
	}
	q := sbi.NSSelectionQuery{NFType: "AMF", NFID: m.cfg.NFInstanceID, SliceInfoForRegistration: in}
	if m.tai != nil {
		tai := *m.tai
		q.TAI = &tai
	}
	return q
}

// nssaiDecided reads the NSSF's answer for the requested NSSAI. The
// rejected NSSAI lists the requested S-NSSAIs the NSSF rejected, in the
// UE's order and form, with cause 0 when not available in the PLMN and
// 1 when not in the registration area (TS 24.501 §9.11.3.46).
func nssaiDecided(requested []ident.SNSSAI, info sbi.AuthorizedNetworkSliceInfo) nssaiDecision {
	d := nssaiDecision{allowed: append([]ident.SNSSAI{}, info.Allowed()...)}
	var seen []ident.SNSSAI
	for _, s := range requested {
		if contains(seen, s) {
			continue
		}
		seen = append(seen, s)
		switch {
		case contains(info.RejectedNSSAIInPLMN, s):
			d.rejected = append(d.rejected, nas.RejectedSNSSAI{SNSSAI: s, Cause: nas.RejectedNotAvailableInPLMN})
		case contains(info.RejectedNSSAIInTA, s):
			d.rejected = append(d.rejected, nas.RejectedSNSSAI{SNSSAI: s, Cause: nas.RejectedNotAvailableInRegistrationArea})
		}
	}
	for _, c := range info.ConfiguredNSSAI {
		d.configured = append(d.configured, c.ConfiguredSNSSAI)
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
