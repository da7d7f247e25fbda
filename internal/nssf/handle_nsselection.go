package nssf

import (
	"context"
	"fmt"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// NetworkSliceInformation is Nnssf_NSSelection_Get for a registration
// (TS 29.531 §5.2.2.2.2; TS 23.502 §4.2.2.2.3 step 3): the allowed NSSAI
// for 3GPP access, the configured NSSAI when the UE is to be sent one,
// and the requested S-NSSAIs rejected in the PLMN or in the UE's TA
// (decide). When nothing can be allowed the answer has no allowed NSSAI;
// the AMF then rejects the registration (TS 24.501 §5.5.1.2.5, #62).
func (n *NSSF) NetworkSliceInformation(ctx context.Context, q sbi.NSSelectionQuery) (sbi.AuthorizedNetworkSliceInfo, error) {
	r, err := n.registration(q)
	if err != nil {
		n.metrics.selections.WithLabelValues(sbi.Outcome(err)).Inc()
		return sbi.AuthorizedNetworkSliceInfo{}, err
	}
	d := decide(r)
	var out sbi.AuthorizedNetworkSliceInfo
	if len(d.allowed) > 0 {
		l := sbi.AllowedNSSAI{AccessType: sbi.AccessType3GPP}
		for _, s := range d.allowed {
			l.AllowedSNSSAIList = append(l.AllowedSNSSAIList, sbi.AllowedSNSSAI{AllowedSNSSAI: s})
		}
		out.AllowedNSSAIList = []sbi.AllowedNSSAI{l}
	}
	for _, s := range d.configured {
		out.ConfiguredNSSAI = append(out.ConfiguredNSSAI, sbi.ConfiguredSNSSAI{ConfiguredSNSSAI: s})
	}
	out.RejectedNSSAIInPLMN, out.RejectedNSSAIInTA = d.rejectedPLMN, d.rejectedTA
	result := "allowed"
	if len(d.allowed) == 0 {
		result = "none_allowed"
	}
	n.metrics.selections.WithLabelValues(result).Inc()
	n.metrics.rejected.WithLabelValues("plmn").Add(float64(len(d.rejectedPLMN)))
	n.metrics.rejected.WithLabelValues("ta").Add(float64(len(d.rejectedTA)))
	if len(d.allowed) == 0 {
		n.log.Debug("no network slice can be allowed", "nf_id", q.NFID, "tai", taiString(q.TAI),
			"requested", fmt.Sprint(r.requested), "subscribed", fmt.Sprint(r.subscribed), "supported_in_ta", fmt.Sprint(r.inTA))
	}
	return out, nil
}

// registration checks a query (TS 29.531 §6.1.3.2.3.1: nf-type and nf-id
// are mandatory; Keel serves slice-info-request-for-registration only)
// and gathers what decide needs.
func (n *NSSF) registration(q sbi.NSSelectionQuery) (registration, error) {
	var r registration
	switch {
	case q.NFType == "":
		return r, fmt.Errorf("nssf: NSSelection: nf-type: %w", sbi.ErrMandatoryQueryParamMissing)
	case q.NFID == "":
		return r, fmt.Errorf("nssf: NSSelection: nf-id: %w", sbi.ErrMandatoryQueryParamMissing)
	case q.SliceInfoForRegistration == nil:
		return r, fmt.Errorf("nssf: NSSelection: slice-info-request-for-registration: %w", sbi.ErrMandatoryQueryParamMissing)
	}
	if q.TAI != nil {
		if err := q.TAI.Validate(); err != nil {
			return r, fmt.Errorf("nssf: NSSelection: tai: %w: %w", sbi.ErrInvalidQueryParam, err)
		}
	}
	in := q.SliceInfoForRegistration
	for _, s := range in.SubscribedNSSAI {
		if err := s.SubscribedSNSSAI.Validate(); err != nil {
			return r, fmt.Errorf("nssf: NSSelection: subscribedNssai: %w: %w", sbi.ErrInvalidQueryParam, err)
		}
		r.subscribed = append(r.subscribed, s.SubscribedSNSSAI)
		if s.DefaultIndication {
			r.defaults = append(r.defaults, s.SubscribedSNSSAI)
		}
	}
	for _, s := range in.RequestedNSSAI {
		if err := s.Validate(); err != nil {
			return r, fmt.Errorf("nssf: NSSelection: requestedNssai: %w: %w", sbi.ErrInvalidQueryParam, err)
		}
		r.requested = append(r.requested, s)
	}
	if a := in.AllowedNSSAICurrentAccess; a != nil && a.AccessType == sbi.AccessType3GPP {
		for _, s := range a.AllowedSNSSAIList {
			if err := s.AllowedSNSSAI.Validate(); err != nil {
				return r, fmt.Errorf("nssf: NSSelection: allowedNssaiCurrentAccess: %w: %w", sbi.ErrInvalidQueryParam, err)
			}
			r.previous = append(r.previous, s.AllowedSNSSAI)
		}
	}
	r.defaultConfigured = in.DefaultConfiguredSNSSAIInd
	var err error
	if r.inTA, r.inPLMN, err = n.supported(q.TAI); err != nil {
		return r, err
	}
	return r, nil
}

func taiString(t *ident.TAI) string {
	if t == nil {
		return "none"
	}
	return t.String()
}
