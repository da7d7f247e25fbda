package sbihttp

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// ServeNSSF registers the NSSF's HTTP/2 binding on srv (TS 29.531 §6.1,
// §6.2): {apiRoot}/nnssf-nsselection/v2/network-slice-information (GET),
// and below {apiRoot}/nnssf-nssaiavailability/v1 /nssai-availability/{nfId}
// (PUT, DELETE), /nssai-availability/subscriptions (POST) and
// /nssai-availability/subscriptions/{subscriptionId} (DELETE).
func ServeNSSF(srv *Server, sel sbi.NnssfNSSelection, avail sbi.NnssfNSSAIAvailability) {
	s := srv.Service(ServiceNSSelection, VersionNSSelection)
	s.Handle("GET /network-slice-information", func(w http.ResponseWriter, r *http.Request) error {
		q, err := DecodeNSSelectionQuery(r.URL.Query())
		if err != nil {
			return err
		}
		info, err := sel.NetworkSliceInformation(r.Context(), q)
		if err != nil {
			return err
		}
		return Respond(w, http.StatusOK, encodeAuthorizedNetworkSliceInfo(info))
	})
	a := srv.Service(ServiceNSSAIAvailability, VersionNSSAIAvailability)
	a.Handle("PUT /nssai-availability/{nfId}", func(w http.ResponseWriter, r *http.Request) error {
		id := r.PathValue("nfId")
		if !validUUID(id) {
			return InvalidParamError(sbi.ErrInvalidRequest, "nfId", "not a UUID")
		}
		var in nssaiAvailabilityInfoJSON
		if err := Decode(r, &in); err != nil {
			return err
		}
		info, err := decodeNSSAIAvailabilityInfo(in)
		if err != nil {
			return err
		}
		out, err := avail.UpdateNSSAIAvailability(r.Context(), id, info)
		if err != nil {
			return err
		}
		if len(out.AuthorizedNSSAIAvailabilityData) == 0 {
			// TS 29.531 §6.2.3.2.3.1: no supported slices after the
			// update.
			return NoContent(w)
		}
		return Respond(w, http.StatusOK, encodeAuthorizedNSSAIAvailabilityInfo(out))
	})
	a.Handle("DELETE /nssai-availability/{nfId}", func(w http.ResponseWriter, r *http.Request) error {
		if err := avail.DeleteNSSAIAvailability(r.Context(), r.PathValue("nfId")); err != nil {
			return err
		}
		return NoContent(w)
	})
	a.Handle("POST /nssai-availability/subscriptions", func(w http.ResponseWriter, r *http.Request) error {
		var in nssfEventSubscriptionCreateDataJSON
		if err := Decode(r, &in); err != nil {
			return err
		}
		sub, err := decodeNSSAISubscription(in)
		if err != nil {
			return err
		}
		out, err := avail.SubscribeNSSAIAvailability(r.Context(), sub)
		if err != nil {
			return err
		}
		loc := ResourceURI(APIRoot(r), a.Prefix(), "nssai-availability", "subscriptions", out.SubscriptionID)
		return Created(w, loc, encodeNSSAISubscribed(out))
	})
	a.Handle("DELETE /nssai-availability/subscriptions/{subscriptionId}", func(w http.ResponseWriter, r *http.Request) error {
		if err := avail.UnsubscribeNSSAIAvailability(r.Context(), r.PathValue("subscriptionId")); err != nil {
			return err
		}
		return NoContent(w)
	})
}

// decodeNSSAISubscription checks the attributes of
// NssfEventSubscriptionCreateData TS 29.531 requires (400
// MANDATORY_IE_MISSING naming the one absent) and the notification URI
// (400 MANDATORY_IE_INCORRECT); the NSSF checks the rest.
func decodeNSSAISubscription(in nssfEventSubscriptionCreateDataJSON) (sbi.NSSAIAvailabilitySubscription, error) {
	var out sbi.NSSAIAvailabilitySubscription
	switch {
	case in.NFNSSAIAvailabilityURI == nil:
		return out, InvalidParamError(sbi.ErrMandatoryIEMissing, "/nfNssaiAvailabilityUri", "missing")
	case in.TAIList == nil:
		return out, InvalidParamError(sbi.ErrMandatoryIEMissing, "/taiList", "missing")
	case in.Event == nil:
		return out, InvalidParamError(sbi.ErrMandatoryIEMissing, "/event", "missing")
	}
	if err := CheckCallbackURI("/nfNssaiAvailabilityUri", *in.NFNSSAIAvailabilityURI); err != nil {
		return out, err
	}
	if in.AMFID != "" && !validUUID(in.AMFID) {
		return out, InvalidParamError(sbi.ErrInvalidRequest, "/amfId", "not a UUID")
	}
	out = sbi.NSSAIAvailabilitySubscription{NotificationURI: *in.NFNSSAIAvailabilityURI, TAIs: in.TAIList, Event: *in.Event, AMFID: in.AMFID}
	if in.Expiry != nil {
		out.Expiry = *in.Expiry
	}
	for i, r := range in.TAIRangeList {
		if r.PLMNID == nil {
			return out, InvalidParamError(sbi.ErrMandatoryIEMissing, fmt.Sprintf("/taiRangeList/%d/plmnId", i), "missing")
		}
		if r.TACRangeList == nil {
			return out, InvalidParamError(sbi.ErrMandatoryIEMissing, fmt.Sprintf("/taiRangeList/%d/tacRangeList", i), "missing")
		}
		tr := sbi.TAIRange{PLMN: *r.PLMNID}
		for _, t := range r.TACRangeList {
			tr.TACRanges = append(tr.TACRanges, sbi.TACRange{Start: t.Start, End: t.End, Pattern: t.Pattern})
		}
		out.TAIRanges = append(out.TAIRanges, tr)
	}
	return out, nil
}

func encodeNSSAISubscription(in sbi.NSSAIAvailabilitySubscription) nssfEventSubscriptionCreateDataJSON {
	out := nssfEventSubscriptionCreateDataJSON{NFNSSAIAvailabilityURI: ptr(in.NotificationURI), TAIList: in.TAIs, Event: ptr(in.Event), AMFID: in.AMFID}
	if out.TAIList == nil {
		out.TAIList = []ident.TAI{}
	}
	if !in.Expiry.IsZero() {
		out.Expiry = ptr(in.Expiry.UTC())
	}
	for _, r := range in.TAIRanges {
		tr := taiRangeJSON{PLMNID: ptr(r.PLMN)}
		for _, t := range r.TACRanges {
			tr.TACRangeList = append(tr.TACRangeList, tacRangeJSON{Start: t.Start, End: t.End, Pattern: t.Pattern})
		}
		out.TAIRangeList = append(out.TAIRangeList, tr)
	}
	return out
}

func encodeNSSAISubscribed(in sbi.NSSAIAvailabilitySubscribed) nssfEventSubscriptionCreatedDataJSON {
	out := nssfEventSubscriptionCreatedDataJSON{SubscriptionID: in.SubscriptionID,
		AuthorizedNSSAIAvailabilityData: encodeAuthorizedNSSAIAvailabilityInfo(sbi.AuthorizedNSSAIAvailabilityInfo{AuthorizedNSSAIAvailabilityData: in.AuthorizedNSSAIAvailabilityData}).AuthorizedNSSAIAvailabilityData}
	if !in.Expiry.IsZero() {
		out.Expiry = ptr(in.Expiry.UTC())
	}
	return out
}

// decodeAuthorizedData reads AuthorizedNssaiAvailabilityData entries,
// refusing one without its tai (400 MANDATORY_IE_MISSING naming it, at
// path).
func decodeAuthorizedData(path string, in []authorizedNSSAIAvailabilityDataJSON) ([]sbi.AuthorizedNSSAIAvailabilityData, error) {
	var out []sbi.AuthorizedNSSAIAvailabilityData
	for i, d := range in {
		if d.TAI == nil {
			return nil, InvalidParamError(sbi.ErrMandatoryIEMissing, fmt.Sprintf("%s/%d/tai", path, i), "missing")
		}
		out = append(out, sbi.AuthorizedNSSAIAvailabilityData{TAI: *d.TAI, SupportedSNSSAIList: d.SupportedSNSSAIList})
	}
	return out, nil
}

// DecodeNSSelectionQuery reads the query of Nnssf_NSSelection_Get
// (TS 29.531 §6.1.3.2.3.1). It refuses a parameter given twice, one the
// operation does not define, one Keel does not serve (the PDU session
// and UE configuration update queries) and a JSON-encoded one that is
// malformed, with 400 INVALID_QUERY_PARAM naming it; the NSSF itself
// checks which are missing.
func DecodeNSSelectionQuery(v url.Values) (sbi.NSSelectionQuery, error) {
	var q sbi.NSSelectionQuery
	for name, vs := range v {
		switch name {
		case paramNFType, paramNFID, paramSliceInfoReg, paramTAI, paramHomePLMN, paramSupportedFeatrs:
		case paramSliceInfoPDU, paramSliceInfoUECU:
			return q, InvalidParamError(sbi.ErrInvalidQueryParam, name, "not served: Keel's NSSF answers slice-info-request-for-registration only")
		default:
			return q, InvalidParamError(sbi.ErrInvalidQueryParam, name, "not a query parameter of this operation")
		}
		if len(vs) != 1 {
			return q, InvalidParamError(sbi.ErrInvalidQueryParam, name, "given more than once")
		}
	}
	q.NFType, q.NFID = v.Get(paramNFType), v.Get(paramNFID)
	if q.NFID != "" && !validUUID(q.NFID) {
		return q, InvalidParamError(sbi.ErrInvalidQueryParam, paramNFID, "not a UUID")
	}
	if s := v.Get(paramHomePLMN); s != "" {
		var p ident.PLMN
		if err := DecodeBytes([]byte(s), &p); err != nil {
			return q, queryParamError(paramHomePLMN, err)
		}
	}
	if s := v.Get(paramTAI); s != "" {
		var t ident.TAI
		if err := DecodeBytes([]byte(s), &t); err != nil {
			return q, queryParamError(paramTAI, err)
		}
		q.TAI = &t
	}
	if s := v.Get(paramSliceInfoReg); s != "" {
		var in sliceInfoForRegistrationJSON
		if err := DecodeBytes([]byte(s), &in); err != nil {
			return q, queryParamError(paramSliceInfoReg, err)
		}
		info, err := decodeSliceInfoForRegistration(in)
		if err != nil {
			return q, InvalidParamError(sbi.ErrInvalidQueryParam, paramSliceInfoReg, err.Error())
		}
		q.SliceInfoForRegistration = &info
	}
	return q, nil
}

// queryParamError turns the error of a JSON-encoded query parameter into
// 400 INVALID_QUERY_PARAM naming it (TS 29.500 Table 5.2.7.2-1).
func queryParamError(name string, err error) error {
	return InvalidParamError(sbi.ErrInvalidQueryParam, name, err.Error())
}

func decodeSliceInfoForRegistration(in sliceInfoForRegistrationJSON) (sbi.SliceInfoForRegistration, error) {
	out := sbi.SliceInfoForRegistration{RequestedNSSAI: in.RequestedNSSAI, DefaultConfiguredSNSSAIInd: in.DefaultConfiguredSNSSAIInd}
	for i, s := range in.SubscribedNSSAI {
		if s.SubscribedSNSSAI == nil {
			return out, fmt.Errorf("subscribedNssai/%d: subscribedSnssai missing", i)
		}
		out.SubscribedNSSAI = append(out.SubscribedNSSAI, sbi.SubscribedSNSSAI{SubscribedSNSSAI: *s.SubscribedSNSSAI, DefaultIndication: s.DefaultIndication})
	}
	if a := in.AllowedNSSAICurrentAccess; a != nil {
		l, err := decodeAllowedNSSAI(*a)
		if err != nil {
			return out, fmt.Errorf("allowedNssaiCurrentAccess: %w", err)
		}
		out.AllowedNSSAICurrentAccess = &l
	}
	return out, nil
}

func decodeAllowedNSSAI(in allowedNSSAIJSON) (sbi.AllowedNSSAI, error) {
	var out sbi.AllowedNSSAI
	if in.AccessType == nil {
		return out, fmt.Errorf("accessType missing")
	}
	out.AccessType = *in.AccessType
	if len(in.AllowedSNSSAIList) == 0 {
		return out, fmt.Errorf("allowedSnssaiList missing or empty")
	}
	for i, s := range in.AllowedSNSSAIList {
		if s.AllowedSNSSAI == nil {
			return out, fmt.Errorf("allowedSnssaiList/%d: allowedSnssai missing", i)
		}
		out.AllowedSNSSAIList = append(out.AllowedSNSSAIList, sbi.AllowedSNSSAI{AllowedSNSSAI: *s.AllowedSNSSAI})
	}
	return out, nil
}

func encodeAllowedNSSAI(in sbi.AllowedNSSAI) allowedNSSAIJSON {
	out := allowedNSSAIJSON{AccessType: ptr(in.AccessType)}
	for _, s := range in.AllowedSNSSAIList {
		out.AllowedSNSSAIList = append(out.AllowedSNSSAIList, allowedSNSSAIJSON{AllowedSNSSAI: ptr(s.AllowedSNSSAI)})
	}
	return out
}

func encodeAuthorizedNetworkSliceInfo(in sbi.AuthorizedNetworkSliceInfo) authorizedNetworkSliceInfoJSON {
	var out authorizedNetworkSliceInfoJSON
	for _, l := range in.AllowedNSSAIList {
		out.AllowedNSSAIList = append(out.AllowedNSSAIList, encodeAllowedNSSAI(l))
	}
	for _, c := range in.ConfiguredNSSAI {
		out.ConfiguredNSSAI = append(out.ConfiguredNSSAI, configuredSNSSAIJSON{ConfiguredSNSSAI: ptr(c.ConfiguredSNSSAI)})
	}
	out.RejectedNSSAIInPLMN, out.RejectedNSSAIInTA = in.RejectedNSSAIInPLMN, in.RejectedNSSAIInTA
	return out
}

// decodeNSSAIAvailabilityInfo checks the attributes TS 29.531 requires
// (400 MANDATORY_IE_MISSING naming the one absent); the NSSF checks the
// rest.
func decodeNSSAIAvailabilityInfo(in nssaiAvailabilityInfoJSON) (sbi.NSSAIAvailabilityInfo, error) {
	var out sbi.NSSAIAvailabilityInfo
	if in.SupportedNSSAIAvailabilityData == nil {
		return out, InvalidParamError(sbi.ErrMandatoryIEMissing, "/supportedNssaiAvailabilityData", "missing")
	}
	for i, d := range in.SupportedNSSAIAvailabilityData {
		if d.TAI == nil {
			return out, InvalidParamError(sbi.ErrMandatoryIEMissing, fmt.Sprintf("/supportedNssaiAvailabilityData/%d/tai", i), "missing")
		}
		if d.SupportedSNSSAIList == nil {
			return out, InvalidParamError(sbi.ErrMandatoryIEMissing, fmt.Sprintf("/supportedNssaiAvailabilityData/%d/supportedSnssaiList", i), "missing")
		}
		out.SupportedNSSAIAvailabilityData = append(out.SupportedNSSAIAvailabilityData,
			sbi.SupportedNSSAIAvailabilityData{TAI: *d.TAI, SupportedSNSSAIList: d.SupportedSNSSAIList})
	}
	return out, nil
}

func encodeNSSAIAvailabilityInfo(in sbi.NSSAIAvailabilityInfo) nssaiAvailabilityInfoJSON {
	out := nssaiAvailabilityInfoJSON{SupportedNSSAIAvailabilityData: []supportedNSSAIAvailabilityDataJSON{}}
	for _, d := range in.SupportedNSSAIAvailabilityData {
		out.SupportedNSSAIAvailabilityData = append(out.SupportedNSSAIAvailabilityData,
			supportedNSSAIAvailabilityDataJSON{TAI: ptr(d.TAI), SupportedSNSSAIList: d.SupportedSNSSAIList})
	}
	return out
}

func encodeAuthorizedNSSAIAvailabilityInfo(in sbi.AuthorizedNSSAIAvailabilityInfo) authorizedNSSAIAvailabilityInfoJSON {
	var out authorizedNSSAIAvailabilityInfoJSON
	for _, d := range in.AuthorizedNSSAIAvailabilityData {
		out.AuthorizedNSSAIAvailabilityData = append(out.AuthorizedNSSAIAvailabilityData,
			authorizedNSSAIAvailabilityDataJSON{TAI: ptr(d.TAI), SupportedSNSSAIList: d.SupportedSNSSAIList})
	}
	return out
}

// validUUID reports whether s is a UUID in its text form (RFC 9562 §4),
// as TS 29.571 NfInstanceId is.
func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
