package sbihttp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/keelcore/keel/internal/sbi"
)

// NSSFClient is the NSSF's services over HTTP/2: sbi.NnssfNSSelection
// and sbi.NnssfNSSAIAvailability for a consumer in another process. It
// is safe for concurrent use, as its Client is.
type NSSFClient struct {
	c *Client
}

var (
	_ sbi.NnssfNSSelection       = (*NSSFClient)(nil)
	_ sbi.NnssfNSSAIAvailability = (*NSSFClient)(nil)
)

// NewNSSFClient returns the NSSF's services called through c, whose
// Resolver gives the NSSF instances for ServiceNSSelection and
// ServiceNSSAIAvailability.
func NewNSSFClient(c *Client) *NSSFClient { return &NSSFClient{c: c} }

// NetworkSliceInformation is Nnssf_NSSelection_Get (TS 29.531
// §5.2.2.2.2): GET /network-slice-information with the query's
// parameters, the structured ones JSON-encoded (§6.1.3.2.3.1).
func (n *NSSFClient) NetworkSliceInformation(ctx context.Context, q sbi.NSSelectionQuery) (sbi.AuthorizedNetworkSliceInfo, error) {
	v := url.Values{}
	if q.NFType != "" {
		v.Set(paramNFType, q.NFType)
	}
	if q.NFID != "" {
		v.Set(paramNFID, q.NFID)
	}
	if q.TAI != nil {
		b, err := json.Marshal(*q.TAI)
		if err != nil {
			return sbi.AuthorizedNetworkSliceInfo{}, fmt.Errorf("sbihttp: NSSelection: tai: %w: %v", sbi.ErrInvalidQueryParam, err)
		}
		v.Set(paramTAI, string(b))
	}
	if in := q.SliceInfoForRegistration; in != nil {
		b, err := json.Marshal(encodeSliceInfoForRegistration(*in))
		if err != nil {
			return sbi.AuthorizedNetworkSliceInfo{}, fmt.Errorf("sbihttp: NSSelection: %s: %w: %v", paramSliceInfoReg, sbi.ErrInvalidQueryParam, err)
		}
		v.Set(paramSliceInfoReg, string(b))
	}
	var out authorizedNetworkSliceInfoJSON
	_, err := n.c.Do(ctx, Request{Service: ServiceNSSelection, Version: VersionNSSelection, Method: http.MethodGet,
		Path: "/network-slice-information", Query: v}, &out)
	if err != nil {
		return sbi.AuthorizedNetworkSliceInfo{}, err
	}
	return decodeAuthorizedNetworkSliceInfo(out), nil
}

// UpdateNSSAIAvailability is Nnssf_NSSAIAvailability_Update by PUT
// (TS 29.531 §5.3.2.2): 200 with the authorized availability, or 204 when
// the NSSF authorizes nothing.
func (n *NSSFClient) UpdateNSSAIAvailability(ctx context.Context, nfID string, info sbi.NSSAIAvailabilityInfo) (sbi.AuthorizedNSSAIAvailabilityInfo, error) {
	var out authorizedNSSAIAvailabilityInfoJSON
	_, err := n.c.Do(ctx, Request{Service: ServiceNSSAIAvailability, Version: VersionNSSAIAvailability, Method: http.MethodPut,
		Path: Path("nssai-availability", nfID), Body: encodeNSSAIAvailabilityInfo(info)}, &out)
	if err != nil {
		return sbi.AuthorizedNSSAIAvailabilityInfo{}, err
	}
	var res sbi.AuthorizedNSSAIAvailabilityInfo
	for _, d := range out.AuthorizedNSSAIAvailabilityData {
		if d.TAI == nil {
			continue
		}
		res.AuthorizedNSSAIAvailabilityData = append(res.AuthorizedNSSAIAvailabilityData,
			sbi.AuthorizedNSSAIAvailabilityData{TAI: *d.TAI, SupportedSNSSAIList: d.SupportedSNSSAIList})
	}
	return res, nil
}

// DeleteNSSAIAvailability is Nnssf_NSSAIAvailability_Delete (TS 29.531
// §5.3.2.6): DELETE /nssai-availability/{nfId}, 204.
func (n *NSSFClient) DeleteNSSAIAvailability(ctx context.Context, nfID string) error {
	_, err := n.c.Do(ctx, Request{Service: ServiceNSSAIAvailability, Version: VersionNSSAIAvailability, Method: http.MethodDelete,
		Path: Path("nssai-availability", nfID)}, nil)
	return err
}

// SubscribeNSSAIAvailability is Nnssf_NSSAIAvailability_Subscribe
// (TS 29.531 §5.3.2.3.1): POST /nssai-availability/subscriptions, 201
// with the subscription's URI in Location. The subscription's ID at the
// client is that URI, so that its Unsubscribe goes to the NSSF instance
// that holds it.
func (n *NSSFClient) SubscribeNSSAIAvailability(ctx context.Context, sub sbi.NSSAIAvailabilitySubscription) (sbi.NSSAIAvailabilitySubscribed, error) {
	var out nssfEventSubscriptionCreatedDataJSON
	resp, err := n.c.Do(ctx, Request{Service: ServiceNSSAIAvailability, Version: VersionNSSAIAvailability, Method: http.MethodPost,
		Path: "/nssai-availability/subscriptions", Body: encodeNSSAISubscription(sub)}, &out)
	if err != nil {
		return sbi.NSSAIAvailabilitySubscribed{}, err
	}
	if resp.Location == "" {
		return sbi.NSSAIAvailabilitySubscribed{}, fmt.Errorf("sbihttp: NSSAIAvailability subscribe: 201 without Location: %w", sbi.ErrSystemFailure)
	}
	res := sbi.NSSAIAvailabilitySubscribed{SubscriptionID: resp.Location}
	if out.Expiry != nil {
		res.Expiry = *out.Expiry
	}
	for _, d := range out.AuthorizedNSSAIAvailabilityData {
		if d.TAI != nil {
			res.AuthorizedNSSAIAvailabilityData = append(res.AuthorizedNSSAIAvailabilityData,
				sbi.AuthorizedNSSAIAvailabilityData{TAI: *d.TAI, SupportedSNSSAIList: d.SupportedSNSSAIList})
		}
	}
	return res, nil
}

// UnsubscribeNSSAIAvailability is Nnssf_NSSAIAvailability_Unsubscribe
// (TS 29.531 §5.3.2.4): DELETE on the subscription's URI (its ID at the
// client), or below the NSSF's API for a bare subscription ID; 204.
func (n *NSSFClient) UnsubscribeNSSAIAvailability(ctx context.Context, id string) error {
	req := Request{Service: ServiceNSSAIAvailability, Version: VersionNSSAIAvailability, Method: http.MethodDelete}
	if strings.HasPrefix(id, "http://") || strings.HasPrefix(id, "https://") {
		req.URI = id
	} else {
		req.Path = Path("nssai-availability", "subscriptions", id)
	}
	_, err := n.c.Do(ctx, req, nil)
	return err
}

// CallbackNSSAIAvailability is the 3gpp-Sbi-Callback value of the NSSF's
// notifications (TS 29.500 §5.2.3.2.4).
const CallbackNSSAIAvailability = "Nnssf_NSSAIAvailability_Notify"

// NSSAIAvailabilityNotifier is the NSSF's sbi.NSSAIAvailabilityNotifier
// over HTTP/2: it posts NssfEventNotification to a subscription's
// nfNssaiAvailabilityUri (TS 29.531 §5.3.2.5), which answers 204. It is
// safe for concurrent use, as its Client is.
type NSSAIAvailabilityNotifier struct{ c *Client }

var _ sbi.NSSAIAvailabilityNotifier = NSSAIAvailabilityNotifier{}

// NewNSSAIAvailabilityNotifier returns the notifier posting through c.
func NewNSSAIAvailabilityNotifier(c *Client) NSSAIAvailabilityNotifier {
	return NSSAIAvailabilityNotifier{c: c}
}

// NotifyNSSAIAvailability posts n to uri.
func (p NSSAIAvailabilityNotifier) NotifyNSSAIAvailability(ctx context.Context, uri string, n sbi.NSSAIAvailabilityNotification) error {
	body := nssfEventNotificationJSON{SubscriptionID: ptr(n.SubscriptionID), AuthorizedNSSAIAvailabilityData: []authorizedNSSAIAvailabilityDataJSON{}}
	for _, d := range n.AuthorizedNSSAIAvailabilityData {
		body.AuthorizedNSSAIAvailabilityData = append(body.AuthorizedNSSAIAvailabilityData,
			authorizedNSSAIAvailabilityDataJSON{TAI: ptr(d.TAI), SupportedSNSSAIList: d.SupportedSNSSAIList})
	}
	return Notify(ctx, p.c, uri, "", CallbackNSSAIAvailability, body)
}

func encodeSliceInfoForRegistration(in sbi.SliceInfoForRegistration) sliceInfoForRegistrationJSON {
	out := sliceInfoForRegistrationJSON{RequestedNSSAI: in.RequestedNSSAI, DefaultConfiguredSNSSAIInd: in.DefaultConfiguredSNSSAIInd}
	for _, s := range in.SubscribedNSSAI {
		out.SubscribedNSSAI = append(out.SubscribedNSSAI, subscribedSNSSAIJSON{SubscribedSNSSAI: ptr(s.SubscribedSNSSAI), DefaultIndication: s.DefaultIndication})
	}
	if a := in.AllowedNSSAICurrentAccess; a != nil && len(a.AllowedSNSSAIList) > 0 {
		l := encodeAllowedNSSAI(*a)
		out.AllowedNSSAICurrentAccess = &l
	}
	return out
}

// decodeAuthorizedNetworkSliceInfo reads an NSSF's answer, skipping
// entries without their required S-NSSAI.
func decodeAuthorizedNetworkSliceInfo(in authorizedNetworkSliceInfoJSON) sbi.AuthorizedNetworkSliceInfo {
	var out sbi.AuthorizedNetworkSliceInfo
	for _, l := range in.AllowedNSSAIList {
		a := sbi.AllowedNSSAI{}
		if l.AccessType != nil {
			a.AccessType = *l.AccessType
		}
		for _, s := range l.AllowedSNSSAIList {
			if s.AllowedSNSSAI != nil {
				a.AllowedSNSSAIList = append(a.AllowedSNSSAIList, sbi.AllowedSNSSAI{AllowedSNSSAI: *s.AllowedSNSSAI})
			}
		}
		out.AllowedNSSAIList = append(out.AllowedNSSAIList, a)
	}
	for _, c := range in.ConfiguredNSSAI {
		if c.ConfiguredSNSSAI != nil {
			out.ConfiguredNSSAI = append(out.ConfiguredNSSAI, sbi.ConfiguredSNSSAI{ConfiguredSNSSAI: *c.ConfiguredSNSSAI})
		}
	}
	out.RejectedNSSAIInPLMN, out.RejectedNSSAIInTA = in.RejectedNSSAIInPLMN, in.RejectedNSSAIInTA
	return out
}
