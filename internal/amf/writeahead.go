package amf

import "github.com/keelcore/keel/internal/amf/uerecord"

// Write-ahead (TS 23.501 §5.21.2.3, TS 23.502 §4.2.2.2.2 step 21): with
// a store shared by the AMF set, what the UE will rely on is in the
// store before the message that lets the UE rely on it leaves the AMF,
// so that "the UE thinks it has it" implies "the set has it", whenever
// the instance dies:
//
//   - a REGISTRATION ACCEPT or CONFIGURATION UPDATE COMMAND giving a new
//     5G-GUTI goes after the context with that 5G-GUTI (and the former
//     one, still valid until the UE's COMPLETE: gmm.Machine.Snapshot)
//     is saved; another instance then finds the UE by either;
//   - the PDU Session Resource Setup Request carrying a PDU SESSION
//     ESTABLISHMENT ACCEPT goes after the context holding the session is
//     saved; another instance then reactivates it instead of answering
//     the UE's Service Request with #43;
//   - so does whatever carries a new 5G NAS security context the UE
//     will use.
//
// How: while the AMF saves contexts, the UE-associated messages an event
// of the UE's executor sends (ueShell, emit) are collected and handed on
// at the end of the event, after its checkpoint. If the checkpoint saved
// a context the UE relies on (reliedOn), they wait in the UE's saver
// behind that save and the saver sends them once the write is done; so
// does every later message of the UE while any waits, in order. The
// executor never waits for the store: it goes on with the UE's next
// event as soon as it has handed the messages over.
//
// A save that fails, or does not answer within storeTimeout, still
// sends what waited for it (counted as unsaved in
// keel_amf_ue_context_write_ahead_total): a store outage must not stop
// the instance that is still alive from serving its UEs; only the
// continuity after an instance loss is at risk for those UEs, as it was
// without write-ahead. A save that finds another instance has taken the
// UE over drops them (dropped): the UE is that instance's now.
//
// What is not covered: an establishment the SMF answers while a 5GMM
// procedure waits for the UE (no context is saved mid-procedure: it
// goes at the procedure's end), and the AMF's NGAP-only messages sent
// outside the UE's executor (handover, path switch, a gNB's release
// request answered at once), which never wait.

// outMsg is one UE-associated message waiting to be sent: send sends it.
type outMsg struct {
	// seq is the saver job the message waits for (saver.seq).
	seq  uint64
	send func()
}

// emit sends a UE-associated message of u's current event: at once
// without a shared store, else at the end of the event (queue).
// Run on u's executor.
func (u *ueContext) emit(send func()) {
	if u.a.records == nil || !u.inEvent {
		send()
		return
	}
	if u.saved == nil {
		u.saved = &saveState{}
	}
	u.saved.out = append(u.saved.out, outMsg{send: send})
}

// reliedOn reports whether the UE relies on something snap holds that
// last, the context saved before it, does not: a new 5G-GUTI, a PDU
// session, a new 5G NAS security context.
func reliedOn(snap, last uerecord.UE) bool {
	if snap.GUTI != last.GUTI || snap.Security.NgKSI != last.Security.NgKSI || snap.Security.KAMF != last.Security.KAMF {
		return true
	}
	have := make(map[uint8]string, len(last.Sessions))
	for _, s := range last.Sessions {
		have[s.ID] = s.Ref
	}
	for _, s := range snap.Sessions {
		if ref, ok := have[s.ID]; !ok || ref != s.Ref {
			return true
		}
	}
	return false
}

// queue hands job, if not nil, to u's saver, to run after the jobs
// handed before it (replacing one still waiting: the newer context
// covers it), and sends out, the messages of the event that ends:
// behind job when writeAhead, behind the messages still waiting if
// any, else at once. Run on u's executor.
func (u *ueContext) queue(job *saveJob, out []outMsg, writeAhead bool) {
	if job == nil && len(out) == 0 {
		return
	}
	s := &u.saver
	s.mu.Lock()
	if s.q == nil {
		s.q = &aheadQueue{}
	}
	q := s.q
	if job != nil {
		q.seq++
		job.seq = q.seq
		if w := s.next; w != nil {
			if w.drop && !job.drop {
				// A deletion waiting is followed by a new context: the
				// deletion's index records still go.
				job.gutis = append(job.gutis, w.gutis...)
			}
			if w.writeAhead {
				// What waited for w waits for job, whose context is
				// newer.
				job.writeAhead, job.waitSince = true, w.waitSince
			}
		}
		s.next = job
	}
	var now []outMsg
	switch {
	case len(out) == 0:
	case writeAhead && job != nil:
		if !job.writeAhead {
			job.writeAhead, job.waitSince = true, u.a.now()
		}
		for _, m := range out {
			m.seq = job.seq
			q.held = append(q.held, m)
		}
	case len(q.held) > 0 || q.sending:
		// Behind messages still waiting: they keep their order.
		seq := q.done
		if n := len(q.held); n > 0 {
			seq = q.held[n-1].seq
		}
		for _, m := range out {
			m.seq = seq
			q.held = append(q.held, m)
		}
	default:
		now = out
	}
	start := job != nil && !s.running
	if start {
		s.running = true
	}
	s.mu.Unlock()
	for _, m := range now {
		m.send()
	}
	if !start {
		return
	}
	if !u.a.runs.admit() {
		// Stopped: the job runs here, on an executor Stop joins.
		u.a.runSaver(u)
		return
	}
	u.a.runs.spawn(func() {
		defer u.a.runs.done()
		u.a.runSaver(u)
	})
}

// sendHeld sends, in order, the messages that waited for the jobs up to
// the queue's done; with drop set they are discarded instead. Run by the saver.
func (a *AMF) sendHeld(u *ueContext, drop bool) {
	s := &u.saver
	for {
		s.mu.Lock()
		q := s.q
		if drop {
			q.dropped = true
		}
		n := 0
		for n < len(q.held) && q.held[n].seq <= q.done {
			n++
		}
		if n == 0 {
			q.sending = false
			s.mu.Unlock()
			return
		}
		batch := q.held[:n:n]
		q.held = q.held[n:]
		if len(q.held) == 0 {
			q.held = nil
		}
		q.sending = true
		discard := q.dropped
		s.mu.Unlock()
		if discard {
			continue
		}
		for _, m := range batch {
			m.send()
		}
	}
}

// writeAheadDone counts a write-ahead job's result and how long its
// messages waited.
func (a *AMF) writeAheadDone(job *saveJob, result string) {
	if !job.writeAhead {
		return
	}
	a.metrics.writeAhead.WithLabelValues(result).Inc()
	a.metrics.writeAheadWait.Observe(a.now().Sub(job.waitSince).Seconds())
}
