package amf

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// countingNSSF answers every query with SST 1 allowed and counts them;
// during, when set, runs inside the call.
type countingNSSF struct {
	calls  atomic.Int64
	during func()
}

func (c *countingNSSF) NetworkSliceInformation(context.Context, sbi.NSSelectionQuery) (sbi.AuthorizedNetworkSliceInfo, error) {
	c.calls.Add(1)
	if c.during != nil {
		c.during()
	}
	return sbi.AuthorizedNetworkSliceInfo{AllowedNSSAIList: []sbi.AllowedNSSAI{{AccessType: sbi.AccessType3GPP,
		AllowedSNSSAIList: []sbi.AllowedSNSSAI{{AllowedSNSSAI: ident.SNSSAI{SST: 1}}}}},
		RejectedNSSAIInPLMN: []ident.SNSSAI{{SST: 9}}}, nil
}

func sliceQuery(tai *ident.TAI, requested ...ident.SNSSAI) sbi.NSSelectionQuery {
	return sbi.NSSelectionQuery{NFType: "AMF", NFID: "6f3f8d1e-7b7a-4c1e-9a57-0c2b6a3e0001", TAI: tai,
		SliceInfoForRegistration: &sbi.SliceInfoForRegistration{RequestedNSSAI: requested,
			SubscribedNSSAI: []sbi.SubscribedSNSSAI{{SubscribedSNSSAI: ident.SNSSAI{SST: 1}, DefaultIndication: true}}}}
}

func TestKeptSlices(t *testing.T) {
	n := &countingNSSF{}
	k, err := newKeptSlices(n, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tai := &ident.TAI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, TAC: 1}
	ask := func(q sbi.NSSelectionQuery, wantCalls int64, what string) sbi.AuthorizedNetworkSliceInfo {
		t.Helper()
		got, err := k.NetworkSliceInformation(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if n.calls.Load() != wantCalls {
			t.Fatalf("%s: %d calls to the NSSF, want %d", what, n.calls.Load(), wantCalls)
		}
		return got
	}
	q := sliceQuery(tai, ident.SNSSAI{SST: 1})
	ask(q, 1, "not subscribed")
	ask(q, 2, "not subscribed, again")
	k.start()
	ask(q, 3, "subscribed, first")
	got := ask(q, 3, "subscribed, the same query")
	// The answer given out is a copy: changing it changes no kept one.
	got.RejectedNSSAIInPLMN[0].SST = 100
	if again := ask(q, 3, "after a change to a copy"); again.RejectedNSSAIInPLMN[0].SST != 9 {
		t.Errorf("kept answer changed with the copy given out: %v", again.RejectedNSSAIInPLMN)
	}
	// SD ffffff and no SD are asked apart: the rejected ones are answered
	// as requested.
	ask(sliceQuery(tai, ident.SNSSAI{SST: 1, SD: 0xffffff, HasSD: true}), 4, "another form of the S-NSSAI")
	ask(sliceQuery(nil, ident.SNSSAI{SST: 1}), 5, "no TAI")
	ask(sliceQuery(nil, ident.SNSSAI{SST: 1}), 6, "no TAI, again")
	if k.kept() != 2 {
		t.Errorf("%d answers kept, want 2", k.kept())
	}
	// Past the bound the kept answers are dropped for the new one.
	ask(sliceQuery(tai, ident.SNSSAI{SST: 2}), 7, "a third query")
	if k.kept() != 1 {
		t.Errorf("%d answers kept past the bound of 2, want 1", k.kept())
	}
	k.drop()
	ask(q, 8, "after a notification")
	// An answer asked for before a notification that arrives while the
	// call is under way is not kept.
	n.during = k.drop
	ask(sliceQuery(tai, ident.SNSSAI{SST: 3}), 9, "a call overtaken by a notification")
	n.during = nil
	ask(sliceQuery(tai, ident.SNSSAI{SST: 3}), 10, "the same query after it")
	k.stop()
	ask(q, 11, "unsubscribed")
	if k.kept() != 0 {
		t.Errorf("%d answers kept while unsubscribed, want 0", k.kept())
	}
}
