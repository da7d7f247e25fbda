package sbi_test

import (
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// TS 23.003 §28.4.2: SD ffffff stands for no SD, so the subscription
// entry of SST 1 without an SD serves a request for SST 1 with SD ffffff,
// and the other way round; another SD is another slice.
func TestSubscribedDNNNoSDValue(t *testing.T) {
	noSD := ident.SNSSAI{SST: 1}
	ffffff := ident.SNSSAI{SST: 1, SD: 0xffffff, HasSD: true}
	other := ident.SNSSAI{SST: 1, SD: 1, HasSD: true}
	for _, tt := range []struct {
		subscribed, asked ident.SNSSAI
		want              bool
	}{
		{noSD, ffffff, true},
		{ffffff, noSD, true},
		{noSD, noSD, true},
		{noSD, other, false},
		{ffffff, other, false},
	} {
		data := []sbi.SMData{{DNN: "internet", SNSSAI: tt.subscribed}}
		if _, ok := sbi.SubscribedDNN(data, "Internet", tt.asked); ok != tt.want {
			t.Errorf("SubscribedDNN(internet in %v, asked %v) found = %v, want %v", tt.subscribed, tt.asked, ok, tt.want)
		}
	}
	if got := ffffff.Canonical(); got != noSD {
		t.Errorf("%v.Canonical() = %v, want %v", ffffff, got, noSD)
	}
}
