package nas

import (
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/tsharktest"
)

// TestTsharkDecodesRegistration has tshark, a NAS-5GS decoder written
// apart from Keel, read a REGISTRATION ACCEPT with every optional IE Keel
// sends (TS 24.501 §8.2.7) and a REGISTRATION REJECT #62 with a rejected
// NSSAI (§8.2.9): no malformed packet, no expert warning or error, and
// the values the builders were given.
func TestTsharkDecodesRegistration(t *testing.T) {
	accept, err := RegistrationAccept(nil, fullAccept)
	if err != nil {
		t.Fatal(err)
	}
	reject := RegistrationRejectNSSAI(nil, CauseNoNetworkSlicesAvailable, []RejectedSNSSAI{
		{SNSSAI: ident.SNSSAI{SST: 2}, Cause: RejectedNotAvailableInPLMN},
		{SNSSAI: ident.SNSSAI{SST: 1, SD: 0x10, HasSD: true}, Cause: RejectedNotAvailableInRegistrationArea}})
	// DLT 147 (USER0), which the option to tshark hands to the nas-5gs
	// dissector.
	pcap := tsharktest.Pcap(t, []string{"-l", "147"}, [][]byte{accept, reject})
	run := tsharktest.Runner(t, pcap, "-o", `uat:user_dlts:"User 0 (DLT=147)","nas-5gs","0","","0",""`)
	tsharktest.CheckClean(t, run, "")
	want := []map[string]string{{
		"nas_5gs.mm.message_type": "0x42",
		// Allowed, rejected (2, 3) and configured (1, 2) NSSAI, in order.
		"nas_5gs.mm.sst":                 "1,2,3,1,2",
		"nas_5gs.mm.mm_sd":               "1122867,11259375",
		"nas_5gs.mm.rej_s_nssai.cause":   "0,1",
		"nas_5gs.mm.len_of_rej_s_nssai":  "1,4",
		"nas_5gs.nw_feat_sup.vops_3gpp":  "1",
		"nas_5gs.nw_feat_sup.emc":        "1",
		"nas_5gs.nw_feat_sup.emf":        "0",
		"nas_5gs.mm.sal_al_t":            "0",
		"nas_5gs.mm.sal_t_li":            "0",
		"nas_5gs.mm.sal_num_e":           "1",
		"nas_5gs.tac":                    "1,1,2",
		"gsm_a.gm.gmm.gprs_timer2_unit":  "1",
		"gsm_a.gm.gmm.gprs_timer2_value": "12",
		"gsm_a.dtap.emergency_bcd_num":   "112,1400",
		"gsm_a.dtap.serv_cat_b1":         "1,0",
		"gsm_a.dtap.serv_cat_b3":         "1,0",
		"gsm_a.dtap.serv_cat_b5":         "0,1",
		"nas_5gs.mm.5gmm_cause":          "",
	}, {
		"nas_5gs.mm.message_type":      "0x44",
		"nas_5gs.mm.5gmm_cause":        "62",
		"nas_5gs.mm.sst":               "2,1",
		"nas_5gs.mm.mm_sd":             "16",
		"nas_5gs.mm.rej_s_nssai.cause": "0,1",
	}}
	var fields []string
	for _, w := range want {
		for f := range w {
			fields = append(fields, f)
		}
	}
	got := tsharktest.Fields(t, run, len(want), fields)
	for i, w := range want {
		for f, v := range w {
			if got[i][f] != v {
				t.Errorf("frame %d: tshark %s = %q, want %q", i+1, f, got[i][f], v)
			}
		}
	}
	if t.Failed() {
		t.Logf("tshark:\n%s", run("-V"))
	}
}
