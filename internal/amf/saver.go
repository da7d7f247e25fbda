package amf

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/amf/uerecord"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/store"
)

// Saving UE contexts (TS 23.501 §5.21.2): with Options.Records set, the
// AMF keeps each registered UE's context in the store shared by its AMF
// set, so that another instance, or this one restarted, goes on serving
// the UE (restore.go).
//
// When: at the end of each event of the UE's executor (checkpoint), the
// machine's context is saved if it is at a procedure end (gmm.Machine.
// Snapshot: registered, no procedure waiting for the UE) and
//
//   - a procedure just ended (registration, service request or
//     configuration update accepted: ueShell.Outcome sets saveDue), or
//   - what it holds besides the NAS COUNTs changed (a PDU session
//     established or released, a new 5G-GUTI, allowed NSSAI, ...), or
//   - the UE went idle with uplink messages accepted since the last save
//     (the next instance then refuses all of them as replays), or
//   - gmm.DLCountMargin/4 downlink COUNTs were used since the last save
//     (the next instance starts DLCountMargin past the saved one).
//
// A UE deregistered, or forgotten, has its records deleted.
//
// How: the executor only encodes the context (tens of microseconds) and
// hands the bytes to the UE's saver. The saver performs the store
// writes on a goroutine of the executor gate (AMF.runs, joined by Stop),
// one at a time per UE and in order; a context saved while an earlier
// write is in flight replaces the one waiting behind it, so a busy UE
// costs one write in flight and one waiting, never a queue. The
// executor never waits for the store.
//
// Revisions: the saver writes the SUPI record with compare-and-set on the
// revision it last wrote or read (a context authenticated here, which is
// the newest by definition, writes unconditionally). A write that loses
// means another instance took the UE over since: the UE is forgotten here
// without touching the records (lost), so a stale instance never
// overwrites a newer context.

// saveState is the UE's side of saving, touched only by its executor.
type saveState struct {
	// last is the context last handed to the saver; has says there is
	// one.
	last uerecord.UE
	has  bool
	// due is set when a procedure ended (ueShell.Outcome).
	due bool
}

// saveJob is one write or deletion of a UE's records.
type saveJob struct {
	value []byte
	supi  string
	// guti is the context's 5G-GUTI.
	guti ident.GUTI
	// index, when set, is the 5G-GUTI whose index record to write.
	index *ident.GUTI
	// drop deletes the UE's records (value unused); gutis are the index
	// records to delete.
	drop  bool
	gutis []ident.GUTI
}

// saver performs one UE's store writes in order, off its executor.
type saver struct {
	mu      sync.Mutex
	next    *saveJob
	running bool
	// rev is the revision of the SUPI record as last written or read; 0
	// when the context is this instance's own (write unconditionally).
	rev int64
}

// hasSaved reports whether the UE's context has records in the store.
func (u *ueContext) hasSaved() bool { return u.saved != nil && u.saved.has }

// checkpoint saves the UE's context when due; run at the end of each of
// its events.
func (u *ueContext) checkpoint() {
	a := u.a
	if a.records == nil || u.dropped || u.failed {
		return
	}
	if u.saved == nil {
		// Nothing saved yet: the first snapshot is due.
		u.saved = &saveState{}
	}
	snap, ok := u.m.Snapshot()
	if !ok {
		if u.saved.has && u.m.State() == gmm.Deregistered {
			u.forgetRecords()
		}
		return
	}
	last := u.saved.last
	due := u.saved.due || !u.saved.has || !sameContext(snap, last) ||
		(snap.Security.DLCount-last.Security.DLCount)&0xffffff >= gmm.DLCountMargin/4 ||
		(!u.m.Connected() && snap.Security.ULCount != last.Security.ULCount)
	u.saved.due = false
	if !due {
		return
	}
	snap.Saved, snap.Owner = a.now(), a.cfg.InstanceID
	b, err := uerecord.Marshal(nil, snap)
	if err != nil {
		u.log.Error("amf: encoding the UE context to save", "err", err)
		return
	}
	job := &saveJob{value: b, supi: snap.SUPI, guti: snap.GUTI}
	if !u.saved.has || last.GUTI != snap.GUTI {
		g := snap.GUTI
		job.index = &g
		if u.saved.has {
			// The index of the UE's former 5G-GUTI goes.
			job.gutis = []ident.GUTI{last.GUTI}
		}
	}
	u.saved.last, u.saved.has = snap, true
	u.save(job)
}

// forgetRecords deletes the UE's records: it is deregistered.
func (u *ueContext) forgetRecords() {
	if !u.hasSaved() {
		return
	}
	job := &saveJob{drop: true, supi: u.saved.last.SUPI, gutis: []ident.GUTI{u.saved.last.GUTI}}
	u.saved.has = false
	u.save(job)
}

// sameContext reports whether two snapshots hold the same context but
// for their NAS COUNTs and save times.
func sameContext(a, b uerecord.UE) bool {
	a.Security.ULCount, a.Security.ULSeen, a.Security.DLCount, a.Saved, a.Owner = 0, false, 0, time.Time{}, ""
	b.Security.ULCount, b.Security.ULSeen, b.Security.DLCount, b.Saved, b.Owner = 0, false, 0, time.Time{}, ""
	return reflect.DeepEqual(a, b)
}

// save hands job to the UE's saver: it runs after the jobs handed
// before it, replacing a job still waiting unless that one deletes.
func (u *ueContext) save(job *saveJob) {
	s := &u.saver
	s.mu.Lock()
	if s.next != nil && s.next.drop && !job.drop {
		// A deletion waiting is followed by a new context: the
		// deletion's index records still go.
		job.gutis = s.next.gutis
	}
	s.next = job
	if s.running {
		s.mu.Unlock()
		return
	}
	if !u.a.runs.admit() {
		// Stopped: the job runs here, on an executor Stop joins.
		s.running = true
		s.mu.Unlock()
		u.a.runSaver(u)
		return
	}
	s.running = true
	s.mu.Unlock()
	go func() {
		defer u.a.runs.wg.Done()
		u.a.runSaver(u)
	}()
}

// storeTimeout bounds each store call of a save or restore.
const storeTimeout = 2 * time.Second

// runSaver performs u's saver jobs until none waits.
func (a *AMF) runSaver(u *ueContext) {
	s := &u.saver
	for {
		s.mu.Lock()
		job := s.next
		s.next = nil
		if job == nil {
			s.running = false
			s.mu.Unlock()
			return
		}
		rev := s.rev
		s.mu.Unlock()
		newRev, err := a.perform(job, rev)
		s.mu.Lock()
		s.rev = newRev
		s.mu.Unlock()
		switch {
		case errors.Is(err, store.ErrConflict):
			a.metrics.saves.WithLabelValues("conflict").Inc()
			// Another instance wrote the UE's context since: it serves
			// the UE now.
			u.do(func() { a.lost(u) })
		case err != nil:
			a.metrics.saves.WithLabelValues("error").Inc()
			u.log.Warn("amf: saving the UE context failed", "err", err, "cause", "store")
		case job.drop:
			a.metrics.saves.WithLabelValues("deleted").Inc()
		default:
			a.metrics.saves.WithLabelValues("saved").Inc()
		}
	}
}

// perform runs one job against the store, the SUPI record at revision
// rev (0: unconditionally), and returns the record's new revision.
func (a *AMF) perform(job *saveJob, rev int64) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if job.drop {
		if err := a.dropIndexes(ctx, job.gutis); err != nil {
			return rev, err
		}
		if rev == 0 {
			// Never written by this context: the record, if any, is
			// another's.
			return 0, nil
		}
		err := a.records.DeleteRecord(ctx, uerecord.Kind, uerecord.SUPIKey(job.supi), rev)
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
		if errors.Is(err, store.ErrConflict) {
			// A newer context of the UE, here or elsewhere, owns it.
			err = nil
		}
		return 0, err
	}
	expires := a.now().Add(a.recordLifetime)
	rec := store.Record{Kind: uerecord.Kind, Key: uerecord.SUPIKey(job.supi), Value: job.value, Expect: rev, Expires: expires}
	newRev, err := a.records.PutRecord(ctx, rec)
	if errors.Is(err, store.ErrConflict) && rev > 0 {
		// Gone rather than changed: expired while the UE stayed
		// connected without a procedure end, or deleted by an instance
		// that deregistered it. Either way no newer context is there
		// to protect; the UE's context is written afresh.
		if _, gerr := a.records.GetRecord(ctx, uerecord.Kind, rec.Key); errors.Is(gerr, store.ErrNotFound) {
			rec.Expect = store.MustCreate
			newRev, err = a.records.PutRecord(ctx, rec)
			if err == nil && job.index == nil {
				g := job.guti
				job.index = &g
			}
		}
	}
	if err != nil {
		return rev, err
	}
	if job.index != nil {
		if _, err := a.records.PutRecord(ctx, store.Record{Kind: uerecord.Kind, Key: uerecord.GUTIKey(*job.index), Value: []byte(job.supi), Expires: expires}); err != nil {
			return newRev, err
		}
	}
	// The former 5G-GUTIs' indexes go last: until the new one is
	// written, the UE is found by its former one.
	return newRev, a.dropIndexes(ctx, job.gutis)
}

// dropIndexes deletes the index records of gutis.
func (a *AMF) dropIndexes(ctx context.Context, gutis []ident.GUTI) error {
	for _, g := range gutis {
		if err := a.records.DeleteRecord(ctx, uerecord.Kind, uerecord.GUTIKey(g), 0); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// lost forgets a UE whose context another instance has taken over (its
// write won over this one's): that instance serves the UE now, and the
// records are its own. Run on the UE's executor.
func (a *AMF) lost(u *ueContext) {
	if u.dropped {
		return
	}
	u.log.Info("amf: UE context taken over by another AMF instance of the set: forgotten here", "cause", "taken-over")
	if u.saved != nil {
		u.saved.has = false
	}
	a.dropUE(u, nil)
}
