package nnrf

import (
	"slices"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// Matches reports whether the NF profile answers the query (TS 29.510
// §5.3.2.2.2): of the target type, REGISTERED, discoverable by the
// requester's type, and — for each parameter given — offering one of the
// service names, serving one of the S-NSSAIs, the DNN, the SUPI (its
// supiRanges), the routing indicator and the TAI. A profile that states
// nothing for a parameter (no sNssais, no supiRanges, ...) serves every
// value of it (TS 29.510 §6.1.6.2.2: "absence ... means any").
func (q *Query) Matches(p *Profile) bool {
	if p.NFType != q.TargetNFType || p.NFStatus != Registered {
		return false
	}
	if q.TargetNFInstanceID != "" && p.NFInstanceID != q.TargetNFInstanceID {
		return false
	}
	if !allows(p.AllowedNFTypes, q.RequesterNFType) {
		return false
	}
	if len(q.ServiceNames) > 0 && !q.offersService(p) {
		return false
	}
	if len(q.SNSSAIs) > 0 && !servesSlice(p, q.SNSSAIs) {
		return false
	}
	if q.DNN != "" && !servesDNN(p, q.DNN) {
		return false
	}
	if q.SUPI != "" && !servesSUPI(p, q.SUPI) {
		return false
	}
	if q.RoutingIndicator != "" && !servesRoutingIndicator(p, q.RoutingIndicator) {
		return false
	}
	if q.TAI != nil && !servesTAI(p, *q.TAI) {
		return false
	}
	return true
}

func allows(allowed []sbi.NFType, t sbi.NFType) bool {
	return len(allowed) == 0 || slices.Contains(allowed, t)
}

func (q *Query) offersService(p *Profile) bool {
	offers := func(s *Service) bool {
		return s.NFServiceStatus == string(Registered) && slices.Contains(q.ServiceNames, s.ServiceName) && allows(s.AllowedNFTypes, q.RequesterNFType)
	}
	for i := range p.NFServices {
		if offers(&p.NFServices[i]) {
			return true
		}
	}
	for _, s := range p.NFServiceList {
		if offers(&s) {
			return true
		}
	}
	return false
}

func servesSlice(p *Profile, want []ident.SNSSAI) bool {
	var have []ExtSNSSAI
	have = append(have, p.SNSSAIs...)
	if p.SMFInfo != nil {
		for _, it := range p.SMFInfo.SNSSAISMFInfoList {
			have = append(have, it.SNSSAI)
		}
	}
	if p.UPFInfo != nil {
		for _, it := range p.UPFInfo.SNSSAIUPFInfoList {
			have = append(have, it.SNSSAI)
		}
	}
	if len(have) == 0 {
		return true
	}
	for _, h := range have {
		for _, w := range want {
			if h.Serves(w) {
				return true
			}
		}
	}
	return false
}

func servesDNN(p *Profile, dnn string) bool {
	want := ident.DNN(dnn)
	switch {
	case p.SMFInfo != nil:
		for _, it := range p.SMFInfo.SNSSAISMFInfoList {
			for _, d := range it.DNNSMFInfoList {
				if d.DNN == "*" || want.Equal(ident.DNN(d.DNN)) {
					return true
				}
			}
		}
		return false
	case p.UPFInfo != nil:
		for _, it := range p.UPFInfo.SNSSAIUPFInfoList {
			for _, d := range it.DNNUPFInfoList {
				if want.Equal(ident.DNN(d.DNN)) {
					return true
				}
			}
		}
		return false
	case p.PCFInfo != nil && len(p.PCFInfo.DNNList) > 0:
		for _, d := range p.PCFInfo.DNNList {
			if want.Equal(ident.DNN(d)) {
				return true
			}
		}
		return false
	}
	return true
}

func servesSUPI(p *Profile, supi string) bool {
	return (p.UDMInfo == nil || inRanges(p.UDMInfo.SUPIRanges, supi)) &&
		(p.AUSFInfo == nil || inRanges(p.AUSFInfo.SUPIRanges, supi)) &&
		(p.UDRInfo == nil || inRanges(p.UDRInfo.SUPIRanges, supi)) &&
		(p.PCFInfo == nil || inRanges(p.PCFInfo.SUPIRanges, supi))
}

func servesRoutingIndicator(p *Profile, ri string) bool {
	for _, list := range [][]string{routingOf(p.UDMInfo), routingOfAUSF(p.AUSFInfo)} {
		if len(list) > 0 && !slices.Contains(list, ri) {
			return false
		}
	}
	return true
}

func servesTAI(p *Profile, t ident.TAI) bool {
	var list []ident.TAI
	if p.AMFInfo != nil {
		list = append(list, p.AMFInfo.TAIList...)
	}
	if p.SMFInfo != nil {
		list = append(list, p.SMFInfo.TAIList...)
	}
	if p.UPFInfo != nil {
		list = append(list, p.UPFInfo.TAIList...)
	}
	return len(list) == 0 || slices.Contains(list, t)
}

// discoveryHidden are the members a discovery answer leaves out of a
// profile: the NRF's authorisation data and the registration's timer
// (TS 29.510 §6.2.6.2.3 defines the discovered NFProfile without them).
var discoveryHidden = []string{"heartBeatTimer", "allowedPlmns", "allowedSnpns", "allowedNfTypes", "allowedNfDomains", "allowedNssais"}

// ForDiscovery returns a copy of a stored profile document as a
// discovery answer or a notification carries it.
func ForDiscovery(doc map[string]any) map[string]any {
	out := deepCopy(doc).(map[string]any)
	for _, k := range discoveryHidden {
		delete(out, k)
	}
	strip := func(s any) {
		if m, ok := s.(map[string]any); ok {
			for _, k := range discoveryHidden[1:] {
				delete(m, k)
			}
		}
	}
	if list, ok := out["nfServices"].([]any); ok {
		for _, s := range list {
			strip(s)
		}
	}
	if m, ok := out["nfServiceList"].(map[string]any); ok {
		for _, s := range m {
			strip(s)
		}
	}
	return out
}
