package nnrf

import (
	"encoding/json"
	"errors"
	"net/url"
	"testing"

	"github.com/keelcore/keel/internal/sbi"
)

// Every fuzz target checks that bad input is refused with an *Error of
// protocol meaning (or an AccessTokenErr), never a panic, and that what
// is accepted holds its invariants.

func FuzzDecodeProfile(f *testing.F) {
	f.Add([]byte(udmProfile))
	f.Add([]byte(`{"nfInstanceId":"5a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f50","nfType":"SMF","nfStatus":"REGISTERED","fqdn":"smf.keel.example","smfInfo":{"sNssaiSmfInfoList":[{"sNssai":{"sst":1,"sdRanges":[{"start":"000001","end":"0000ff"}]},"dnnSmfInfoList":[{"dnn":"*"}]}]}}`))
	f.Add([]byte(`{"nfInstanceId":"5a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f50","nfType":"AMF","nfStatus":"REGISTERED","fqdn":"amf.keel.example","amfInfo":{"amfSetId":"001","amfRegionId":"01","guamiList":[{"plmnId":{"mcc":"001","mnc":"01"},"amfId":"010040"}],"taiList":[{"plmnId":{"mcc":"001","mnc":"01"},"tac":"000001"}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, doc, err := DecodeProfile(b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("DecodeProfile error without protocol meaning: %v", err)
			}
			return
		}
		if p.Validate() != nil || doc == nil || !ValidInstanceID(p.NFInstanceID) {
			t.Fatalf("accepted an invalid profile %+v", p)
		}
		// The document stored round trips through JSON to the same view.
		b2, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := DecodeProfile(b2); err != nil {
			t.Fatalf("re-encoded profile refused: %v", err)
		}
		q := Query{TargetNFType: p.NFType, RequesterNFType: sbi.NFTypeAMF, SUPI: "imsi-001010000000001", DNN: "internet"}
		q.Matches(&p)
	})
}

func FuzzPatch(f *testing.F) {
	f.Add([]byte(`[{"op":"replace","path":"/nfStatus","value":"REGISTERED"}]`), []byte(udmProfile))
	f.Add([]byte(`[{"op":"add","path":"/load","value":50},{"op":"remove","path":"/customInfo"}]`), []byte(udmProfile))
	f.Add([]byte(`[{"op":"move","from":"/udmInfo/routingIndicators/0","path":"/nfServiceList/1/apiPrefix"},{"op":"test","path":"/nfType","value":"UDM"}]`), []byte(udmProfile))
	f.Add([]byte(`[{"op":"copy","from":"/plmnList","path":"/plmnList/-"}]`), []byte(`{"plmnList":[1]}`))
	f.Fuzz(func(t *testing.T, patch, doc []byte) {
		items, err := DecodePatch(patch)
		if err != nil {
			if !errors.Is(err, ErrMsgFormat) {
				t.Fatalf("DecodePatch = %v", err)
			}
			return
		}
		var d any
		if json.Unmarshal(doc, &d) != nil {
			return
		}
		before, _ := json.Marshal(d)
		out, err := ApplyPatch(d, items)
		if after, _ := json.Marshal(d); string(after) != string(before) {
			t.Fatal("ApplyPatch changed its input")
		}
		if err != nil {
			if !errors.Is(err, ErrModificationNotAllowed) {
				t.Fatalf("ApplyPatch = %v", err)
			}
			return
		}
		if m, ok := out.(map[string]any); ok {
			if _, err := ProfileOf(m); err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("ProfileOf = %v", err)
				}
			}
		}
	})
}

func FuzzParseQuery(f *testing.F) {
	f.Add("target-nf-type=UDM&requester-nf-type=AMF&supi=imsi-001010000000001&service-names=nudm-sdm,nudm-uecm")
	f.Add(`target-nf-type=SMF&requester-nf-type=AMF&snssais=%5B%7B%22sst%22%3A1%2C%22sd%22%3A%22000001%22%7D%5D&dnn=internet&tai=%7B%22plmnId%22%3A%7B%22mcc%22%3A%22001%22%2C%22mnc%22%3A%2201%22%7D%2C%22tac%22%3A%22000001%22%7D`)
	f.Add("target-nf-type=AUSF&requester-nf-type=AMF&routing-indicator=0000&limit=3")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseQuery(v)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 {
				t.Fatalf("ParseQuery = %v", err)
			}
			return
		}
		if q.TargetNFType == "" || q.RequesterNFType == "" {
			t.Fatal("accepted a query without its mandatory parameters")
		}
		q2, err := ParseQuery(q.Values())
		if err != nil || q2.Key() != q.Key() {
			t.Fatalf("Values does not round trip: %v", err)
		}
	})
}

func FuzzParseTokenForm(f *testing.F) {
	f.Add("grant_type=client_credentials&nfInstanceId=5a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f50&nfType=AMF&targetNfType=UDM&scope=nudm-sdm+nudm-uecm")
	f.Add("grant_type=client_credentials&nfInstanceId=5a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f50&targetNfInstanceId=6a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f50&scope=nausf-auth")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		r, terr := ParseTokenForm(v)
		if terr != nil {
			if terr.Error == "" {
				t.Fatal("refusal without an OAuth 2.0 error code")
			}
			return
		}
		if r.GrantType != "client_credentials" || !ValidInstanceID(r.NFInstanceID) {
			t.Fatalf("accepted %+v", r)
		}
	})
}

func FuzzDecodeSubscription(f *testing.F) {
	f.Add([]byte(`{"nfStatusNotificationUri":"http://amf.keel.example:8000/notify","subscrCond":{"nfType":"UDM"},"reqNotifEvents":["NF_REGISTERED","NF_DEREGISTERED"],"validityTime":"2026-12-06T21:00:00Z"}`))
	f.Add([]byte(`{"nfStatusNotificationUri":"https://[::1]/n","subscrCond":{"nfInstanceId":"5a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f50"},"reqNfInstanceId":"c3a4d7e2-8b1f-4f0a-a6d5-2e9f0b7c1d02"}`))
	f.Add([]byte(`{"nfStatusNotificationUri":"http://a/n","subscrCond":{"serviceName":"nudm-sdm"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSubscription(b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 {
				t.Fatalf("DecodeSubscription = %v", err)
			}
			return
		}
		if s.NFStatusNotificationURI == "" || s.SubscriptionID != "" {
			t.Fatalf("accepted %+v", s)
		}
		p := Profile{NFInstanceID: "5a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f50", NFType: sbi.NFTypeUDM}
		s.SubscrCond.Covers(&p)
		s.Wants(EventRegistered)
	})
}
