package subdata_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/subdata"
	"github.com/keelcore/keel/internal/sbihttp/subdata/subdatatest"
	"github.com/keelcore/keel/internal/strictjson"
)

// amSeeds and smSeeds hold the committed corpora's bodies and the
// faults of each kind, in each place.
var amSeeds = []string{
	`{"subscribedUeAmbr":{"uplink":"50 Mbps","downlink":"200 Mbps"},"nssai":{"defaultSingleNssais":[{"sst":1}],"singleNssais":[{"sst":1},{"sst":2,"sd":"00000a"}]},"subscribedDnnList":["internet"]}`,
	`{}`, `null`, `{"nssai":null,"subscribedUeAmbr":null,"subscribedDnnList":null}`, `{"nssai":{"defaultSingleNssais":[]}}`,
	`{"subscribedUeAmbr":{"uplink":"1 Mbps"},"subscribedUeAmbr":{"downlink":"2 Mbps"}}`,
	`{"SubscribedUeAmbr":{"uplink":"1 Mbps"}}`, `{"subscribedUeAmbr":{"Uplink":1}}`, `{"subscribedUeAmbr":{"uplink":1},"x":1}`,
	`{"nssai":{"defaultSingleNssais":[{"sst":256}]}}`, `{"nssai":{"defaultSingleNssais":[{"sst":1,"sd":"xyz"}]},"subscribedDnnList":[1]}`,
	`{"subscribedDnnList":["a",null,"\u00e9\ud800"]}`, `{"subscribedDnnList":["a","b"],"subscribedDnnList":[null]}`,
	`{"nssai":[]}`, `{"nssai":{"defaultSingleNssais":{}}}`, `{"subscribedUeAmbr":{"uplink":"<&>\u2028"}}`, `{"subscribedUeAmbr":{}} {}`,
	`{"subscribedUeAmbr":{"uplink":"1 Mbps",}}`, `[]`, `"x"`, `{"nssai":{"defaultSingleNssais":[{"sst":1}],"defaultSingleNssais":[null,{"sst":3}]}}`,
}

var smSeeds = []string{
	`[{"singleNssai":{"sst":1},"dnnConfigurations":{"internet":{"pduSessionTypes":{"defaultSessionType":"IPV4"},"sscModes":{"defaultSscMode":"SSC_MODE_1"},"5gQosProfile":{"5qi":9,"arp":{"priorityLevel":8,"preemptCap":"NOT_PREEMPT","preemptVuln":"PREEMPTABLE"}},"sessionAmbr":{"uplink":"100 Mbps","downlink":"300 Mbps"},"staticIpAddress":[{"ipv4Addr":"10.45.0.7"},{"ipv6Prefix":"2001:db8:0:7::/64"}]}}}]`,
	`[]`, `[{}]`, `null`, `[null]`, `{}`, `[{"singleNssai":null,"dnnConfigurations":null}]`,
	`[{"singleNssai":{"sst":1},"dnnConfigurations":{"a":{},"a":{}}}]`,
	`[{"singleNssai":{"sst":1},"dnnConfigurations":{"a b":{}}}]`,
	`[{"dnnConfigurations":{"a":{"PduSessionTypes":{}}}}]`, `[{"dnnConfigurations":{"a":{"pduSessionTypes":{"x":1},"sscModes":1}}}]`,
	`[{"dnnConfigurations":{"a":{"5gQosProfile":{"5qi":1.5}}}}]`, `[{"dnnConfigurations":{"a":{"5gQosProfile":{"5qi":99999999999999999999}}}}]`,
	`[{"dnnConfigurations":{"a":{"5gQosProfile":{"5qi":1e2}}}}]`, `[{"dnnConfigurations":{"a":{"5gQosProfile":{"5qi":-0,"arp":{"priorityLevel":"1"}}}}}]`,
	`[{"dnnConfigurations":[]}]`, `[{"dnnConfigurations":{"a":null,"b":[]}}]`, `[{"x":1,"dnnConfigurations":{"a":{"sscModes":"x"}}}]`,
	`[{"singleNssai":{"sst":1},"singleNssai":{"sst":2,"sd":"000001"}}]`, `[{"singleNssai":{"sst":"1"}}]`,
	`[{"dnnConfigurations":{"a":{"staticIpAddress":[{"ipv4Addr":"1.2.3.4"},{"ipv6Prefix":"::/64"}]}}},{"dnnConfigurations":{"a":{"staticIpAddress":[]}}}]`,
	`[{"dnnConfigurations":{"a":{"staticIpAddress":[{"ipv4Addr":"1"},{"ipv4Addr":"2"}],"staticIpAddress":[{"ipv6Prefix":"x"}]}}}]`,
	`[{"dnnConfigurations":{"\u0061":{"sscModes":{"allowedSscModes":["SSC_MODE_1",null]}}}}]`, `[{"dnnConfigurations":{"a":{}}]`,
	`[{"singleNssai":{"sst":1},"dnnConfigurations":{"a":{"Sessionambr":{"uplink":"x"}}}}]`, `[{"SingleNssai":{"sst":1}}]`,
}

func TestAMDataJSONAgreesWithReference(t *testing.T) {
	for _, s := range append(amSeeds, string(realAM(t))) {
		subdatatest.Compare(t, []byte(s), new(subdata.AccessAndMobilitySubscriptionData), new(subdatatest.AM))
	}
}

func TestSMDataJSONAgreesWithReference(t *testing.T) {
	for _, s := range append(smSeeds, string(realSM(t))) {
		subdatatest.Compare(t, []byte(s), new(subdata.SMDataList), new([]subdatatest.SM))
	}
}

// The real bodies decode to what was encoded, byte for byte.
func TestRealBodiesRoundTrip(t *testing.T) {
	for _, body := range [][]byte{realAM(t), realSM(t)} {
		var v any = new(subdata.SMDataList)
		if body[0] == '{' {
			v = new(subdata.AccessAndMobilitySubscriptionData)
		}
		if err := sbihttp.DecodeBytes(body, v); err != nil {
			t.Fatalf("DecodeBytes(%s) = %v", body, err)
		}
		got, err := v.(sbihttp.JSONAppender).AppendJSON(nil)
		if err != nil || string(got) != string(body) {
			t.Fatalf("AppendJSON = %s, %v, want %s", got, err, body)
		}
	}
}

// TestErrorsNameTheAttribute: the refusals carry TS 29.500 causes and
// the attribute's JSON pointer.
func TestErrorsNameTheAttribute(t *testing.T) {
	for _, c := range []struct {
		body  string
		want  error
		param string
	}{
		{`[{"dnnConfigurations":{"a":{"5gQosProfile":{"5qi":1.5}}}}]`, sbi.ErrInvalidRequest, "/0/dnnConfigurations/a/5gQosProfile/5qi"},
		{`[{"singleNssai":{"sst":1},"SingleNssai":{"sst":1}}]`, sbi.ErrInvalidMsgFormat, "/0/SingleNssai"},
		{`[{"dnnConfigurations":{"a":{"sscModes":{"defaultSscMode":1}},"b":{"x":1}}}]`, sbi.ErrInvalidRequest, "/0/dnnConfigurations/a/sscModes/defaultSscMode"},
		{`[{"dnnConfigurations":{"a":{"sscModes":{"defaultSscMode":"x","y":1}}}}]`, sbi.ErrInvalidMsgFormat, "/0/dnnConfigurations/a/sscModes/y"},
		{`[{"dnnConfigurations":{"a":{},"a":{}}}]`, sbi.ErrInvalidRequest, ""},
		{`[{"singleNssai":{"sst":1}}`, sbi.ErrInvalidMsgFormat, ""},
	} {
		err := sbihttp.DecodeBytes([]byte(c.body), new(subdata.SMDataList))
		if sbi.ProblemOf(err) != sbi.ProblemOf(c.want) {
			t.Errorf("DecodeBytes(%s) = %v, want %v", c.body, err, c.want)
			continue
		}
		var pe *sbihttp.ParamError
		if c.param != "" && (!errors.As(err, &pe) || pe.Params[0].Param != c.param) {
			t.Errorf("DecodeBytes(%s) = %v, want the parameter %s", c.body, err, c.param)
		}
	}
}

// TestLenientSkipsUndefinedAttributes: an answer from a peer may hold
// attributes of a later release.
func TestLenientSkipsUndefinedAttributes(t *testing.T) {
	body := `[{"singleNssai":{"sst":1},"x":{"y":[1]},"dnnConfigurations":{"a":{"sscModes":{"defaultSscMode":"SSC_MODE_1","z":1},"5gQosProfile":{"5qi":9,"arp":{"priorityLevel":1,"preemptCap":"","preemptVuln":"","w":null}}}}}]`
	var l subdata.SMDataList
	r := strictjson.NewReader([]byte(body), true)
	l.DecodeJSON(r)
	if err := r.Finish(); err != nil {
		t.Fatalf("lenient DecodeJSON(%s) = %v", body, err)
	}
	if len(l) != 1 || len(l[0].DnnConfigurations) != 1 || l[0].DnnConfigurations[0].Config.QosProfile.FiveQI != 9 {
		t.Fatalf("lenient DecodeJSON(%s) = %+v", body, l)
	}
}

// The codecs behind UnmarshalJSON and MarshalJSON are the same.
func TestMethodsDelegate(t *testing.T) {
	body := realSM(t)
	var l subdata.SMDataList
	if err := json.Unmarshal(body, &l); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(l)
	if err != nil || string(b) != string(body) {
		t.Fatalf("json.Marshal = %s, %v, want %s", b, err, body)
	}
	err = json.Unmarshal([]byte(`[{"dnnConfigurations":{"a":{"x":1}}}]`), &l)
	if err == nil || !strings.Contains(err.Error(), "/dnnConfigurations/a/x") {
		t.Fatalf("json.Unmarshal of an undefined attribute = %v", err)
	}
}

func FuzzAMDataJSON(f *testing.F) {
	for _, s := range amSeeds {
		f.Add([]byte(s))
	}
	f.Add(realAM(f))
	f.Fuzz(func(t *testing.T, body []byte) {
		subdatatest.Compare(t, body, new(subdata.AccessAndMobilitySubscriptionData), new(subdatatest.AM))
	})
}

func FuzzSMDataJSON(f *testing.F) {
	for _, s := range smSeeds {
		f.Add([]byte(s))
	}
	f.Add(realSM(f))
	f.Fuzz(func(t *testing.T, body []byte) {
		subdatatest.Compare(t, body, new(subdata.SMDataList), new([]subdatatest.SM))
	})
}
