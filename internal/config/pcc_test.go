package config

import (
	"bytes"
	"errors"
	"testing"
)

// A DNN's PCC rules are read from the file and checked, a fault named
// by its key.
func TestPCCRules(t *testing.T) {
	rule := `
    pcc_rules:
      - id: voice
        flow_descriptions: ["permit out 17 from any 5000-5010 to assigned"]
        5qi: 1
        arp: {priority_level: 2, preempt_vuln: PREEMPTABLE}
        gfbr_uplink: 128 Kbps
        gfbr_downlink: 128 Kbps
        mfbr_uplink: 256 Kbps
        mfbr_downlink: MFBR
`
	file := func(mfbr string) []byte {
		r := bytes.Replace([]byte(rule), []byte("MFBR"), []byte(mfbr), 1)
		return bytes.Replace(DefaultYAML(), []byte("\n    pcc_rules: []"), r[:len(r)-1], 1)
	}
	c, err := Parse(file("2 Mbps"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.DNNs[0].PCCRules[0].Rule()
	if err != nil || r.MFBRDownlink != 2_000_000 || r.FiveQI != 1 || !r.ARP.PreemptionVulnerability || r.FlowDescriptions[0] != "permit out 17 from any 5000-5010 to assigned" {
		t.Errorf("Rule() = %+v, %v", r, err)
	}
	for _, c := range []struct{ mfbr, key string }{
		{"64 Kbps", "dnns[0].pcc_rules[0].mfbr_downlink"},
		{"fast", "dnns[0].pcc_rules[0].mfbr_downlink"},
	} {
		_, err := Parse(file(c.mfbr))
		var e *Error
		if !errors.As(err, &e) || e.Key != c.key {
			t.Errorf("mfbr_downlink %q: Parse = %v, want an error on %s", c.mfbr, err, c.key)
		}
	}
}
