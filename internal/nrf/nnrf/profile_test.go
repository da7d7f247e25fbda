package nnrf

import (
	"encoding/json"
	"errors"
	"net/url"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

const udmProfile = `{
  "nfInstanceId": "5a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f50",
  "nfType": "UDM",
  "nfStatus": "REGISTERED",
  "ipv4Addresses": ["127.0.0.1"],
  "plmnList": [{"mcc": "001", "mnc": "01"}],
  "udmInfo": {"supiRanges": [{"start": "001010000000000", "end": "001010000009999"}], "routingIndicators": ["0000"]},
  "nfServiceList": {"1": {"serviceInstanceId": "1", "serviceName": "nudm-sdm", "versions": [{"apiVersionInUri": "v2", "apiFullVersion": "2.2.4"}], "scheme": "http", "nfServiceStatus": "REGISTERED", "ipEndPoints": [{"ipv4Address": "127.0.0.1", "port": 8000}]}},
  "customInfo": {"vendor": "x"}
}`

func TestDecodeProfile(t *testing.T) {
	p, doc, err := DecodeProfile([]byte(udmProfile))
	if err != nil {
		t.Fatal(err)
	}
	if p.NFType != sbi.NFTypeUDM || len(p.Services()) != 1 || p.UDMInfo == nil || len(p.UDMInfo.SUPIRanges) != 1 {
		t.Errorf("DecodeProfile = %+v", p)
	}
	if _, ok := doc["customInfo"]; !ok {
		t.Error("the document lost a member Keel does not read")
	}
}

func TestDecodeProfileRefuses(t *testing.T) {
	var base map[string]any
	if err := json.Unmarshal([]byte(udmProfile), &base); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		mod   func(m map[string]any)
		want  *Error
		param string
	}{
		{"unknown member", func(m map[string]any) { m["nfTyp"] = "UDM" }, ErrMsgFormat, "/nfTyp"},
		{"no instance ID", func(m map[string]any) { delete(m, "nfInstanceId") }, ErrIEMissing, "/nfInstanceId"},
		{"instance ID not a UUID", func(m map[string]any) { m["nfInstanceId"] = "udm-1" }, ErrIEIncorrect, "/nfInstanceId"},
		{"no type", func(m map[string]any) { delete(m, "nfType") }, ErrIEMissing, "/nfType"},
		{"no status", func(m map[string]any) { delete(m, "nfStatus") }, ErrIEMissing, "/nfStatus"},
		{"bad status", func(m map[string]any) { m["nfStatus"] = "UP" }, ErrIEIncorrect, "/nfStatus"},
		{"no address", func(m map[string]any) { delete(m, "ipv4Addresses") }, ErrIEMissing, "/fqdn"},
		{"wrong type", func(m map[string]any) { m["heartBeatTimer"] = "10" }, ErrIEIncorrect, "/heartBeatTimer"},
		{"bad FQDN", func(m map[string]any) { m["fqdn"] = "udm" }, ErrOptionalIEIncorrect, "/fqdn"},
		{"bad IPv4", func(m map[string]any) { m["ipv4Addresses"] = []any{"::1"} }, ErrOptionalIEIncorrect, "/ipv4Addresses/0"},
		{"bad SUPI range", func(m map[string]any) {
			m["udmInfo"] = map[string]any{"supiRanges": []any{map[string]any{"start": "2", "end": "1"}}}
		}, ErrOptionalIEIncorrect, "/udmInfo/supiRanges/0"},
		{"bad routing indicator", func(m map[string]any) { m["udmInfo"] = map[string]any{"routingIndicators": []any{"12345"}} }, ErrOptionalIEIncorrect, "/routingIndicators"},
		{"bad PLMN", func(m map[string]any) { m["plmnList"] = []any{map[string]any{"mcc": "1", "mnc": "01"}} }, ErrIEIncorrect, ""},
		{"service key", func(m map[string]any) {
			m["nfServiceList"] = map[string]any{"2": m["nfServiceList"].(map[string]any)["1"]}
		}, ErrIEIncorrect, "/nfServiceList/2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var m map[string]any
			b, _ := json.Marshal(base)
			json.Unmarshal(b, &m)
			c.mod(m)
			b, _ = json.Marshal(m)
			_, _, err := DecodeProfile(b)
			var e *Error
			if !errors.Is(err, c.want) || !errors.As(err, &e) || (c.param != "" && e.Param != c.param) {
				t.Errorf("DecodeProfile = %v, want %s at %q", err, c.want.Cause, c.param)
			}
		})
	}
	for _, b := range []string{``, `[]`, `null`, `{"a":1} {}`, `{`} {
		if _, _, err := DecodeProfile([]byte(b)); !errors.Is(err, ErrMsgFormat) {
			t.Errorf("DecodeProfile(%q) = %v, want %v", b, err, ErrMsgFormat)
		}
	}
}

func TestSUPIRange(t *testing.T) {
	r := SUPIRange{Start: "001010000000000", End: "001010000009999"}
	for supi, want := range map[string]bool{
		"imsi-001010000000000": true, "imsi-001010000009999": true, "imsi-001010000005000": true,
		"imsi-001010000010000": false, "imsi-00101000000000": false, "001010000000001": false,
	} {
		if got := r.Contains(supi); got != want {
			t.Errorf("Contains(%s) = %v, want %v", supi, got, want)
		}
	}
	p := SUPIRange{Pattern: `imsi-00101[0-9]{10}`}
	if !p.Contains("imsi-001010000000001") || p.Contains("imsi-002010000000001") || p.Contains("ximsi-001010000000001") {
		t.Error("pattern range matches wrongly (it must match the whole SUPI)")
	}
}

func TestQueryMatches(t *testing.T) {
	p, _, err := DecodeProfile([]byte(udmProfile))
	if err != nil {
		t.Fatal(err)
	}
	smf := Profile{NFInstanceID: "x", NFType: sbi.NFTypeSMF, NFStatus: Registered, SMFInfo: &SMFInfo{SNSSAISMFInfoList: []SNSSAISMFInfoItem{
		{SNSSAI: ExtSNSSAI{SNSSAI: ident.SNSSAI{SST: 1, SD: 1, HasSD: true}}, DNNSMFInfoList: []DNNSMFInfoItem{{DNN: "internet"}}},
	}}}
	cases := []struct {
		name  string
		query string
		p     *Profile
		want  bool
	}{
		{"type", "target-nf-type=UDM&requester-nf-type=AUSF", &p, true},
		{"other type", "target-nf-type=AUSF&requester-nf-type=AMF", &p, false},
		{"service", "target-nf-type=UDM&requester-nf-type=AMF&service-names=nudm-uecm,nudm-sdm", &p, true},
		{"service not offered", "target-nf-type=UDM&requester-nf-type=AMF&service-names=nudm-uecm", &p, false},
		{"SUPI in range", "target-nf-type=UDM&requester-nf-type=AMF&supi=imsi-001010000000042", &p, true},
		{"SUPI out of range", "target-nf-type=UDM&requester-nf-type=AMF&supi=imsi-001010000100042", &p, false},
		{"routing indicator", "target-nf-type=UDM&requester-nf-type=AMF&routing-indicator=0000", &p, true},
		{"other routing indicator", "target-nf-type=UDM&requester-nf-type=AMF&routing-indicator=0001", &p, false},
		{"slice and DNN", `target-nf-type=SMF&requester-nf-type=AMF&snssais=[{"sst":1,"sd":"000001"}]&dnn=Internet`, &smf, true},
		{"other slice", `target-nf-type=SMF&requester-nf-type=AMF&snssais=[{"sst":1,"sd":"000002"}]`, &smf, false},
		{"other DNN", `target-nf-type=SMF&requester-nf-type=AMF&dnn=ims`, &smf, false},
	}
	for _, c := range cases {
		v, _ := url.ParseQuery(c.query)
		q, err := ParseQuery(v)
		if err != nil {
			t.Fatalf("%s: ParseQuery = %v", c.name, err)
		}
		if got := q.Matches(c.p); got != c.want {
			t.Errorf("%s: Matches = %v, want %v", c.name, got, c.want)
		}
		q2, err := ParseQuery(q.Values())
		if err != nil || q2.Key() != q.Key() {
			t.Errorf("%s: Values does not round trip: %v", c.name, err)
		}
	}
	p.AllowedNFTypes = []sbi.NFType{sbi.NFTypeAUSF}
	q := Query{TargetNFType: sbi.NFTypeUDM, RequesterNFType: sbi.NFTypeAMF}
	if q.Matches(&p) {
		t.Error("a profile allowing AUSF only was discovered by an AMF")
	}
}

func TestParseQueryRefuses(t *testing.T) {
	for query, want := range map[string]*Error{
		"requester-nf-type=AMF":                                       ErrQueryParamMissing,
		"target-nf-type=UDM":                                          ErrQueryParamMissing,
		"target-nf-type=UDM&requester-nf-type=AMF&frob=1":             ErrQueryParam,
		"target-nf-type=UDM&requester-nf-type=AMF&supi=12":            ErrQueryParam,
		"target-nf-type=UDM&requester-nf-type=AMF&snssais=1":          ErrQueryParam,
		"target-nf-type=UDM&requester-nf-type=AMF&snssais=[]":         ErrQueryParam,
		"target-nf-type=UDM&requester-nf-type=AMF&tai={}":             ErrQueryParam,
		"target-nf-type=UDM&requester-nf-type=AMF&limit=0":            ErrQueryParam,
		"target-nf-type=UDM&requester-nf-type=AMF&dnn=a..b":           ErrQueryParam,
		"target-nf-type=UDM&target-nf-type=AMF&requester-nf-type=AMF": ErrQueryParam,
		"target-nf-type=UDM&requester-nf-type=AMF&service-names=a,,b": ErrQueryParam,
	} {
		v, _ := url.ParseQuery(query)
		if _, err := ParseQuery(v); !errors.Is(err, want) {
			t.Errorf("ParseQuery(%s) = %v, want %s", query, err, want.Cause)
		}
	}
}

func TestParseTokenForm(t *testing.T) {
	ok := "grant_type=client_credentials&nfInstanceId=5a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f50&nfType=AMF&targetNfType=UDM&scope=nudm-sdm+nudm-uecm"
	v, _ := url.ParseQuery(ok)
	r, terr := ParseTokenForm(v)
	if terr != nil || r.Scope != "nudm-sdm nudm-uecm" || r.TargetNFType != sbi.NFTypeUDM {
		t.Fatalf("ParseTokenForm = %+v, %v", r, terr)
	}
	if r2, terr := ParseTokenForm(r.Form()); terr != nil || r2 != r {
		t.Errorf("Form does not round trip: %+v %v", r2, terr)
	}
	for form, want := range map[string]string{
		"nfInstanceId=5a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f50&scope=x&targetNfType=UDM":                              InvalidRequest,
		"grant_type=password&nfInstanceId=5a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f50&scope=x&targetNfType=UDM":          UnsupportedGrantType,
		"grant_type=client_credentials&nfInstanceId=amf&scope=x&targetNfType=UDM":                                 InvalidRequest,
		"grant_type=client_credentials&nfInstanceId=5a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f50&scope=&targetNfType=UDM": InvalidScope,
		"grant_type=client_credentials&nfInstanceId=5a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f50&scope=x":                 InvalidRequest,
		ok + "&frob=1":  InvalidRequest,
		ok + "&scope=y": InvalidRequest,
	} {
		v, _ := url.ParseQuery(form)
		if _, terr := ParseTokenForm(v); terr == nil || terr.Error != want {
			t.Errorf("ParseTokenForm(%s) = %v, want %s", form, terr, want)
		}
	}
}
