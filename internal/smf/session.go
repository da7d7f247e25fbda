package smf

import (
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ippool"
	"github.com/keelcore/keel/internal/sbi"
)

// state is where a PDU session stands. The transitions (the table is
// transitions below):
//
//	establishing ─evEstablished─▶ activating ─evN2Setup─▶ active
//	activating, active, inactive ─evANReleased─▶ inactive ─evN2Setup─▶ active
//	inactive ─evUPActivating─▶ activating (a Service Request; the gNB's answer, evN2Setup, makes it active)
//	activating ─evUPActivating─▶ activating, active ─evUPActivating─▶ active (asked again: the same answer)
//	activating, inactive ─evReactivationFailed─▶ inactive (the gNB could not set a reactivated session up)
//	activating, active, inactive ─evReleaseRequested─▶ releasing ─evReleaseComplete─▶ released
//	activating, active, inactive ─evN2SetupFailed─▶ released (the session's first setup failed)
//	every state but released ─evLocalRelease─▶ released
type state uint8

const (
	// establishing: the N4 session is being set up; the SMF has not
	// answered CreateSMContext yet.
	establishing state = iota
	// activating: accepted, or being reactivated after idle; the
	// downlink waits (FAR buffer) for the gNB's tunnel from the PDU
	// Session Resource Setup Response.
	activating
	// active: downlink forwarded to the gNB (FAR forward with outer
	// header creation).
	active
	// inactive: the UE's user plane is deactivated (AN release, UE
	// idle); the UPF buffers the downlink and reports its first packet
	// (FAR BUFF|NOCP), the session is kept.
	inactive
	// releasing: the N4 session and the address are gone; the SMF
	// waits for PDU SESSION RELEASE COMPLETE.
	releasing
	// released: the context is gone.
	released
	numStates
)

var stateNames = [numStates]string{"establishing", "activating", "active", "inactive", "releasing", "released"}

func (s state) String() string {
	if s < numStates {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// eventKind indexes the transition table.
type eventKind uint8

const (
	kindEstablished eventKind = iota
	kindN2Setup
	kindN2SetupFailed
	kindANReleased
	kindReleaseRequested
	kindReleaseComplete
	kindLocalRelease
	kindUPActivating
	kindReactivationFailed
	numEventKinds
)

// An event is something that happens to a session; each is its own type.
type event interface{ kind() eventKind }

type (
	// evEstablished: the UPF accepted the N4 session.
	evEstablished struct{}
	// evN2Setup: the gNB answered PDU Session Resource Setup with its
	// downlink tunnel.
	evN2Setup struct{ gnb tunnel }
	// evN2SetupFailed: the gNB could not set the session up.
	evN2SetupFailed struct{}
	// evANReleased: the UE's N2 connection is gone (TS 23.502 §4.2.6).
	evANReleased struct{}
	// evReleaseRequested: the UE (PDU SESSION RELEASE REQUEST) or the
	// network asked for release; pti is the UE's PTI or 0.
	evReleaseRequested struct{ pti uint8 }
	// evReleaseComplete: PDU SESSION RELEASE COMPLETE.
	evReleaseComplete struct{}
	// evLocalRelease: the context goes without signalling the UE
	// (ReleaseSMContext, replaced by a new session with its ID, failed
	// establishment).
	evLocalRelease struct{}
	// evUPActivating: the AMF asks for the user plane (UpdateSMContext
	// upCnxState ACTIVATING, TS 23.502 §4.2.3.2 step 4).
	evUPActivating struct{}
	// evReactivationFailed: the gNB could not set up a session that had
	// been active before (PDU Session Resource Setup Unsuccessful).
	evReactivationFailed struct{}
)

func (evEstablished) kind() eventKind      { return kindEstablished }
func (evN2Setup) kind() eventKind          { return kindN2Setup }
func (evN2SetupFailed) kind() eventKind    { return kindN2SetupFailed }
func (evANReleased) kind() eventKind       { return kindANReleased }
func (evReleaseRequested) kind() eventKind { return kindReleaseRequested }
func (evReleaseComplete) kind() eventKind  { return kindReleaseComplete }
func (evLocalRelease) kind() eventKind     { return kindLocalRelease }
func (evUPActivating) kind() eventKind     { return kindUPActivating }
func (evReactivationFailed) kind() eventKind {
	return kindReactivationFailed
}

// transitions[from][event] is the state after the event, or none when
// the event is not allowed in that state.
const none = numStates

var transitions = func() (t [numStates][numEventKinds]state) {
	for s := range t {
		for e := range t[s] {
			t[s][e] = none
		}
		if state(s) != released {
			t[s][kindLocalRelease] = released
		}
	}
	t[establishing][kindEstablished] = activating
	for _, s := range []state{activating, active, inactive} {
		t[s][kindN2Setup] = active
		t[s][kindN2SetupFailed] = released
		t[s][kindANReleased] = inactive
		t[s][kindReleaseRequested] = releasing
	}
	t[inactive][kindUPActivating] = activating
	t[activating][kindUPActivating] = activating
	t[active][kindUPActivating] = active
	t[activating][kindReactivationFailed] = inactive
	t[inactive][kindReactivationFailed] = inactive
	t[releasing][kindReleaseComplete] = released
	return t
}()

// next is the state after e in s; ok is false when e is not allowed.
func next(s state, e event) (state, bool) {
	n := transitions[s][e.kind()]
	return n, n != none
}

// tunnel is one end of an N3 GTP-U tunnel.
type tunnel struct {
	Addr netip.Addr
	TEID uint32
}

// key names a PDU session of a UE.
type key struct {
	supi string
	psi  uint8
}

// session is one PDU session (SM context).
//
// Concurrency: the fields above mu never change after the session is
// made. mu serialises the procedures of the session — every handler
// holds it from its first look at the state to its last change, across
// the session's N4 requests and the PCF calls, but never across a call
// to the AMF (which may call back). The fields below mu are guarded by
// it. upSEID, ulBytes and dlBytes are atomics read without mu (usage
// reports, Sessions).
//
// Sessions, the management API's view, never waits for a procedure: it
// reads the fields it shows that change (state, ipv4, ipv6, n3, gnb)
// under viewMu alone, and they are written with both mu and viewMu
// held (setGNB, setAddresses, transition), so a procedure reads them
// under mu as before. No copy of the view is kept per session.
type session struct {
	key    key
	dnn    string // as the UE asked, for the accept
	snssai ident.SNSSAI
	// state, pduType, pti and upOnce (below) are written with mu held;
	// they sit here, in the bytes after snssai, so that the session
	// fits the allocator's 416-byte class (TestSessionSize).
	state   state
	pduType uint8
	pti     uint8 // of the release in progress
	// upOnce: the user plane was active once; a failed setup after that
	// is a failed reactivation, which keeps the session.
	upOnce bool
	seid   uint64 // CP F-SEID, the SMF's
	pool   *dnnPools
	// up is the UPF the session was given at establishment (select_upf.go).
	up  *upfPeer
	log *slog.Logger

	mu     sync.Mutex
	viewMu sync.Mutex
	ipv4   netip.Addr
	ipv6   netip.Prefix
	policy sbi.SmPolicyDecision
	// flows are the session's QoS flows (qos.go), the default one
	// first.
	flows []qosFlow
	n3    tunnel // the UPF's
	gnb   tunnel // the gNB's, zero until known
	epoch uint64 // the UPF epoch (upfPeer.epoch) of its N4 session; 0: none
	// authorising is set while a UE-requested modification waits for
	// the PCF without the lock (handle_modify_ue.go).
	authorising bool
	// paging: a Downlink Data Report started an N1N2MessageTransfer that
	// has not ended — until the session is active again, the transfer
	// failed or the UE could not be paged. Set by the PFCP handler
	// (without mu), cleared by the procedures.
	paging atomic.Bool
	// mod is the PDU session modification in progress, nil when none;
	// nextPolicy a policy change that waits for it to end
	// (handle_modify.go).
	mod        *modification
	nextPolicy *sbi.SmPolicyDecision
	// unadmitted are QoS flows the gNB did not admit or released while
	// a modification ran: the UE is told to delete their rules once it
	// ends (handle_qos_failed.go).
	unadmitted []qosFlow
	// ho is the N2 handover under way (handle_handover.go), nil when
	// none; written with mu held.
	ho *handover
	// notify are the calls to the PCF made while mu is held (later),
	// sent by SMF.unlock once it is released: no SBI call is made under
	// a session's lock (doc.go). nil while none waits, as almost always.
	notify *[]func()

	// upSEID is the UP F-SEID's SEID, 0 while no N4 session exists;
	// written with mu held.
	upSEID           atomic.Uint64
	ulBytes, dlBytes atomic.Uint64
	// idlePeriod counts the session's idle periods: deactivate starts
	// one (under mu, before the UPF is told to buffer, so every report
	// of the new period sees it; read without mu by the PFCP handler). A Downlink Data Report is for the
	// period current when it came; a paging worker that takes it after
	// the session was reactivated and released again drops it.
	idlePeriod atomic.Uint64
}

// ref is the session's SM context reference (TS 29.502 §5.2.2.2.1): its
// CP SEID in decimal, made when asked rather than kept.
func (ss *session) ref() string { return strconv.FormatUint(ss.seid, 10) }

// AppendLogAttrs gives the session's logger (logattrs.From) its
// attributes, from fields that never change: the SUPI, the PDU session
// ID, the CP SEID and the UPF.
func (ss *session) AppendLogAttrs(dst []slog.Attr) []slog.Attr {
	return append(dst, slog.String("supi", ss.key.supi), slog.Any("pdu_session_id", ss.key.psi),
		slog.Uint64("seid", ss.seid), slog.String("upf", ss.up.name))
}

// downlinkReport is a Downlink Data Report waiting for a paging worker:
// the session and the idle period it came in.
type downlinkReport struct {
	ss     *session
	period uint64
}

// dnnPools are the address pools of one DNN (or DNN and slice).
type dnnPools struct {
	cfg  DNNConfig
	ipv4 *ippool.IPv4 // nil: no IPv4 on this DNN
	ipv6 *ippool.IPv6 // nil: no IPv6 on this DNN
}

// setGNB sets the gNB's tunnel. Called with ss.mu held.
func (ss *session) setGNB(t tunnel) {
	ss.viewMu.Lock()
	ss.gnb = t
	ss.viewMu.Unlock()
}

// setAddresses sets the UE's addresses. Called with ss.mu held.
func (ss *session) setAddresses(v4 netip.Addr, v6 netip.Prefix) {
	ss.viewMu.Lock()
	ss.ipv4, ss.ipv6 = v4, v6
	ss.viewMu.Unlock()
}

// info is the session as Sessions shows it; false while it is being
// established or once it is released. It reads under viewMu, never
// waiting for a procedure.
func (ss *session) info() (sbi.SessionInfo, bool) {
	ss.viewMu.Lock()
	st, v4, v6, n3, gnb := ss.state, ss.ipv4, ss.ipv6, ss.n3, ss.gnb
	ss.viewMu.Unlock()
	if st == establishing || st == released {
		return sbi.SessionInfo{}, false
	}
	return sbi.SessionInfo{
		SUPI: ss.key.supi, PDUSessionID: ss.key.psi, DNN: ss.dnn, SNSSAI: ss.snssai,
		PDUType: pduTypeName(ss.pduType), IPv4: v4, IPv6Prefix: v6,
		UPF: ss.up.name, SEID: ss.seid, UPSEID: ss.upSEID.Load(), ULTEID: n3.TEID,
		DLTEID: gnb.TEID, GNBAddr: gnb.Addr, State: st.infoName(), UpCnxState: st.upCnxState(),
		ULBytes: ss.ulBytes.Load(), DLBytes: ss.dlBytes.Load(),
	}, true
}

// upCnxState is the user plane connection's state (TS 29.502
// §6.1.6.3.2): ACTIVATING until the gNB's tunnel is known, ACTIVATED,
// DEACTIVATED while the UE is idle.
func (s state) upCnxState() sbi.UpCnxState {
	switch s {
	case activating:
		return sbi.UpCnxActivating
	case active:
		return sbi.UpCnxActivated
	case inactive:
		return sbi.UpCnxDeactivated
	}
	return sbi.UpCnxNone
}

// infoName is the state as sbi.SessionInfo names it.
func (s state) infoName() string {
	switch s {
	case activating, active:
		return "active"
	case inactive:
		return "inactive"
	}
	return s.String()
}

// unlock releases ss.mu, then makes the calls to the PCF queued under it
// (ss.notify), in order, on the caller's goroutine.
func (s *SMF) unlock(ss *session) {
	var q []func()
	if ss.notify != nil {
		q, ss.notify = *ss.notify, nil
	}
	ss.mu.Unlock()
	for _, f := range q {
		f()
	}
}

// later queues calls for SMF.unlock to make once ss.mu is released.
// Called with ss.mu held.
func (ss *session) later(fs ...func()) {
	if len(fs) == 0 {
		return
	}
	if ss.notify == nil {
		ss.notify = new([]func())
	}
	*ss.notify = append(*ss.notify, fs...)
}
