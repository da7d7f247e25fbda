package smf

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// TestSubscribedPolicy: the SM policy association's request carries the
// subscribed session AMBR always and the default QoS when the
// subscription has one (TS 29.512 §4.2.2.5, §4.2.2.6).
func TestSubscribedPolicy(t *testing.T) {
	for _, tc := range []struct {
		sub  sbi.SMData
		want sbi.SmPolicyContextData
	}{
		{sbi.SMData{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}, SessionAMBRUplink: 100e6, SessionAMBRDownlink: 2e9, FiveQI: 8, ARPPriority: 2},
			sbi.SmPolicyContextData{SubsSessAmbr: &sbi.Ambr{Uplink: "100 Mbps", Downlink: "2 Gbps"},
				SubsDefQos: &sbi.SubscribedDefaultQos{FiveQI: 8, Arp: sbi.Arp{PriorityLevel: 2, PreemptCap: "NOT_PREEMPT", PreemptVuln: "PREEMPTABLE"}}}},
		{sbi.SMData{DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1}},
			sbi.SmPolicyContextData{SubsSessAmbr: &sbi.Ambr{Uplink: "0 bps", Downlink: "0 bps"}}},
	} {
		var got sbi.SmPolicyContextData
		subscribedPolicy(&got, tc.sub)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("subscribedPolicy(%+v) (-want +got):\n%s", tc.sub, diff)
		}
	}
}
