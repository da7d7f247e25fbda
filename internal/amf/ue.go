package amf

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/logattrs"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
)

// ueConn is the UE-associated logical NG connection currently carrying a
// UE (TS 38.413 §3.1): the association and both UE NGAP IDs.
type ueConn struct {
	ran   *ran
	amfID int64
	ranID int64
	loc   ngap.UELocation
	// commanded is set once a UE Context Release Command was sent for
	// the connection: it is not sent twice.
	commanded atomic.Bool
}

// ueContext is one UE the AMF knows.
//
// Concurrency: the fields under "executor" are touched only by the UE's
// executor. conn is also read by the N2 reader to check IDs, so it is an
// atomic pointer. The registry maps (AMF.ues) are guarded by AMF.ues.mu.
//
// The management API reads the UE (view) from the executor's fields
// under viewMu, which the executor holds through each event (doOr): it
// sees the UE as it stands between two events, never within one, and
// waits at most for the event running, which does no I/O but a store
// read of a UE restored from the AMF set's (restore.go), before the UE
// is in AMF.ues.bySUPI. No copy of the view is kept per UE. Lock order:
// viewMu before AMF.ues.mu and ran.mu (events take them), so the API
// never holds either while it takes viewMu.
type ueContext struct {
	a      *AMF
	exec   executor
	log    *slog.Logger
	viewMu sync.Mutex
	conn   atomic.Pointer[ueConn]

	// executor
	m *gmm.Machine
	// timers are the machine's running timers, one slot each (an idle
	// UE runs one or none of the gmm.MaxTimer+1), and timerGen counts
	// their starts: a timer that fires finds its slot only if it was not
	// stopped or started again since.
	timers   []timerSlot
	timerGen uint64
	// deadline is the long timer the UE runs, queued in AMF.long
	// while it runs (longtimers.go): it has no runtime timer of its own.
	deadline deadline
	started  time.Time // first message of the running registration
	tmsi     stmsi
	// alias is a second 5G-TMSI naming the UE, 0 when none: that of a
	// 5G-GUTI the UE never acknowledged but may hold (restoreTMSI).
	alias     stmsi
	supi      string
	lastEvent wallClock
	loc       ngap.UELocation // last reported by the gNB
	locAt     wallClock       // when a Location Report or RRC Inactive Transition Report gave loc
	// radioCapability is the UE Radio Capability the gNB last reported
	// (TS 38.413 §8.14.1), at most ngap.MaxUERadioCapability octets; nil
	// until then. It goes to the gNB in each Initial Context Setup.
	radioCapability []byte
	// The one-byte fields are kept together, so that their padding does
	// not take the context past a size class of the allocator.
	//
	// shown is set once the UE has a state for the API to show: after
	// newUE, or the first event of a context taken over (restore.go).
	// Guarded by viewMu.
	shown bool
	// rrcState is what the last RRC Inactive Transition Report said.
	rrcState rrcState
	dropped  bool
	// failed is set when an event panicked: the UE's context is gone
	// and its machine runs no further event.
	failed bool
	// registering is true until the UE's first registration ends.
	registering bool
	// switching is set while a Path Switch Request waits for the SMF
	// (handle_path_switch.go): a second one is refused meanwhile.
	switching bool
	// inEvent is set while an event runs: with a store, the messages it
	// sends wait for its end (saveState.out, writeahead.go).
	inEvent bool
	// handover is the N2 handover under way (handle_handover.go).
	handover *n2Handover
	// uecm is closed once the UE's last Nudm_UECM call is done, smf
	// once its last Nsmf_PDUSession call is (calls.go); each is nil
	// again once that call's answer reached the executor.
	uecm, smf chan struct{}
	// saved is what the UE's context last saved to the AMF set's store
	// (executor), nil without a store or before the first save: an
	// AMF without one holds none of it per UE; saver performs the
	// writes (saver.go, its own lock).
	saved *saveState
	saver saver
}

// rrcState is a UE's RRC state as an RRC Inactive Transition Report
// gave it (TS 38.413 §8.3): none until one does.
type rrcState uint8

const (
	rrcNone rrcState = iota
	rrcConnected
	rrcInactive
)

// String is the state as the management API names it: "", "connected"
// or "inactive".
func (s rrcState) String() string {
	switch s {
	case rrcConnected:
		return "connected"
	case rrcInactive:
		return "inactive"
	}
	return ""
}

// wallClock is a wall-clock instant in Unix nanoseconds, 0 for none:
// 8 bytes where a time.Time takes 24, for the instants a UE context
// keeps only to show them (UE.LastActivity, UE.LocationTime); they need
// no monotonic reading.
type wallClock int64

// wallAt is t as a wallClock.
func wallAt(t time.Time) wallClock {
	if t.IsZero() {
		return 0
	}
	return wallClock(t.UnixNano())
}

// time is w as a time.Time, the zero Time for none.
func (w wallClock) time() time.Time {
	if w == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(w))
}

// supiAttr is the attribute of a UE's logger once the UE is identified
// (logattrs.From): the logger holds the SUPI's string, not a copy of
// the attribute.
type supiAttr string

func (s supiAttr) AppendLogAttrs(dst []slog.Attr) []slog.Attr {
	return append(dst, slog.String("supi", string(s)))
}

// timerSlot is a running timer: stop stops a runtime timer, nil for a
// long timer (isLong), which is u.deadline.
type timerSlot struct {
	t    gmm.Timer
	gen  uint64
	stop func() bool
}

// isLong reports whether t runs in AMF.long rather than on a
// runtime timer of its own: the timers an idle UE holds for minutes or
// hours (TS 24.501 §5.3.7).
func isLong(t gmm.Timer) bool {
	return t == gmm.MobileReachable || t == gmm.ImplicitDeregistration
}

// cancel stops the timer of slot i.
func (u *ueContext) cancel(i int) {
	if s := u.timers[i]; s.stop != nil {
		s.stop()
	} else {
		u.a.long.cancel(u)
	}
}

// timer returns the index of t's slot in u.timers, -1 when t is not
// running.
func (u *ueContext) timer(t gmm.Timer) int {
	for i := range u.timers {
		if u.timers[i].t == t {
			return i
		}
	}
	return -1
}

// stopTimer stops t and frees its slot.
func (u *ueContext) stopTimer(t gmm.Timer) {
	if i := u.timer(t); i >= 0 {
		u.cancel(i)
		u.dropTimer(i)
	}
}

// dropTimer frees slot i; no slot left frees the slice.
func (u *ueContext) dropTimer(i int) {
	u.timers = slices.Delete(u.timers, i, i+1)
	if len(u.timers) == 0 {
		u.timers = nil
	}
}

// UE is a snapshot of one UE context, as the AMF reads it when
// management asks (ueContext.view): the API shapes its own view from it (internal/api).
type UE struct {
	SUPI         string
	GUTI         *ident.GUTI // nil until one is assigned
	State        string
	GNB          string
	AMFUENGAPID  int64
	RANUENGAPID  int64
	TAI          string
	LastActivity time.Time
	// CMState is the UE's connection management state (TS 23.501
	// §5.3.3.2): "connected" while an N2 connection carries it, "idle"
	// otherwise.
	CMState string
	// NRCellID is the NR Cell Identity (TS 38.413 §9.3.1.7, 36 bits, in
	// hexadecimal) of the UE's last reported location.
	NRCellID string
	// LocationTime is when a Location Report or RRC Inactive Transition
	// Report last gave the location (TS 38.413 §8.12, §8.3).
	LocationTime *time.Time
	// RRCState is "inactive" or "connected" once the gNB has sent an RRC
	// Inactive Transition Report (TS 38.413 §8.3).
	RRCState string
	// RadioCapabilityOctets is the size of the UE Radio Capability the
	// AMF keeps for the UE (TS 38.413 §8.14.1), 0 when it has none.
	RadioCapabilityOctets int
}

// do runs f on the UE's executor; a full mailbox drops the event and
// counts it. Every event of a UE goes through do, inside the UE's panic
// boundary: a panic is recovered (and logged and counted by panics.Run),
// the UE's context is released and forgotten (fail), and the events
// still waiting are skipped.
func (u *ueContext) do(f func()) { u.doOr(f, nil) }

// doOr is do with what to run instead of f once the UE has failed. It
// reports false when the mailbox was full and neither will run.
func (u *ueContext) doOr(f, failed func()) bool {
	if !u.exec.submit(func() {
		u.viewMu.Lock()
		defer u.viewMu.Unlock()
		if u.failed {
			if failed != nil {
				failed()
			}
			return
		}
		if p := u.a.panics.Run(panicUE, u.log, func() {
			u.inEvent = true
			f()
			job, writeAhead := u.checkpoint()
			u.inEvent = false
			var out []outMsg
			if u.saved != nil {
				out, u.saved.out = u.saved.out, nil
			}
			u.queue(job, out, writeAhead)
			u.shown = true
		}); p != nil {
			// What the event meant to send goes with the context.
			u.inEvent = false
			if u.saved != nil {
				u.saved.out = nil
			}
			u.fail()
		}
	}) {
		u.a.metrics.overload.Inc()
		u.a.log.Warn("amf: UE mailbox full: event dropped")
		return false
	}
	return true
}

// view returns the UE as the management API shows it, read from the
// executor's fields under viewMu; false until the UE has a state to show
// (shown).
func (u *ueContext) view() (UE, bool) {
	u.viewMu.Lock()
	if !u.shown {
		u.viewMu.Unlock()
		return UE{}, false
	}
	v := UE{SUPI: u.supi, State: u.m.State().String(), LastActivity: u.lastEvent.time(), CMState: "idle",
		RRCState: u.rrcState.String(), RadioCapabilityOctets: len(u.radioCapability)}
	if g := u.m.GUTI(); g != nil {
		guti := *g
		v.GUTI = &guti
	}
	var r *ran
	if c := u.conn.Load(); c != nil {
		v.AMFUENGAPID, v.RANUENGAPID = c.amfID, c.ranID
		v.CMState = "connected"
		r = c.ran
	}
	loc, locAt := u.loc, u.locAt.time()
	u.viewMu.Unlock()
	if r != nil {
		v.GNB = r.gnbID()
	}
	if loc.TAI.PLMN.MCC != "" {
		v.TAI = loc.TAI.String()
		v.NRCellID = fmt.Sprintf("%09x", loc.CellID)
	}
	if !locAt.IsZero() {
		v.LocationTime = &locAt
	}
	return v, true
}

// counted is what UECounts needs of the UE, read as view reads it.
func (u *ueContext) counted() (shown, registered, connected bool) {
	u.viewMu.Lock()
	defer u.viewMu.Unlock()
	return u.shown, u.m.State() == gmm.Registered, u.conn.Load() != nil
}

// maxBitRate is the highest value of the NGAP Bit Rate IE (TS 38.413
// §9.3.1.4: 0..4,000,000,000,000 bit/s).
const maxBitRate = 4_000_000_000_000

// ueShell is the gmm.Shell of one UE, used from its executor.
type ueShell struct{ u *ueContext }

func (s ueShell) SendNAS(pdu []byte) {
	u := s.u
	c := u.conn.Load()
	if c == nil {
		return
	}
	msg := ngap.DownlinkNASTransport(c.amfID, c.ranID, pdu)
	u.emit(func() { u.a.sendUE(c, msg) })
}

func (s ueShell) SetupContext(cs gmm.ContextSetup) {
	u := s.u
	c := u.conn.Load()
	if c == nil {
		return
	}
	if cs.ForgetRadioCapability && u.radioCapability != nil {
		u.radioCapability = nil
		u.log.Debug("amf: UE radio capability deleted: initial registration or NG-RAN radio capability update")
	}
	ic := ngap.InitialContext{
		AMFUE:          c.amfID,
		RANUE:          c.ranID,
		GUAMI:          u.a.cfg.GUAMI,
		AllowedNSSAI:   cs.AllowedNSSAI,
		Security:       cs.Capabilities,
		SecurityKey:    cs.KgNB,
		NASPDU:         cs.NASPDU,
		UEAMBRUplink:   cs.UEAMBRUplink,
		UEAMBRDownlink: cs.UEAMBRDownlink,
		// TS 23.502 §4.2.2.2.2 step 21: the UE radio capability the AMF
		// has goes with the context.
		UERadioCapability: u.radioCapability,
	}
	if len(cs.Sessions) > 0 {
		ic.Sessions = make([]ngap.SessionItem, 0, len(cs.Sessions))
		for _, it := range cs.Sessions {
			ic.Sessions = append(ic.Sessions, ngap.SessionItem{PDUSessionID: it.PDUSessionID, NASPDU: it.NASPDU, SNSSAI: it.SNSSAI, Transfer: it.Transfer})
		}
		// TS 38.413 §9.2.2.1: the UE-AMBR comes with the session list. A
		// subscription without one has no aggregate limit: the highest
		// bit rate the IE holds (§9.3.1.4).
		if ic.UEAMBRUplink == 0 || ic.UEAMBRDownlink == 0 {
			ic.UEAMBRUplink, ic.UEAMBRDownlink = maxBitRate, maxBitRate
		}
	}
	msg, err := ngap.InitialContextSetupRequest(ic)
	if err != nil {
		u.log.Error("amf: building Initial Context Setup Request", "err", err)
		return
	}
	u.emit(func() { u.a.sendUE(c, msg) })
}

func (s ueShell) Release(cause gmm.ReleaseCause) {
	u := s.u
	c := u.conn.Load()
	if c == nil {
		return
	}
	release := ngap.NASCause(nasReleaseCause(cause))
	u.emit(func() { u.a.releaseCommand(c, release) })
}

func (s ueShell) StartTimer(t gmm.Timer, d time.Duration) {
	u := s.u
	u.stopTimer(t)
	u.timerGen++
	gen := u.timerGen
	var stop func() bool
	if isLong(t) {
		// One deadline per UE: the machine runs one of the long timers
		// at a time (gmm's Machine.idleTimer); should it start the other,
		// that one stops.
		for i := range u.timers {
			if isLong(u.timers[i].t) {
				u.cancel(i)
				u.dropTimer(i)
				break
			}
		}
		u.a.long.start(u, t, gen, d)
	} else {
		stop = u.a.afterFunc(d, func() { u.do(func() { u.expired(t, gen) }) })
	}
	u.timers = append(u.timers, timerSlot{t: t, gen: gen, stop: stop})
}

// expired runs the expiry of timer t of generation gen on the UE's
// executor: nothing when t was stopped or started again since.
func (u *ueContext) expired(t gmm.Timer, gen uint64) {
	i := u.timer(t)
	if i < 0 || u.timers[i].gen != gen {
		return
	}
	u.dropTimer(i)
	if t == gmm.ImplicitDeregistration && u.a.takenOver(u) {
		// Another instance of the set serves the UE now: its
		// sessions and registration are that instance's.
		u.a.lost(u)
		return
	}
	u.m.Expired(context.Background(), t)
	if u.m.State() == gmm.Deregistered && u.conn.Load() == nil {
		// Implicitly deregistered while idle (TS 24.501
		// §5.3.7): the context goes, as after a release.
		u.a.rememberDeregistered(u.tmsi)
		u.a.dropUE(u, nil)
	}
}

func (s ueShell) StopTimer(t gmm.Timer) {
	s.u.stopTimer(t)
}

func (s ueShell) AllocateGUTI() ident.GUTI {
	u := s.u
	tmsi := u.a.allocateTMSI(u)
	u.tmsi = stmsiOf(u.a.cfg.GUAMI.Pointer, tmsi)
	return ident.GUTI{GUAMI: u.a.cfg.GUAMI, TMSI: tmsi}
}

func (s ueShell) RestoreGUTI(g ident.GUTI) { s.u.a.restoreTMSI(s.u, stmsiOf(g.Pointer, g.TMSI)) }

func (s ueShell) Identified(supi string) {
	s.u.supi = supi
	s.u.log = logattrs.From(s.u.log, supiAttr(supi))
	s.u.a.bindSUPI(s.u, supi)
}

func (s ueShell) Congested() bool { return s.u.a.registering.Load() > s.u.a.maxRegistering }

func (s ueShell) Outcome(o gmm.Outcome) {
	u := s.u
	u.a.metrics.outcome(o)
	if u.a.events != nil {
		u.a.recordFailure(u, o)
	}
	if o.Result == "accepted" || o.Result == "completed" {
		// A procedure end: the context is saved (saver.go).
		if u.saved != nil {
			u.saved.due = true
		}
	}
	if o.Procedure == "service-request" {
		u.a.metrics.serviceRequests.WithLabelValues(o.Result).Inc()
	}
	if o.Procedure == "registration" && u.m.State() == gmm.Registered {
		u.a.registered(u)
	}
	if o.Procedure == "registration" && o.Result == "accepted" && !u.started.IsZero() {
		u.a.metrics.registrationLatency.Observe(u.a.now().Sub(u.started).Seconds())
		u.started = time.Time{}
	}
}

func (s ueShell) SetupSessions(items []gmm.SessionResource) {
	u := s.u
	c := u.conn.Load()
	if c == nil {
		return
	}
	list := make([]ngap.SessionItem, 0, len(items))
	for _, it := range items {
		list = append(list, ngap.SessionItem{PDUSessionID: it.PDUSessionID, NASPDU: it.NASPDU, SNSSAI: it.SNSSAI, Transfer: it.Transfer})
	}
	msg, err := ngap.PDUSessionResourceSetupRequest(c.amfID, c.ranID, list)
	if err != nil {
		u.log.Error("amf: building PDU Session Resource Setup Request", "err", err)
		return
	}
	u.emit(func() { u.a.sendUE(c, msg) })
}

func (s ueShell) ReleaseSessions(nasPDU []byte, items []gmm.SessionResource) {
	u := s.u
	c := u.conn.Load()
	if c == nil {
		return
	}
	list := make([]ngap.SessionItem, 0, len(items))
	for _, it := range items {
		list = append(list, ngap.SessionItem{PDUSessionID: it.PDUSessionID, SNSSAI: it.SNSSAI, Transfer: it.Transfer})
	}
	msg, err := ngap.PDUSessionResourceReleaseCommand(c.amfID, c.ranID, nasPDU, list)
	if err != nil {
		u.log.Error("amf: building PDU Session Resource Release Command", "err", err)
		return
	}
	u.emit(func() { u.a.sendUE(c, msg) })
}

// N1N2MessageTransfer is Namf_Communication_N1N2MessageTransfer (TS
// 29.518 §5.2.2.3.1) for the SMF: it runs on the UE's executor and waits
// for the outcome.
func (a *AMF) N1N2MessageTransfer(ctx context.Context, supi string, req sbi.N1N2MessageTransferReqData) (sbi.N1N2MessageTransferRspData, error) {
	a.ues.Lock()
	u := a.ues.bySUPI[supi]
	a.ues.Unlock()
	if u == nil {
		// A UE of an instance of the set that is gone (restore.go).
		u = a.takeOver(ctx, supi)
	}
	if u == nil {
		return sbi.N1N2MessageTransferRspData{}, errUnreachable
	}
	type answer struct {
		res sbi.N1N2MessageTransferCause
		err error
	}
	done := make(chan answer, 1)
	queued := u.doOr(func() {
		// A transfer that panics still answers: the UE is then gone.
		a := answer{err: errUnreachable}
		defer func() { done <- a }()
		a.res, a.err = u.m.N1N2Transfer(ctx, req)
		if errors.Is(a.err, gmm.ErrNotReachable) {
			a.err = fmt.Errorf("amf: %w: %w", a.err, sbi.ErrUENotReachable)
		}
	}, func() { done <- answer{err: errUnreachable} })
	if !queued {
		// A flood of transfers for one UE: the SMF may retry later
		// (TS 29.500 §5.2.7.2: 503 NF_CONGESTION).
		return sbi.N1N2MessageTransferRspData{}, fmt.Errorf("amf: N1N2MessageTransfer: UE mailbox full: %w", sbi.ErrUnavailable)
	}
	select {
	case a := <-done:
		return sbi.N1N2MessageTransferRspData{Cause: a.res}, a.err
	case <-ctx.Done():
		return sbi.N1N2MessageTransferRspData{}, ctx.Err()
	}
}

// errUnreachable answers an N1N2 transfer for a UE the AMF does not know
// (TS 29.518 §5.2.2.3.1: 504 UE_NOT_REACHABLE).
var errUnreachable = fmt.Errorf("%w: %w", ErrUnknownUE, sbi.ErrUENotReachable)

// nasReleaseCause maps a release reason to NGAP's NAS cause group.
func nasReleaseCause(c gmm.ReleaseCause) aper.Enumerated {
	switch c {
	case gmm.ReleaseNormal:
		return 0 // normal-release
	case gmm.ReleaseAuthenticationFailure:
		return 1 // authentication-failure
	case gmm.ReleaseDeregister:
		return 2 // deregister
	}
	return 3 // unspecified
}

// stmsi is the part of a 5G-GUTI that tells UEs of one AMF set apart:
// the AMF Pointer and the 5G-TMSI (TS 23.003 §2.10.1, §2.11).
type stmsi uint64

func stmsiOf(pointer uint8, tmsi uint32) stmsi { return stmsi(pointer)<<32 | stmsi(tmsi) }

// allocateTMSI draws an unpredictable 5G-TMSI no other UE holds (TS
// 33.501 §6.12.3) and binds it to u.
func (a *AMF) allocateTMSI(u *ueContext) uint32 {
	var b [4]byte
	a.ues.Lock()
	defer a.ues.Unlock()
	if u.tmsi != 0 && a.ues.byTMSI[u.tmsi] == u {
		delete(a.ues.byTMSI, u.tmsi)
	}
	a.dropAlias(u)
	for {
		rand.Read(b[:])
		t := binary.BigEndian.Uint32(b[:])
		k := stmsiOf(a.cfg.GUAMI.Pointer, t)
		if _, taken := a.ues.byTMSI[k]; t != 0 && !taken {
			a.ues.byTMSI[k] = u
			return t
		}
	}
}

// restoreTMSI binds u to tmsi, its 5G-TMSI before the last allocateTMSI
// (a configuration update the UE never acknowledged, TS 24.501
// §5.4.4.4); the new one stays bound to u as its alias, since the UE
// may hold it (§5.4.4.6), until the next allocateTMSI. A 5G-TMSI taken
// meanwhile by another UE stays that UE's.
func (a *AMF) restoreTMSI(u *ueContext, tmsi stmsi) {
	a.ues.Lock()
	defer a.ues.Unlock()
	if other, taken := a.ues.byTMSI[tmsi]; taken && other != u {
		return
	}
	a.dropAlias(u)
	if u.tmsi != 0 && u.tmsi != tmsi && a.ues.byTMSI[u.tmsi] == u {
		u.alias = u.tmsi
	}
	a.ues.byTMSI[tmsi] = u
	u.tmsi = tmsi
}

// dropAlias unbinds u's alias 5G-TMSI; a.ues is held.
func (a *AMF) dropAlias(u *ueContext) {
	if u.alias != 0 && a.ues.byTMSI[u.alias] == u {
		delete(a.ues.byTMSI, u.alias)
	}
	u.alias = 0
}

// bindSUPI makes u the UE of supi; an older context of the same UE is
// dropped (the UE registered afresh).
func (a *AMF) bindSUPI(u *ueContext, supi string) {
	a.ues.Lock()
	old := a.ues.bySUPI[supi]
	a.ues.bySUPI[supi] = u
	a.ues.Unlock()
	if old != nil && old != u {
		old.do(func() {
			// What waited for the old context's UE goes to no one now.
			old.m.GiveUpDownlink()
			a.dropUE(old, ngap.NASCause(2)) // deregister
		})
	}
}

// fail ends a UE whose event panicked: its machine may be inconsistent,
// so the UE's connection is released and its context forgotten; the UE
// registers afresh. TS 38.413 §9.3.1.2: misc "unspecified" is for a cause
// that is none of the radio network, transport, NAS or protocol ones, as
// a fault of the AMF is. What the context held elsewhere goes with it
// (releaseFailed), read from the machine without running it again.
func (u *ueContext) fail() {
	u.failed = true
	var refs map[uint8]string
	if u.m != nil {
		refs = u.m.SMContexts()
	}
	// The UDM registration is this context's only while the SUPI is
	// bound to it: a newer context of the UE owns it otherwise.
	supi := ""
	u.a.ues.Lock()
	if u.supi != "" && u.a.ues.bySUPI[u.supi] == u {
		supi = u.supi
	}
	u.a.ues.Unlock()
	u.a.dropUE(u, ngap.MiscCause(ie.CauseMiscPresentUnspecified))
	u.a.releaseFailed(u.log, supi, refs)
}

// releaseFailed releases at the SMF the SM contexts (refs, by PDU
// session ID) of a UE context forgotten after a panic and, when supi is
// set, the UE's registration at the UDM, so that neither the SMF (and
// the UPF's PFCP sessions and the UE's addresses) nor the home network
// keeps what the AMF no longer serves. This is the AMF's side of a
// deregistration without NAS signalling to the UE (TS 23.502 §4.2.2.3.2,
// §4.2.2.3.3, as for an implicit deregistration): each SM context is
// released with Nsmf_PDUSession_ReleaseSMContext (§4.3.4.2, the
// AMF-initiated release, which the SMF runs towards the UPF and its
// address pools) and the AMF deregisters with Nudm_UECM_Deregistration
// (TS 29.503 §5.3.2.4).
//
// The calls run on a goroutine of their own, each under the AMF's SBI
// deadline, so the UE's executor does not wait for them; Stop joins it
// (AMF.runs). Once Stop has closed the gate they run on the caller, an
// executor that Stop joins anyway. A registration of the same SUPI waits
// for them at Nudm_UECM_Registration (orderedUECM): the UDM's
// deregistration must not undo a newer registration.
func (a *AMF) releaseFailed(log *slog.Logger, supi string, refs map[uint8]string) {
	if supi == "" && len(refs) == 0 {
		return
	}
	var prev chan struct{}
	done := make(chan struct{})
	if supi != "" {
		a.ues.Lock()
		prev = a.ues.releasing[supi]
		a.ues.releasing[supi] = done
		a.ues.Unlock()
	}
	run := func() {
		defer close(done)
		ctx := context.Background()
		if a.services.SMF != nil {
			for psi, ref := range refs {
				if err := a.services.SMF.ReleaseSMContext(ctx, ref); err != nil {
					log.Warn("amf: Nsmf_PDUSession_ReleaseSMContext of a failed UE context failed", "pdu_session_id", psi, "err", err)
				}
			}
		}
		if supi == "" {
			return
		}
		if prev != nil {
			<-prev
		}
		if a.services.UECM != nil {
			if err := a.services.UECM.DeregisterAMF(ctx, supi, a.guami()); err != nil {
				log.Warn("amf: Nudm_UECM_Deregistration of a failed UE context failed", "err", err)
			}
		}
		a.ues.Lock()
		if a.ues.releasing[supi] == done {
			delete(a.ues.releasing, supi)
		}
		a.ues.Unlock()
	}
	if !a.runs.admit() {
		run()
		return
	}
	a.runs.spawn(func() {
		defer a.runs.done()
		run()
	})
}

// orderedUECM is the UDM's Nudm_UECM as the AMF's UEs use it: a
// registration waits until the release of a failed context of the same
// SUPI (releaseFailed) has deregistered it, within the call's deadline.
type orderedUECM struct {
	sbi.NudmUECM
	a *AMF
}

// RegisterAMF stamps the AMF's identity (amfInstanceId, guami) on the
// registration the UE's procedure makes (TS 29.503 §5.3.2.2.2).
func (o orderedUECM) RegisterAMF(ctx context.Context, supi string, reg sbi.AMFRegistration) error {
	reg.AMFInstanceID, reg.GUAMI = o.a.cfg.InstanceID, o.a.guami()
	o.a.ues.Lock()
	done := o.a.ues.releasing[supi]
	o.a.ues.Unlock()
	if done != nil {
		select {
		case <-done:
		case <-ctx.Done():
			return fmt.Errorf("amf: Nudm_UECM_Registration waiting for the release of a failed context: %w", ctx.Err())
		}
	}
	return o.NudmUECM.RegisterAMF(ctx, supi, reg)
}

// DeregisterAMF purges the registration with this AMF's GUAMI
// (TS 29.503 §5.3.2.4.2), whatever the caller gave.
func (o orderedUECM) DeregisterAMF(ctx context.Context, supi string, _ ident.GUAMI) error {
	return o.NudmUECM.DeregisterAMF(ctx, supi, o.a.guami())
}

// guami is the AMF's GUAMI in the SBI's vocabulary.
func (a *AMF) guami() ident.GUAMI {
	return a.cfg.GUAMI
}

// maxDeregisteredTMSIs bounds the 5G-TMSIs of implicitly deregistered
// UEs the AMF remembers (AMF.ues.deregistered): 4 bytes each.
const maxDeregisteredTMSIs = 1 << 16

// rememberDeregistered records the 5G-TMSI of a UE implicitly
// deregistered, forgetting the oldest beyond maxDeregisteredTMSIs.
func (a *AMF) rememberDeregistered(tmsi stmsi) {
	if tmsi == 0 {
		return
	}
	a.ues.Lock()
	defer a.ues.Unlock()
	if _, ok := a.ues.deregistered[tmsi]; ok {
		return
	}
	if len(a.ues.deregOrder) >= maxDeregisteredTMSIs {
		delete(a.ues.deregistered, a.ues.deregOrder[0])
		a.ues.deregOrder = a.ues.deregOrder[1:]
	}
	a.ues.deregistered[tmsi] = struct{}{}
	a.ues.deregOrder = append(a.ues.deregOrder, tmsi)
}

// dropUE forgets a UE entirely; run on its executor. A non-nil release
// is the cause of the UE Context Release Command for its connection.
func (a *AMF) dropUE(u *ueContext, release *ie.Cause) {
	if u.dropped {
		return
	}
	u.dropped = true
	u.forgetRecords()
	a.ueCount.Add(-1)
	a.metrics.ues.Dec()
	a.registered(u)
	for i := range u.timers {
		u.cancel(i)
	}
	u.timers = nil
	if ho := u.handover; ho != nil {
		a.endHandover(u, ho, ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentHandoverCancelled))
	}
	if c := u.conn.Swap(nil); c != nil {
		if release != nil {
			a.retire(c, release)
		} else {
			a.unbindConn(c)
		}
	}
	a.ues.Lock()
	if u.tmsi != 0 && a.ues.byTMSI[u.tmsi] == u {
		delete(a.ues.byTMSI, u.tmsi)
	}
	a.dropAlias(u)
	if u.supi != "" && a.ues.bySUPI[u.supi] == u {
		delete(a.ues.bySUPI, u.supi)
	}
	a.ues.Unlock()
}

// UEs lists the UEs the AMF knows by SUPI.
func (a *AMF) UEs() []UE {
	list := a.listUEs()
	out := make([]UE, 0, len(list))
	for _, u := range list {
		if v, ok := u.view(); ok {
			out = append(out, v)
		}
	}
	return out
}

// DeregisterUE starts network-initiated deregistration of a UE.
func (a *AMF) DeregisterUE(ctx context.Context, supi string) error {
	a.ues.Lock()
	u := a.ues.bySUPI[supi]
	a.ues.Unlock()
	if u == nil {
		return ErrUnknownUE
	}
	u.do(func() { u.m.Deregister(context.Background()) })
	return nil
}
