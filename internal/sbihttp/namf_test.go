package sbihttp_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// scriptedAMF is a Namf_Communication that records the transfers it is
// given: UE "imsi-...1" is connected, "imsi-...2" idle (paged), others
// unknown.
type scriptedAMF struct {
	mu        sync.Mutex
	ues       []string
	transfers []sbi.N1N2MessageTransferReqData
}

const idleUE = "imsi-001010000000002"

func (a *scriptedAMF) N1N2MessageTransfer(_ context.Context, ue string, req sbi.N1N2MessageTransferReqData) (sbi.N1N2MessageTransferRspData, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ues, a.transfers = append(a.ues, ue), append(a.transfers, req)
	switch ue {
	case supi:
		return sbi.N1N2MessageTransferRspData{Cause: sbi.N1N2TransferInitiated}, nil
	case idleUE:
		if req.FailureNotify == nil {
			return sbi.N1N2MessageTransferRspData{}, fmt.Errorf("amf: %w", sbi.ErrUENotReachable)
		}
		return sbi.N1N2MessageTransferRspData{Cause: sbi.N1N2AttemptingToReachUE}, nil
	}
	return sbi.N1N2MessageTransferRspData{}, fmt.Errorf("amf: %w", sbi.ErrUENotReachable)
}

// failures records N1N2 transfer failure notifications.
type failures struct {
	mu  sync.Mutex
	got []string
}

func (f *failures) N1N2TransferFailed(_ context.Context, ue string, psi uint8, cause sbi.N1N2MessageTransferCause) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, fmt.Sprintf("%s/%d %s", ue, psi, cause))
}

var namfBindings = []struct {
	name string
	bind func(t *testing.T, amf sbi.NamfCommunication, n sbi.N1N2FailureNotifier) sbi.NamfCommunication
}{
	{"direct", func(t *testing.T, amf sbi.NamfCommunication, _ sbi.N1N2FailureNotifier) sbi.NamfCommunication {
		return amf
	}},
	{"http2", func(t *testing.T, amf sbi.NamfCommunication, n sbi.N1N2FailureNotifier) sbi.NamfCommunication {
		pl := newPlane(t)
		sbihttp.ServeNamf(pl.producer, amf, pl.notifier)
		pl.cb.SetN1N2Notifier(n)
		pl.start(t)
		return sbihttp.NewNamfClient(pl.client, pl.cb)
	}},
}

// TestNamfN1N2MessageTransfer: the same transfers directly and over
// HTTP/2 (binary N1 and N2 parts): initiated for a connected UE (200),
// attempting to reach an idle one (202) whose failure notification
// reaches the sender, refused for an unreachable one (TS 29.518
// §5.2.2.3.1).
func TestNamfN1N2MessageTransfer(t *testing.T) {
	for _, b := range namfBindings {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			amf := &scriptedAMF{}
			notified := &failures{}
			s := b.bind(t, amf, notified)

			n1, n2 := []byte{0x2e, 1, 0, 0xd3, 0x24}, []byte{0x00, 0x10}
			rsp, err := s.N1N2MessageTransfer(ctx, supi, sbi.NewN1N2Transfer(1, n1, sbi.NgapPduResRelCmd, n2))
			if err != nil || rsp.Cause != sbi.N1N2TransferInitiated {
				t.Fatalf("transfer to a connected UE = %v, %v; want N1_N2_TRANSFER_INITIATED", rsp.Cause, err)
			}
			got := amf.transfers[0]
			typ, gotN2 := got.N2()
			if amf.ues[0] != supi || got.PduSessionID != 1 || string(got.N1()) != string(n1) || typ != sbi.NgapPduResRelCmd || string(gotN2) != string(n2) || got.FailureNotify != nil {
				t.Errorf("the AMF was given %s %+v", amf.ues[0], got)
			}

			req := sbi.NewN1N2Transfer(2, nil, sbi.NgapPduResSetupReq, []byte{0x01})
			req.FailureNotify = notified
			rsp, err = s.N1N2MessageTransfer(ctx, idleUE, req)
			if err != nil || rsp.Cause != sbi.N1N2AttemptingToReachUE {
				t.Fatalf("transfer to an idle UE = %v, %v; want ATTEMPTING_TO_REACH_UE", rsp.Cause, err)
			}
			paged := amf.transfers[1]
			if paged.FailureNotify == nil || paged.N1() != nil || paged.N2Of(sbi.NgapPduResSetupReq) == nil {
				t.Fatalf("the AMF was given %+v, want the setup transfer with a failure notifier", paged)
			}
			paged.FailureNotify.N1N2TransferFailed(ctx, idleUE, 2, sbi.N1N2UENotResponding)
			notified.mu.Lock()
			if len(notified.got) != 1 || notified.got[0] != idleUE+"/2 UE_NOT_RESPONDING" {
				t.Errorf("failure notifications %q, want one for %s/2 UE_NOT_RESPONDING", notified.got, idleUE)
			}
			notified.mu.Unlock()

			if _, err := s.N1N2MessageTransfer(ctx, idleUE, sbi.NewN1N2Transfer(2, n1, sbi.NgapIeNone, nil)); !errors.Is(err, sbi.ErrUENotReachable) {
				t.Errorf("transfer without a notifier to an idle UE = %v, want ErrUENotReachable", err)
			}
			if _, err := s.N1N2MessageTransfer(ctx, "imsi-001019999999999", sbi.NewN1N2Transfer(1, n1, sbi.NgapIeNone, nil)); !errors.Is(err, sbi.ErrUENotReachable) {
				t.Errorf("transfer to an unknown UE = %v, want ErrUENotReachable", err)
			}
		})
	}
}
