package amf

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/panics"
	"github.com/keelcore/keel/internal/sbi"
)

// Namf_Communication_N1N2MessageTransfer to a UE whose machine panics
// answers at once that the UE is gone, rather than leaving the SMF to
// wait for its deadline; so does a transfer queued behind the panic.
func TestN1N2TransferToPanickingUE(t *testing.T) {
	var observed atomic.Int32
	rec, err := panics.New(panics.Options{Observe: func(panics.Panic) { observed.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	plmn := ident.PLMN{MCC: "001", MNC: "01"}
	a, err := New(Config{PLMN: plmn, GUAMI: ident.GUAMI{PLMN: plmn}}, Options{Panics: rec})
	if err != nil {
		t.Fatal(err)
	}
	const supi = "imsi-001010000000001"
	// A UE without a machine: the first event that uses it panics.
	u := &ueContext{a: a, log: a.log, supi: supi}
	u.exec.runs = &a.runs
	a.ues.bySUPI[supi] = u
	// Hold the executor so that the second transfer queues behind the
	// first, the one that panics.
	hold := make(chan struct{})
	u.do(func() { <-hold })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := a.N1N2MessageTransfer(ctx, supi, sbi.N1N2MessageTransferReqData{PduSessionID: 1})
			errs <- err
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); queued(u) < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d events queued behind the held one, want 2", queued(u))
		}
	}
	close(hold)
	for range 2 {
		select {
		case err := <-errs:
			if !errors.Is(err, ErrUnknownUE) {
				t.Errorf("N1N2MessageTransfer = %v, want ErrUnknownUE", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("N1N2MessageTransfer still waiting 10 s after the UE's panic")
		}
	}
	if n := observed.Load(); n != 1 {
		t.Errorf("%d panics observed, want 1", n)
	}
}

func queued(u *ueContext) int {
	u.exec.mu.Lock()
	defer u.exec.mu.Unlock()
	return len(u.exec.queue)
}
