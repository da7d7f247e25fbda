package pcf

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

func TestAssociationRecord(t *testing.T) {
	rule := sbi.PCCRule{ID: "ue-1", FlowDescriptions: []string{"permit out 17 from any to assigned"}, FiveQI: 1,
		ARP: sbi.ARP{PriorityLevel: 2, PreemptionCapability: true}, GFBRUplink: 1, GFBRDownlink: 2, MFBRUplink: 3, MFBRDownlink: 4}
	a := association{SUPI: "imsi-001010000000001", PDUSessionID: 5, DNN: "internet", SNSSAI: ident.SNSSAI{SST: 1, SD: 0xabcdef, HasSD: true},
		Decision: decision{AMBRUplink: 1e9, AMBRDownlink: 2e9, FiveQI: 9, ARPPriority: 8, PCCRules: []sbi.PCCRule{rule}},
		UERules:  []sbi.PCCRule{rule}, UERulesMade: 1, NotificationURI: "https://smf.example/cb", ResourceURI: "https://pcf.example/x"}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeAssociation(b)
	if err != nil {
		t.Fatalf("decodeAssociation(%s) = %v", b, err)
	}
	if diff := cmp.Diff(a, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("decodeAssociation(json.Marshal(a)) (-want +got):\n%s", diff)
	}
	for _, bad := range []string{``, `{`, `[]`, `{"unknown":1}`, `{}{}`, `{"pduSessionId":256}`} {
		if _, err := decodeAssociation([]byte(bad)); err == nil {
			t.Errorf("decodeAssociation(%s) = nil error", bad)
		}
	}
}

// FuzzDecodeAssociation: a record value, whatever the store holds, never
// panics the decoder, and what it accepts encodes.
func FuzzDecodeAssociation(f *testing.F) {
	f.Add([]byte(`{"supi":"imsi-001010000000001","pduSessionId":1,"dnn":"internet","sliceInfo":{"sst":1},"decision":{"ambrUl":1,"ambrDl":2,"5qi":9,"arpPriority":8}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := decodeAssociation(b)
		if err != nil {
			return
		}
		if _, err := json.Marshal(a); err != nil {
			t.Errorf("json.Marshal(decodeAssociation(%q)) = %v", b, err)
		}
	})
}
