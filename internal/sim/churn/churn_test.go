package churn

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/pipe"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/ue"
)

var testPLMN = ident.PLMN{MCC: "001", MNC: "01"}

// fakeAMF answers NG Setup on every association: the second with a
// refusal and a Time to Wait of 1 s, the others with a response.
type fakeAMF struct {
	mu     sync.Mutex
	setups int
}

func (a *fakeAMF) serve(ctx context.Context, l sctp.Listener, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		c, err := l.Accept(ctx)
		if err != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Abort()
			a.answer(ctx, c)
			// Hold the association until the gNB drops it.
			for {
				if _, err := c.Recv(ctx); err != nil {
					return
				}
			}
		}()
	}
}

func (a *fakeAMF) answer(ctx context.Context, c sctp.Conn) {
	in, err := c.Recv(ctx)
	if err != nil {
		return
	}
	if m, err := ngap.Decode(in.Data); err != nil {
		return
	} else if _, ok := m.(*message.NGSetupRequest); !ok {
		return
	}
	a.mu.Lock()
	a.setups++
	n := a.setups
	a.mu.Unlock()
	var m message.Message = ngap.NGSetupFailure(ngap.MiscCause(ie.CauseMiscPresentUnspecified), int(ie.TimeToWaitPresentV1s), nil)
	if n != 2 {
		if m, err = ngap.NGSetupResponse(ngap.AMFInfo{Name: "fake-amf", GUAMIs: []ident.GUAMI{{PLMN: testPLMN, RegionID: 1, SetID: 1}},
			PLMNs: []ident.PLMN{testPLMN}, Slices: []ident.SNSSAI{{SST: 1}}, Capacity: 255}); err != nil {
			return
		}
	}
	if b, err := ngap.Encode(m); err == nil {
		c.Send(ctx, sctp.Message{PPID: sctp.PPIDNGAP, Data: b})
	}
}

// The gNB drops and reconnects on schedule; an NG Setup refused with a
// Time to Wait is waited out and counted apart; failures on a gNB the
// run did not drop are unexpected.
func TestReconnects(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	tr := pipe.New()
	l, err := tr.Listen(ctx, netip.MustParseAddrPort("127.0.0.1:38412"))
	if err != nil {
		t.Fatal(err)
	}
	var amf fakeAMF
	var wg sync.WaitGroup
	wg.Add(1)
	go amf.serve(ctx, l, &wg)
	defer func() {
		cancel()
		l.Close()
		tr.Close()
		wg.Wait()
	}()

	sum, err := Run(context.Background(), Config{
		Transport: tr, AMFs: []netip.AddrPort{l.Addr()},
		GNBs: []gnb.Config{{ID: ngap.RANNodeID{PLMN: testPLMN, Kind: ngap.KindGNB, ID: 1, Bits: 22}, Name: "gnb-1",
			TAs: []ngap.TA{{TAC: 1, PLMNs: []ident.PLMN{testPLMN}, Slices: []ident.SNSSAI{{SST: 1}}}}}},
		UEs:   2,
		NewUE: func(int) (*ue.UE, error) { return nil, errors.New("no USIM") },
		// First drop at 300 ms, refused, waited 1 s; then drops every 300 ms.
		Duration: 3 * time.Second, ReconnectEvery: 300 * time.Millisecond, Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "ng-setup-failure " + ngap.CauseString(ngap.MiscCause(ie.CauseMiscPresentUnspecified))
	if sum.ReconnectWaits[want] != 1 || len(sum.ReconnectWaits) != 1 {
		t.Errorf("reconnect waits = %v, want one %q", sum.ReconnectWaits, want)
	}
	if sum.Reconnects < 2 {
		t.Errorf("reconnects = %d, want at least 2 in 3 s", sum.Reconnects)
	}
	if sum.Failures["ue"] == 0 || len(sum.Failures) != 1 {
		t.Errorf("failures = %v, want only the UEs' own (\"ue\")", sum.Failures)
	}
	if sum.Cycles != 0 {
		t.Errorf("cycles = %d, want none", sum.Cycles)
	}
}
