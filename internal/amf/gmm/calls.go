package gmm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// A machine does not call the other NFs itself. It issues a call as a
// Request through Shell.Call, tagged with a CallID, and the shell
// performs it off the UE's executor (Perform) and hands the Answer back
// as an event: Answered. Until then the UE's other events run — a UE
// Context Release, a second REGISTRATION REQUEST, a DEREGISTRATION
// REQUEST, a timer — and any of them may end the procedure that waits.
//
// The procedure waiting for an answer is procCall, with its call in
// Machine.calling, and the SBIDeadline timer guards it. The answer
// resumes the procedure only when it carries the ID of the call in
// Machine.calling; any other answer belongs to a procedure that has
// ended since, and is discarded (its effect at the peer stays: an AUSF
// context expires there, a UDM registration is replaced by the next one
// or removed by the deregistration). SBIDeadline expiring first answers
// the call with ErrNoAnswer, which sbi.Temporary reports, so silence
// ends the procedure as a temporary failure of the peer does: #22 with
// T3346 (TS 24.501 §5.5.1.2.5, §5.6.1.5).
//
// Calls whose answer no procedure waits for (DeleteAuth, DeregisterAMF,
// ReleaseSMContext: of a replaced session, of a deregistered UE's, of
// those the UE's PDU session status no longer lists) are notifications: they are issued the same way,
// under their deadline, and their answer is only logged when it is an
// error. CreateSMContext, and UpdateSMContext with a 5GSM message of the
// UE, are issued the same way too, each answer matched to its PDU
// session establishment or its relayed message (handle_session.go); so
// are the UpdateSMContext ACTIVATING a SERVICE REQUEST or registration
// update waits for (activation.go, under ActivationDeadline) and those
// of a Modify Indication (handle_session_notify.go).

// CallID tags a call; the machine numbers its calls from 1.
type CallID uint64

// Request is a call to another NF. Its concrete types are the requests
// below, one per service operation.
type Request interface {
	// Operation names the service operation, as TS 29.5xx does.
	Operation() string
}

// Answer is the outcome of a Request: the answer type of the request's
// operation, with Err set when the call failed.
type Answer interface {
	// Error is the call's failure, nil on success.
	Error() error
}

// Authenticate is Nausf_UEAuthentication_Authenticate (TS 29.509 §5.2.2.2.2).
type Authenticate struct{ Req sbi.AuthRequest }

// ConfirmAuth is the 5G-AKA confirmation of Nausf_UEAuthentication
// (TS 29.509 §5.2.2.2.2 step 2).
type ConfirmAuth struct {
	AuthCtxID string
	RES       [16]byte
}

// DeleteAuth ends an authentication the UE failed (TS 29.509 §5.2.2.4);
// a notification.
type DeleteAuth struct {
	AuthCtxID string
	Cause     uint8
}

// RegisterAMF is Nudm_UECM_Registration for 3GPP access (TS 29.503 §5.3.2.2.2).
type RegisterAMF struct {
	SUPI         string
	Registration sbi.AMFRegistration
}

// DeregisterAMF is Nudm_UECM_Deregistration (TS 29.503 §5.3.2.4.2); a
// notification. A zero GUAMI removes the registration whichever AMF
// holds it.
type DeregisterAMF struct {
	SUPI  string
	GUAMI ident.GUAMI
}

// GetAMData is Nudm_SDM_Get of the access and mobility subscription data
// (TS 29.503 §5.2.2.2.3).
type GetAMData struct{ SUPI string }

// CreateSMContext is Nsmf_PDUSession_CreateSMContext (TS 29.502
// §5.2.2.2), for the PDU session establishment of a registered UE.
type CreateSMContext struct{ Data sbi.SmContextCreateData }

// UpdateSMContext is Nsmf_PDUSession_UpdateSMContext (TS 29.502
// §5.2.2.3) carrying a 5GSM message of the UE for one of its sessions.
type UpdateSMContext struct {
	Ref  string
	Data sbi.SmContextUpdateData
}

func (UpdateSMContext) Operation() string { return "Nsmf_PDUSession_UpdateSMContext" }

// ReleaseSMContext is Nsmf_PDUSession_ReleaseSMContext (TS 29.502
// §5.2.2.4); a notification.
type ReleaseSMContext struct{ Ref string }

func (CreateSMContext) Operation() string  { return "Nsmf_PDUSession_CreateSMContext" }
func (ReleaseSMContext) Operation() string { return "Nsmf_PDUSession_ReleaseSMContext" }

// SelectSlices is Nnssf_NSSelection_Get for a registration (TS 29.531
// §5.2.2.2.2).
type SelectSlices struct{ Query sbi.NSSelectionQuery }

func (SelectSlices) Operation() string  { return "Nnssf_NSSelection_Get" }
func (Authenticate) Operation() string  { return "Nausf_UEAuthentication_Authenticate" }
func (ConfirmAuth) Operation() string   { return "Nausf_UEAuthentication_Confirm" }
func (DeleteAuth) Operation() string    { return "Nausf_UEAuthentication_Delete" }
func (RegisterAMF) Operation() string   { return "Nudm_UECM_Registration" }
func (DeregisterAMF) Operation() string { return "Nudm_UECM_Deregistration" }
func (GetAMData) Operation() string     { return "Nudm_SDM_Get(am-data)" }

// The answers, one type per operation.
type (
	AuthenticateAnswer struct {
		Challenge sbi.AuthChallenge
		Err       error
	}
	ConfirmAuthAnswer struct {
		Confirmation sbi.AuthConfirmation
		Err          error
	}
	DeleteAuthAnswer    struct{ Err error }
	RegisterAMFAnswer   struct{ Err error }
	DeregisterAMFAnswer struct{ Err error }
	GetAMDataAnswer     struct {
		Data sbi.AMData
		Err  error
	}
	SelectSlicesAnswer struct {
		Info sbi.AuthorizedNetworkSliceInfo
		Err  error
	}
	CreateSMContextAnswer struct {
		Created sbi.SmContextCreatedData
		Err     error
	}
	ReleaseSMContextAnswer struct{ Err error }
	UpdateSMContextAnswer  struct {
		Updated sbi.SmContextUpdatedData
		Err     error
	}
)

func (a AuthenticateAnswer) Error() error     { return a.Err }
func (a ConfirmAuthAnswer) Error() error      { return a.Err }
func (a DeleteAuthAnswer) Error() error       { return a.Err }
func (a RegisterAMFAnswer) Error() error      { return a.Err }
func (a DeregisterAMFAnswer) Error() error    { return a.Err }
func (a GetAMDataAnswer) Error() error        { return a.Err }
func (a SelectSlicesAnswer) Error() error     { return a.Err }
func (a CreateSMContextAnswer) Error() error  { return a.Err }
func (a ReleaseSMContextAnswer) Error() error { return a.Err }
func (a UpdateSMContextAnswer) Error() error  { return a.Err }

// ErrNoAnswer is the failure of a call whose deadline passed without an
// answer. It wraps context.DeadlineExceeded: sbi.Temporary reports it.
var ErrNoAnswer = fmt.Errorf("gmm: no answer within the deadline: %w", context.DeadlineExceeded)

// errNoService answers a call to a service the AMF was not given.
var errNoService = errors.New("gmm: service not configured")

// Perform carries out req against svc and returns its answer. The shell
// runs it off the UE's executor with a context that ends at the call's
// deadline.
func Perform(ctx context.Context, svc Services, req Request) Answer {
	switch r := req.(type) {
	case Authenticate:
		if svc.AUSF == nil {
			return AuthenticateAnswer{Err: errNoService}
		}
		ch, err := svc.AUSF.Authenticate(ctx, r.Req)
		return AuthenticateAnswer{Challenge: ch, Err: err}
	case ConfirmAuth:
		if svc.AUSF == nil {
			return ConfirmAuthAnswer{Err: errNoService}
		}
		c, err := svc.AUSF.Confirm(ctx, r.AuthCtxID, r.RES)
		return ConfirmAuthAnswer{Confirmation: c, Err: err}
	case DeleteAuth:
		if svc.AUSF == nil {
			return DeleteAuthAnswer{Err: errNoService}
		}
		return DeleteAuthAnswer{Err: svc.AUSF.DeleteConfirmation(ctx, r.AuthCtxID, r.Cause)}
	case RegisterAMF:
		if svc.UECM == nil {
			return RegisterAMFAnswer{Err: errNoService}
		}
		return RegisterAMFAnswer{Err: svc.UECM.RegisterAMF(ctx, r.SUPI, r.Registration)}
	case DeregisterAMF:
		if svc.UECM == nil {
			return DeregisterAMFAnswer{Err: errNoService}
		}
		return DeregisterAMFAnswer{Err: svc.UECM.DeregisterAMF(ctx, r.SUPI, r.GUAMI)}
	case GetAMData:
		if svc.SDM == nil {
			return GetAMDataAnswer{Err: errNoService}
		}
		d, err := svc.SDM.AccessAndMobility(ctx, r.SUPI)
		return GetAMDataAnswer{Data: d, Err: err}
	case CreateSMContext:
		if svc.SMF == nil {
			return CreateSMContextAnswer{Err: errNoService}
		}
		c, err := svc.SMF.CreateSMContext(ctx, r.Data)
		return CreateSMContextAnswer{Created: c, Err: err}
	case UpdateSMContext:
		if svc.SMF == nil {
			return UpdateSMContextAnswer{Err: errNoService}
		}
		u, err := svc.SMF.UpdateSMContext(ctx, r.Ref, r.Data)
		return UpdateSMContextAnswer{Updated: u, Err: err}
	case ReleaseSMContext:
		if svc.SMF == nil {
			return ReleaseSMContextAnswer{Err: errNoService}
		}
		return ReleaseSMContextAnswer{Err: svc.SMF.ReleaseSMContext(ctx, r.Ref)}
	case SelectSlices:
		if svc.NSSF == nil {
			return SelectSlicesAnswer{Err: errNoService}
		}
		info, err := svc.NSSF.NetworkSliceInformation(ctx, r.Query)
		return SelectSlicesAnswer{Info: info, Err: err}
	}
	panic(fmt.Sprintf("gmm: Perform: unknown request %T", req))
}

// noAnswer is the answer of req when its deadline passed.
func noAnswer(req Request) Answer {
	switch req.(type) {
	case Authenticate:
		return AuthenticateAnswer{Err: ErrNoAnswer}
	case ConfirmAuth:
		return ConfirmAuthAnswer{Err: ErrNoAnswer}
	case RegisterAMF:
		return RegisterAMFAnswer{Err: ErrNoAnswer}
	case GetAMData:
		return GetAMDataAnswer{Err: ErrNoAnswer}
	case SelectSlices:
		return SelectSlicesAnswer{Err: ErrNoAnswer}
	}
	panic(fmt.Sprintf("gmm: no answer type for %T", req))
}

// Deadlines bound the calls of the procedures, each from when it is
// issued. A zero field takes its default: DefaultSBITimeout for the
// AUSF, the UDM and the reactivation, three times that for the SMF's
// other calls (the SMF may itself wait for the UPF: N4 retransmissions,
// TS 29.244 §6.4).
type Deadlines struct {
	// Authentication bounds each Nausf_UEAuthentication call.
	Authentication time.Duration
	// Subscription bounds each Nudm_UECM and Nudm_SDM call of a
	// registration, and its Nnssf_NSSelection_Get.
	Subscription time.Duration
	// Session bounds each Nsmf_PDUSession call but the ACTIVATING below.
	Session time.Duration
	// Reactivation bounds each UpdateSMContext ACTIVATING a SERVICE
	// REQUEST or registration update waits for, and the wait itself
	// (ActivationDeadline, activation.go): it stays below the UE's
	// T3517 and T3510 (15 s, TS 24.501 §10.2), so the UE gets its accept,
	// the sessions the SMF did not answer for marked #92, before it gives
	// up. The SMF has no N4 exchange to make for it (TS 23.502 §4.2.3.2
	// step 5: it returns the N2 SM information it holds).
	Reactivation time.Duration
}

// of returns the deadline of req.
func (d Deadlines) of(req Request) time.Duration {
	switch r := req.(type) {
	case Authenticate, ConfirmAuth, DeleteAuth:
		return orDefault(d.Authentication, DefaultSBITimeout)
	case UpdateSMContext:
		if r.Data.UpCnxState == sbi.UpCnxActivating {
			return orDefault(d.Reactivation, DefaultSBITimeout)
		}
		return orDefault(d.Session, 3*DefaultSBITimeout)
	case CreateSMContext, ReleaseSMContext:
		return orDefault(d.Session, 3*DefaultSBITimeout)
	}
	return orDefault(d.Subscription, DefaultSBITimeout)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// A PDU session establishment is no 5GMM procedure: the UE may run
// several at once, beside any 5GMM procedure. Its call
// (CreateSMContext) is kept in Machine.establishing by call ID, not in
// procCall, and has no SBIDeadline: the shell's deadline
// (Deadlines.Session) ends the call with an error answer. Deregistration
// forgets the establishments; the SM context of an answer that finds
// its establishment gone, or the UE without its N2 connection, is
// released at the SMF (ReleaseSMContext), the UE having received no
// accept (it learns the session's absence from the PDU session status,
// TS 24.501 §5.6.1.4).

// outstanding is the call the running procedure (procCall) waits for.
type outstanding struct {
	id  CallID
	req Request
	// ksiRetry marks the Authenticate of TS 24.501 §5.4.1.3.7 e (ngKSI
	// already in use): a second such failure is not retried.
	ksiRetry bool
}

// call issues req for the running procedure, which waits for the answer
// (Answered) or the deadline (SBIDeadline) in procCall.
func (m *Machine) call(req Request) {
	m.stopTimer()
	m.lastCall++
	m.proc = procCall
	m.calling = outstanding{id: m.lastCall, req: req}
	d := m.cfg.Deadlines.of(req)
	m.sh.Call(m.lastCall, req, d)
	m.sh.StartTimer(SBIDeadline, d)
}

// notify issues req outside procCall: a notification, or a call whose
// answer Answered matches by its ID (CreateSMContext, UpdateSMContext).
func (m *Machine) notify(req Request) {
	m.lastCall++
	m.sh.Call(m.lastCall, req, m.cfg.Deadlines.of(req))
}

// Answered delivers the answer to call id. An answer to a notification
// is logged if it failed; an answer to a call no procedure waits for any
// more is discarded, and Answered reports false.
func (m *Machine) Answered(ctx context.Context, id CallID, a Answer) bool {
	switch ans := a.(type) {
	case DeleteAuthAnswer:
		if err := a.Error(); err != nil {
			m.log.Info("the AUSF did not end the authentication context", m.identity(), "error", err)
		}
		return true
	case DeregisterAMFAnswer:
		if err := a.Error(); err != nil {
			m.log.Warn("Nudm_UECM_Deregistration failed", "error", err)
		}
		return true
	case ReleaseSMContextAnswer:
		if err := a.Error(); err != nil {
			m.log.Warn("Nsmf_PDUSession_ReleaseSMContext failed", "error", err)
		}
		return true
	case RegisterAMFAnswer:
		if m.uecmRegistered(id, ans.Err) {
			return true
		}
	case CreateSMContextAnswer:
		return m.smContextCreated(id, ans)
	case UpdateSMContextAnswer:
		if m.activationAnswered(ctx, id, ans) {
			return true
		}
		return m.smContextUpdated(id, ans)
	}
	if m.proc != procCall || id != m.calling.id {
		m.log.Debug("SBI answer discarded: the procedure that called is gone", "call", uint64(id), "error", a.Error())
		return false
	}
	m.sh.StopTimer(SBIDeadline)
	m.resume(ctx, a)
	return true
}

// callExpired ends the outstanding call at its deadline.
func (m *Machine) callExpired(ctx context.Context) {
	if m.proc != procCall {
		return
	}
	m.log.Info("SBI call unanswered within its deadline", "operation", m.calling.req.Operation())
	m.resume(ctx, noAnswer(m.calling.req))
}

// resume goes on with the procedure that waited for a.
func (m *Machine) resume(ctx context.Context, a Answer) {
	c := m.calling
	m.proc, m.calling = procNone, outstanding{}
	switch a := a.(type) {
	case AuthenticateAnswer:
		m.challenged(c.req.(Authenticate).Req, c.ksiRetry, a)
	case ConfirmAuthAnswer:
		m.confirmed(ctx, a)
	case RegisterAMFAnswer:
		m.amfRegistered(a.Err)
	case GetAMDataAnswer:
		m.subscriptionFetched(ctx, a)
	case SelectSlicesAnswer:
		m.slicesSelected(ctx, a)
	}
}
