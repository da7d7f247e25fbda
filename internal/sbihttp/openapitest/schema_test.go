package openapitest

import "testing"

// TestCheckSchema: a callback body is checked against its schema, and
// a breach is found.
func TestCheckSchema(t *testing.T) {
	spec, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	const doc = "TS29510_Nnrf_NFManagement.yaml"
	for body, ok := range map[string]bool{
		`{"event":"NF_DEREGISTERED","nfInstanceUri":"http://nrf/nnrf-nfm/v1/nf-instances/x"}`: true,
		`{"event":"NF_REGISTERED","nfInstanceUri":"http://nrf/nnrf-nfm/v1/nf-instances/x","nfProfile":{"nfInstanceId":"5a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f50","nfType":"UDM","nfStatus":"REGISTERED","fqdn":"udm.keel.example"}}`: true,
		`{"event":"NF_REGISTERED","nfInstanceUri":"http://nrf/nnrf-nfm/v1/nf-instances/x"}`: false,
		`{"event":"NF_REGISTERED","nfInstanceUri":"http://nrf/nnrf-nfm/v1/nf-instances/x","nfProfile":{"nfInstanceId":"5a4c5f0e-1b2d-4c3e-8f9a-0b1c2d3e4f50","nfType":"UDM","nfStatus":"REGISTERED","fqdn":"udm.keel.example","allowedNfTypes":["AMF"]}}`: false,
		`{"nfInstanceUri":"http://nrf/x"}`: false,
	} {
		if err := spec.checkSchema(doc, "NotificationData", []byte(body)); (err == nil) != ok {
			t.Errorf("checkSchema(%s) = %v, want valid %v", body, err, ok)
		}
	}
	if err := spec.checkSchema(doc, "NoSuchSchema", []byte(`{}`)); err == nil {
		t.Error("an unknown schema passed")
	}
}
