package nudr

import (
	"testing"

	"github.com/keelcore/keel/internal/sbihttp/subdata/subdatatest"
)

var provisionedSeeds = []string{
	`{"amData":{"subscribedUeAmbr":{"uplink":"1 Gbps","downlink":"2 Gbps"},"nssai":{"defaultSingleNssais":[{"sst":1}],"singleNssais":[{"sst":1},{"sst":2,"sd":"00000a"}]},"subscribedDnnList":["internet","ims"]},"smData":[{"singleNssai":{"sst":1},"dnnConfigurations":{"internet":{"pduSessionTypes":{"defaultSessionType":"IPV4","allowedSessionTypes":["IPV4","IPV6","IPV4V6"]},"sscModes":{"defaultSscMode":"SSC_MODE_1","allowedSscModes":["SSC_MODE_1"]},"5gQosProfile":{"5qi":9,"arp":{"priorityLevel":8,"preemptCap":"NOT_PREEMPT","preemptVuln":"PREEMPTABLE"}},"sessionAmbr":{"uplink":"100 Mbps","downlink":"300 Mbps"},"staticIpAddress":[{"ipv4Addr":"10.45.0.7"}]}}}]}`,
	`{"smData":[{"singleNssai":null}]}`, `{}`, `null`, `{"amData":null,"smData":[]}`, `{"amData":{},"smData":null}`,
	`{"AmData":{}}`, `{"amData":{"x":1},"smData":[{"dnnConfigurations":{"a":{"sscModes":2}}}]}`,
	`{"amData":{"subscribedUeAmbr":[]},"smData":[{"dnnConfigurations":{"a":{"y":1}}}]}`, `{"amData":{"Nssai":{}},"smData":{}}`,
	`{"amData":{"subscribedDnnList":["a"]},"amData":{"subscribedDnnList":[]}}`, `{"amData":{}}x`,
}

func TestProvisionedJSONAgreesWithReference(t *testing.T) {
	for _, s := range provisionedSeeds {
		subdatatest.Compare(t, []byte(s), new(provisionedDataSets), new(subdatatest.Provisioned))
	}
}

func FuzzProvisionedJSON(f *testing.F) {
	for _, s := range provisionedSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		subdatatest.Compare(t, body, new(provisionedDataSets), new(subdatatest.Provisioned))
	})
}
