package nnrf

import (
	"testing"

	"github.com/keelcore/keel/internal/ident"
)

// TestQueryKey: the cache key is equal for equal queries and tells apart
// queries that differ in any parameter, even when the values' text runs
// the same end to end.
func TestQueryKey(t *testing.T) {
	base := Query{TargetNFType: "UDM", RequesterNFType: "AMF", RequesterNFInstanceID: "4947a69a-f61b-4bc1-b9da-47c9c5d14b64", ServiceNames: []string{"nudm-sdm", "nudm-uecm"}}
	same := base
	same.ServiceNames = []string{"nudm-sdm", "nudm-uecm"}
	if base.Key() != same.Key() {
		t.Errorf("equal queries: keys %q and %q", base.Key(), same.Key())
	}
	tai := ident.TAI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, TAC: 1}
	distinct := []Query{
		base,
		{TargetNFType: "UDM", RequesterNFType: "AMF", TargetNFInstanceID: "4947a69a-f61b-4bc1-b9da-47c9c5d14b64", ServiceNames: []string{"nudm-sdm", "nudm-uecm"}},
		{TargetNFType: "UDM", RequesterNFType: "AMF", RequesterNFInstanceID: "4947a69a-f61b-4bc1-b9da-47c9c5d14b64", ServiceNames: []string{"nudm-sdm"}},
		{TargetNFType: "UDMA", RequesterNFType: "MF", RequesterNFInstanceID: "4947a69a-f61b-4bc1-b9da-47c9c5d14b64", ServiceNames: []string{"nudm-sdm", "nudm-uecm"}},
		{TargetNFType: "UDM", RequesterNFType: "AMF", RequesterNFInstanceID: "4947a69a-f61b-4bc1-b9da-47c9c5d14b64", ServiceNames: []string{"nudm-sdm", "nudm-uecm"}, DNN: "internet"},
		{TargetNFType: "UDM", RequesterNFType: "AMF", RequesterNFInstanceID: "4947a69a-f61b-4bc1-b9da-47c9c5d14b64", ServiceNames: []string{"nudm-sdm", "nudm-uecm"}, SUPI: "imsi-001010000000001"},
		{TargetNFType: "UDM", RequesterNFType: "AMF", RequesterNFInstanceID: "4947a69a-f61b-4bc1-b9da-47c9c5d14b64", ServiceNames: []string{"nudm-sdm", "nudm-uecm"}, RoutingIndicator: "0"},
		{TargetNFType: "UDM", RequesterNFType: "AMF", RequesterNFInstanceID: "4947a69a-f61b-4bc1-b9da-47c9c5d14b64", ServiceNames: []string{"nudm-sdm", "nudm-uecm"}, SNSSAIs: []ident.SNSSAI{{SST: 1}}},
		{TargetNFType: "UDM", RequesterNFType: "AMF", RequesterNFInstanceID: "4947a69a-f61b-4bc1-b9da-47c9c5d14b64", ServiceNames: []string{"nudm-sdm", "nudm-uecm"}, TAI: &tai},
		{TargetNFType: "UDM", RequesterNFType: "AMF", RequesterNFInstanceID: "4947a69a-f61b-4bc1-b9da-47c9c5d14b64", ServiceNames: []string{"nudm-sdm", "nudm-uecm"}, Limit: 1},
	}
	seen := map[string]int{}
	for i, q := range distinct {
		k := q.Key()
		if j, dup := seen[k]; dup {
			t.Errorf("queries %d and %d share the key %q", j, i, k)
		}
		seen[k] = i
		// The key follows the wire form: a query read back from its
		// parameters has the same key.
		back, err := ParseQuery(q.Values())
		if err != nil {
			t.Fatalf("query %d: ParseQuery(Values) = %v", i, err)
		}
		if back.Key() != k {
			t.Errorf("query %d: key %q, read back %q", i, k, back.Key())
		}
	}
}
