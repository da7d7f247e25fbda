package subdata

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/keelcore/keel/internal/sbi"
)

// FuzzSMData: any sm-data answer converts to Keel's SMData or to an
// error, never a panic; what converts survives the way back unchanged.
func FuzzSMData(f *testing.F) {
	f.Add([]byte(`[{"singleNssai":{"sst":1},"dnnConfigurations":{"internet":{"pduSessionTypes":{"defaultSessionType":"IPV4"},"sscModes":{"defaultSscMode":"SSC_MODE_1"},"5gQosProfile":{"5qi":9,"arp":{"priorityLevel":8,"preemptCap":"NOT_PREEMPT","preemptVuln":"PREEMPTABLE"}},"sessionAmbr":{"uplink":"100 Mbps","downlink":"300 Mbps"},"staticIpAddress":[{"ipv4Addr":"10.45.0.7"},{"ipv6Prefix":"2001:db8:0:7::/64"}]}}}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var w []SessionManagementSubscriptionData
		if json.Unmarshal(body, &w) != nil {
			return
		}
		sm, err := SMData(w)
		if err != nil {
			return
		}
		b, err := json.Marshal(FromSMData(sm))
		if err != nil {
			t.Fatalf("marshal %+v: %v", sm, err)
		}
		var w2 []SessionManagementSubscriptionData
		if err := json.Unmarshal(b, &w2); err != nil {
			t.Fatalf("re-read %s: %v", b, err)
		}
		sm2, err := SMData(w2)
		if err != nil {
			t.Fatalf("re-convert %s: %v", b, err)
		}
		if diff := cmp.Diff(sm, sm2, cmp.Comparer(func(a, b interface{ String() string }) bool { return a.String() == b.String() })); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

// FuzzAMData: any am-data answer converts or fails, never panics.
func FuzzAMData(f *testing.F) {
	f.Add([]byte(`{"subscribedUeAmbr":{"uplink":"50 Mbps","downlink":"200 Mbps"},"nssai":{"defaultSingleNssais":[{"sst":1}],"singleNssais":[{"sst":1},{"sst":2,"sd":"00000a"}]},"subscribedDnnList":["internet"]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var w AccessAndMobilitySubscriptionData
		if json.Unmarshal(body, &w) != nil {
			return
		}
		am, err := w.AMData()
		if err != nil {
			return
		}
		var _ sbi.AMData = am
		if _, err := json.Marshal(FromAMData(am)); err != nil {
			t.Fatalf("marshal %+v: %v", am, err)
		}
	})
}
