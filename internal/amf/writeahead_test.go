package amf_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/amf/uerecord"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/metrictest"
	"github.com/keelcore/keel/internal/sim/scenario"
	"github.com/keelcore/keel/internal/sim/ue"
	"github.com/keelcore/keel/internal/store"
	"github.com/keelcore/keel/internal/store/memrecords"
)

// slowRecords is a store whose UE context writes take delay, as a remote
// database's do, and fail while failing is set; its reads fail while
// readFailing is.
type slowRecords struct {
	store.Records
	delay                time.Duration
	failing, readFailing atomic.Bool
}

func (s *slowRecords) GetRecord(ctx context.Context, kind store.RecordKind, key string) (store.Record, error) {
	if s.readFailing.Load() {
		return store.Record{}, errStoreDown
	}
	return s.Records.GetRecord(ctx, kind, key)
}

var errStoreDown = errors.New("test store: down")

func (s *slowRecords) PutRecord(ctx context.Context, r store.Record) (int64, error) {
	if s.failing.Load() {
		return 0, errStoreDown
	}
	if r.Kind == uerecord.Kind {
		select {
		case <-time.After(s.delay):
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return s.Records.PutRecord(ctx, r)
}

// The store holds what the UE relies on before the UE can rely on it
// (TS 23.501 §5.21.2.3; writeahead.go): with UE context writes taking
// 50 ms, the moment the UE has processed its REGISTRATION ACCEPT the
// store holds its context with the 5G-GUTI the accept gave and the
// index of that 5G-GUTI, and the moment it has processed its PDU
// SESSION ESTABLISHMENT ACCEPT the context holds the session. No wait:
// the record is read at once.
func TestAMFSetWriteAhead(t *testing.T) {
	smf := newIdleSMF(t)
	mem := memrecords.New()
	records := &slowRecords{Records: mem, delay: 50 * time.Millisecond}
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{
		services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s },
		records:  records,
	})
	g := c.gnbN3(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := c.ue(t, 0)
	supi := supiOf(0)
	s, _, err := scenario.Register(ctx, g, u)
	if err != nil {
		t.Fatal(err)
	}
	guti, ok := u.FiveGGUTI()
	if !ok {
		t.Fatal("UE registered without a 5G-GUTI")
	}
	saved := readContext(t, mem, supi)
	if saved.GUTI != guti {
		t.Errorf("when the UE got its REGISTRATION ACCEPT the store held 5G-GUTI %s, want the accept's %s", saved.GUTI, guti)
	}
	if idx, err := mem.GetRecord(ctx, uerecord.Kind, uerecord.GUTIKey(guti)); err != nil || string(idx.Value) != supi {
		t.Errorf("when the UE got its REGISTRATION ACCEPT the index of %s = %q, %v; want %s", guti, idx.Value, err, supi)
	}
	if _, _, err := s.EstablishPDUSession(ctx, 5, "internet", ident.SNSSAI{SST: 1}); err != nil {
		t.Fatal(err)
	}
	saved = readContext(t, mem, supi)
	if len(saved.Sessions) != 1 || saved.Sessions[0].ID != 5 {
		t.Errorf("when the UE got its PDU SESSION ESTABLISHMENT ACCEPT the store held sessions %+v, want session 5", saved.Sessions)
	}
	if got := metrictest.Value(t, c.reg, "keel_amf_ue_context_write_ahead_total", "result", "saved"); got < 2 {
		t.Errorf("keel_amf_ue_context_write_ahead_total{result=saved} = %v, want at least 2 (registration, session)", got)
	}
}

// A store that fails does not stop the instance from serving its UEs:
// the REGISTRATION ACCEPT that waited for the failed write goes anyway,
// counted as unsaved.
func TestAMFSetWriteAheadStoreDown(t *testing.T) {
	records := &slowRecords{Records: memrecords.New()}
	records.failing.Store(true)
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{records: records})
	g := c.gnbN3(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, _, err := scenario.Register(ctx, g, c.ue(t, 0)); err != nil {
		t.Fatalf("registration with the store down: %v", err)
	}
	if got := metrictest.Value(t, c.reg, "keel_amf_ue_context_write_ahead_total", "result", "unsaved"); got < 1 {
		t.Errorf("keel_amf_ue_context_write_ahead_total{result=unsaved} = %v, want at least 1", got)
	}
}

// A store that fails when another instance of the set reads a UE's
// context is no word on the UE: its Service Request is not refused as
// unknown (which would make it register again) but its connection
// released without an answer, and the UE's next try, the store back,
// is accepted with its session.
func TestAMFSetRestoreStoreDown(t *testing.T) {
	smf := newIdleSMF(t)
	records := &slowRecords{Records: memrecords.New()}
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{
		services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s },
		records:  records,
	})
	b := c.peer(t, 5, records)
	ga := c.gnbN3(t, 1)
	gb := b.gnbN3(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := c.ue(t, 0)
	s, _, err := scenario.Register(ctx, ga, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EstablishPDUSession(ctx, 5, "internet", ident.SNSSAI{SST: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(ctx); err != nil {
		t.Fatal(err)
	}
	waitContext(t, records, supiOf(0), "saved idle with its session", func(r uerecord.UE) bool {
		return len(r.Sessions) == 1 && r.Security.ULCount == u.NextULCount()
	})
	stopCtx, stop := context.WithTimeout(ctx, 5*time.Second)
	if err := c.amf.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	stop()

	records.readFailing.Store(true)
	at := &scenario.Session{UE: u, GNB: gb}
	if _, err := at.ServiceRequest(ctx, ue.ServiceData, 5); scenario.Cause(err) != "released" {
		t.Fatalf("Service Request at B with the store failing: %v, want the connection released without an answer", err)
	}
	if _, ok := u.FiveGGUTI(); !ok {
		t.Fatal("the UE lost its 5G-GUTI: refused as unknown")
	}
	if got := metrictest.Value(t, b.reg, "keel_amf_ue_context_restores_total", "result", "error"); got != 1 {
		t.Errorf("B's keel_amf_ue_context_restores_total{result=error} = %v, want 1", got)
	}
	records.readFailing.Store(false)
	if _, err := at.ServiceRequest(ctx, ue.ServiceData, 5); err != nil {
		t.Fatalf("Service Request at B with the store back: %v", err)
	}
	if got := metrictest.Value(t, b.reg, "keel_amf_ue_context_restores_total", "result", "restored"); got != 1 {
		t.Errorf("B's keel_amf_ue_context_restores_total{result=restored} = %v, want 1", got)
	}
}

// readContext reads the context of supi saved in m now.
func readContext(t *testing.T, m store.Records, supi string) uerecord.UE {
	t.Helper()
	r, err := m.GetRecord(context.Background(), uerecord.Kind, uerecord.SUPIKey(supi))
	if err != nil {
		t.Fatalf("context of %s: %v", supi, err)
	}
	u, err := uerecord.Unmarshal(r.Value)
	if err != nil {
		t.Fatalf("context of %s: %v", supi, err)
	}
	return u
}
