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
// Snapshot: registered, no procedure waiting for the UE but one giving
// a new 5G-GUTI) and
//
//   - a procedure just ended (registration, service request or
//     configuration update accepted: ueShell.Outcome sets saveDue),
//     unless what it ends with was written ahead already, or
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
// hands the bytes to the UE's saver, with the messages of the event
// that must wait for the write (writeahead.go). The saver performs the store
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
	// due is set when a procedure ended (ueShell.Outcome). ahead is set
	// by a write-ahead save (writeahead.go) until the next procedure
	// end: that end, finding the context as written ahead but for its
	// COUNTs, writes nothing more (a registration's REGISTRATION
	// COMPLETE after its accept was written ahead).
	due, ahead bool
	// out collects the UE-associated messages of the event under way:
	// they go at its end, after the save they may rely on
	// (writeahead.go).
	out []outMsg
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
	// seq numbers the job among the UE's (saver.seq); messages waiting
	// for it go once saver.done reaches it.
	seq uint64
	// writeAhead is set when downlink waits for the job, since
	// waitSince.
	writeAhead bool
	waitSince  time.Time
}

// saver performs one UE's store writes in order, off its executor.
type saver struct {
	mu      sync.Mutex
	next    *saveJob
	running bool
	// rev is the revision of the SUPI record as last written or read; 0
	// when the context is this instance's own (write unconditionally).
	rev int64
	// q orders the jobs and the messages waiting for them
	// (writeahead.go), made with the first job: an AMF without a store
	// keeps none of it per UE.
	q *aheadQueue
}

// aheadQueue is the order of a UE's saver jobs and of the messages that
// wait for them, guarded by saver.mu.
type aheadQueue struct {
	// seq is the last job's number and done that of the last job
	// performed. held are the UE's messages waiting, in order, each for
	// the job of its seq; sending is set while the saver sends some, and
	// dropped once the UE is another instance's: nothing more is sent.
	seq, done uint64
	held      []outMsg
	sending   bool
	dropped   bool
}

// hasSaved reports whether the UE's context has records in the store.
func (u *ueContext) hasSaved() bool { return u.saved != nil && u.saved.has }

// checkpoint returns the save of the UE's context when one is due, and
// whether it is a write-ahead one: the UE relies on what it saves
// (writeahead.go). Run at the end of each of its events.
func (u *ueContext) checkpoint() (*saveJob, bool) {
	if u.a.records == nil || u.dropped || u.failed {
		return nil, false
	}
	return u.snapshot()
}

// snapshot is checkpoint for an AMF that saves UE contexts. It is apart
// because its frame (the 5GMM snapshot, the last one saved) is some 4
// KB, which every event's run would otherwise reserve on its stack even
// where no context is saved.
//
//go:noinline
func (u *ueContext) snapshot() (*saveJob, bool) {
	a := u.a
	if u.saved == nil {
		// Nothing saved yet: the first snapshot is due.
		u.saved = &saveState{}
	}
	snap, ok := u.m.Snapshot()
	if !ok {
		if u.saved.has && u.m.State() == gmm.Deregistered {
			u.forgetRecords()
		}
		return nil, false
	}
	last := u.saved.last
	same := u.saved.has && sameContext(snap, last)
	ended := u.saved.due && !(u.saved.ahead && same)
	due := ended || !same ||
		(snap.Security.DLCount-last.Security.DLCount)&0xffffff >= gmm.DLCountMargin/4 ||
		(!u.m.Connected() && snap.Security.ULCount != last.Security.ULCount)
	if u.saved.due {
		u.saved.due, u.saved.ahead = false, false
	}
	if !due {
		return nil, false
	}
	writeAhead := !u.saved.has || reliedOn(snap, last)
	if writeAhead {
		u.saved.ahead = true
	}
	snap.Saved, snap.Owner = a.now(), a.cfg.InstanceID
	b, err := uerecord.Marshal(nil, snap)
	if err != nil {
		u.log.Error("amf: encoding the UE context to save", "err", err)
		return nil, false
	}
	job := &saveJob{value: b, supi: snap.SUPI, guti: snap.GUTI}
	if !u.saved.has || !indexed(last, snap.GUTI) {
		g := snap.GUTI
		job.index = &g
	}
	if u.saved.has {
		// The indexes of the 5G-GUTIs the UE can no longer use go.
		for _, g := range gutisOf(last) {
			if !indexed(snap, g) {
				job.gutis = append(job.gutis, g)
			}
		}
	}
	u.saved.last, u.saved.has = snap, true
	return job, writeAhead
}

// gutisOf lists the 5G-GUTIs a saved context is indexed by: its own
// and its former one.
func gutisOf(r uerecord.UE) []ident.GUTI {
	if r.Former != nil {
		return []ident.GUTI{r.GUTI, *r.Former}
	}
	return []ident.GUTI{r.GUTI}
}

// indexed reports whether a saved context r is found by g.
func indexed(r uerecord.UE, g ident.GUTI) bool {
	return r.GUTI == g || (r.Former != nil && *r.Former == g)
}

// forgetRecords deletes the UE's records: it is deregistered.
func (u *ueContext) forgetRecords() {
	if !u.hasSaved() {
		return
	}
	job := &saveJob{drop: true, supi: u.saved.last.SUPI, gutis: gutisOf(u.saved.last)}
	u.saved.has = false
	u.queue(job, nil, false)
}

// sameContext reports whether two snapshots hold the same context but
// for their NAS COUNTs and save times.
func sameContext(a, b uerecord.UE) bool {
	a.Security.ULCount, a.Security.ULSeen, a.Security.DLCount, a.Saved, a.Owner = 0, false, 0, time.Time{}, ""
	b.Security.ULCount, b.Security.ULSeen, b.Security.DLCount, b.Saved, b.Owner = 0, false, 0, time.Time{}, ""
	return reflect.DeepEqual(a, b)
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
		s.q.done = job.seq
		s.mu.Unlock()
		conflict := errors.Is(err, store.ErrConflict)
		switch {
		case conflict:
			a.metrics.saves.WithLabelValues("conflict").Inc()
			a.writeAheadDone(job, "dropped")
			// Another instance wrote the UE's context since: it serves
			// the UE now.
			u.do(func() { a.lost(u) })
		case err != nil:
			a.metrics.saves.WithLabelValues("error").Inc()
			a.writeAheadDone(job, "unsaved")
			u.log.Warn("amf: saving the UE context failed", "err", err, "cause", "store")
		case job.drop:
			a.metrics.saves.WithLabelValues("deleted").Inc()
		default:
			a.metrics.saves.WithLabelValues("saved").Inc()
			a.writeAheadDone(job, "saved")
		}
		a.sendHeld(u, conflict)
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
