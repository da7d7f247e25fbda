package testenv

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestRequestedNSSAINotServed registers UEs that request an S-NSSAI the
// core does not serve (7:00abcd; the core serves SST 1), then UEs that
// request none: all register with the subscriber's default S-NSSAI as
// allowed NSSAI (TS 23.501 §5.15.5.2.1, TS 24.501 §5.5.1.2.4), and the
// first ones' Registration Accepts carry the requested S-NSSAI as
// rejected with cause 0, "not available in the current PLMN or SNPN"
// (§9.11.3.46), decoded by tshark.
func TestRequestedNSSAINotServed(t *testing.T) {
	sctptest.RequireNetNS(t)
	stop := capture(t)
	core, token := startCoreWith(t, func(c *config.Config) { c.AMF.Ciphering = []string{"NEA0"} })

	for _, run := range []struct{ imsi, request string }{{"1", "7:00abcd"}, {"101", "none"}} {
		sum, code, stderr := runSim(t, core.HTTPAddr().String(), token,
			"--amf", core.N2Addr().String(), "--ues", "3", "--provision", "--imsi", run.imsi, "--request-nssai", run.request)
		if code != 0 || sum.Registered != 3 {
			t.Fatalf("keel sim --request-nssai %s = exit %d, %+v\n%s", run.request, code, sum, stderr)
		}
		if diff := cmp.Diff(map[string]int{"1": 3}, sum.AllowedNSSAI); diff != "" {
			t.Errorf("keel sim --request-nssai %s: allowed NSSAI of the UEs (-want +got):\n%s", run.request, diff)
		}
	}

	pcap := stop()
	nas := []string{"-o", "nas-5gs.null_decipher:TRUE"}
	if bad := tshark(t, pcap, append(nas, "-Y", "_ws.malformed || _ws.expert.severity==error")...); bad != "" {
		t.Errorf("tshark found malformed frames or expert errors:\n%s", bad)
	}
	// With NEA0 tshark reads the Registration Accepts: one rejected
	// S-NSSAI with cause 0 in each of the first three, none in the others.
	accepts := strings.Count(tshark(t, pcap, append(nas, "-Y", "nas_5gs.mm.message_type == 0x42", "-T", "fields", "-e", "nas_5gs.mm.message_type")...), "0x42")
	// One frame may bundle several messages: split the fields of each.
	causes := strings.FieldsFunc(tshark(t, pcap, append(nas, "-Y", "nas_5gs.mm.message_type == 0x42", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-e", "nas_5gs.mm.rej_s_nssai.cause")...),
		func(r rune) bool { return r == ',' || r == '\n' })
	if accepts != 6 || !cmp.Equal(causes, []string{"0", "0", "0"}) {
		t.Errorf("tshark: %d Registration Accepts with rejected S-NSSAI causes %q, want 6 with 0 in 3 of them", accepts, causes)
	}
}
