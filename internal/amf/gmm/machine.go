package gmm

import (
	"context"
	"errors"
	"log/slog"
	"time"

	fnas "github.com/free5gc/nas"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/secret"
)

// Timer names a 5GMM network timer (TS 24.501 §10.2).
type Timer uint8

const (
	T3550 Timer = iota + 1 // REGISTRATION ACCEPT sent, waiting for REGISTRATION COMPLETE
	T3560                  // AUTHENTICATION REQUEST or SECURITY MODE COMMAND sent
	T3570                  // IDENTITY REQUEST sent
	T3522                  // network DEREGISTRATION REQUEST sent
	// T3513 runs while the UE is paged (TS 24.501 §5.6.2.2.1, table
	// 10.2.2: network dependent); each expiry repeats the paging.
	T3513
	// MobileReachable runs while a registered UE is in 5GMM-IDLE (TS
	// 24.501 §5.3.7); on expiry ImplicitDeregistration starts.
	MobileReachable
	// ImplicitDeregistration runs after the mobile reachable timer
	// expired; on expiry the UE is implicitly deregistered (§5.3.7).
	ImplicitDeregistration
	// T3555 runs while a CONFIGURATION UPDATE COMMAND that requested
	// acknowledgement waits for its CONFIGURATION UPDATE COMPLETE (TS
	// 24.501 §5.4.4.2).
	T3555
	// SBIDeadline runs while the machine waits for the answer of a call
	// to another NF (calls.go); on expiry the call has failed.
	SBIDeadline
	// ActivationDeadline runs while a SERVICE REQUEST or a registration
	// update waits for the SMF to activate the user plane of the UE's
	// sessions (activation.go); on expiry the sessions not answered for
	// are not reactivated.
	ActivationDeadline
)

// MaxTimer is the highest Timer value.
const MaxTimer = ActivationDeadline

func (t Timer) String() string {
	switch t {
	case T3550:
		return "T3550"
	case T3560:
		return "T3560"
	case T3570:
		return "T3570"
	case T3522:
		return "T3522"
	case T3513:
		return "T3513"
	case MobileReachable:
		return "mobile-reachable"
	case ImplicitDeregistration:
		return "implicit-deregistration"
	case T3555:
		return "T3555"
	case SBIDeadline:
		return "sbi-deadline"
	case ActivationDeadline:
		return "activation-deadline"
	}
	return "T?"
}

// maxExpiries is the expiry on which a procedure is aborted: TS 24.501
// retransmits four times and gives up on the fifth expiry of T3550,
// T3560, T3570, T3522 and T3555.
const maxExpiries = 5

// State is the 5GMM state of the UE in the network (TS 24.501 §5.1.3.2.2).
type State uint8

const (
	Deregistered State = iota
	CommonProcedureInitiated
	Registered
	DeregisteredInitiated
)

func (s State) String() string {
	switch s {
	case Deregistered:
		return "deregistered"
	case CommonProcedureInitiated:
		return "common-procedure-initiated"
	case Registered:
		return "registered"
	case DeregisteredInitiated:
		return "deregistered-initiated"
	}
	return "unknown"
}

// procedure is the specific procedure waiting for the UE.
type procedure uint8

const (
	procNone procedure = iota
	procIdentification
	procAuthentication
	procSecurityMode
	procRegistrationAccept
	procDeregistration
	procConfigurationUpdate
	// procCall waits for the answer of a call to another NF (calls.go).
	procCall
)

// Config is what every UE's machine shares.
type Config struct {
	PLMN               ident.PLMN
	ServingNetworkName string
	TAIs               []ident.TAI
	// NFInstanceID is the AMF's NF instance ID (a UUID), the nf-id of
	// its Nnssf_NSSelection queries (TS 29.531 §6.1.3.2.3.1).
	NFInstanceID string
	// Integrity and Ciphering are the algorithm preference orders.
	Integrity, Ciphering []uint8
	T3512                time.Duration
	Timers               Timers
	// Deadlines bound the calls to the other NFs (calls.go).
	Deadlines Deadlines
	// T3346 is the back-off a UE is given with cause #22 when the AMF
	// is congested; 0 means DefaultT3346.
	T3346 time.Duration
	// PagingAttempts is how many Paging messages one paging run sends,
	// one per T3513 period, before it fails; 0 means
	// DefaultPagingAttempts.
	PagingAttempts int
	// Accept holds the operator's settings of REGISTRATION ACCEPT IEs.
	Accept AcceptIEs
	// NITZ, when set, is sent to every UE in a CONFIGURATION UPDATE
	// COMMAND once its initial registration is complete (TS 24.501
	// §5.4.4.2); nil sends none.
	NITZ *NITZ
	// AfterRegistration says when the UE's N2 connection is released
	// once a registration without follow-on request is done.
	AfterRegistration ConnectionPolicy
}

// ConnectionPolicy says what becomes of the UE's N2 connection at the end
// of a registration whose REGISTRATION REQUEST had no follow-on request
// pending and after which the network has nothing pending for the UE
// (TS 24.501 §5.5.1.2.4, §5.5.1.3.4, TS 23.502 §4.2.2.2.2 and §4.2.6).
type ConnectionPolicy uint8

const (
	// ReleaseAfterUpdate releases it after a mobility or periodic
	// registration update and keeps it after an initial registration.
	ReleaseAfterUpdate ConnectionPolicy = iota
	// ReleaseAfterRegistration releases it after every registration, as
	// TS 24.501 §5.5.1.2.4 and §5.5.1.3.4 have the network do.
	ReleaseAfterRegistration
	// KeepAfterRegistration keeps it: the gNB releases it, e.g. for
	// user inactivity.
	KeepAfterRegistration
)

// DefaultT3346 is the back-off given to UEs refused for congestion.
const DefaultT3346 = 2 * time.Minute

// Timers holds the network timer values (TS 24.501 table 10.2.2: 6 s
// each for the retransmission timers). A zero T3513, MobileReachable or
// ImplicitDeregistration takes its default.
type Timers struct {
	T3550, T3560, T3570, T3522 time.Duration
	// T3513 is the paging retransmission timer (network dependent);
	// 0 means DefaultT3513.
	T3513 time.Duration
	// MobileReachable is the mobile reachable timer; 0 means T3512 + 4
	// minutes, its default in TS 24.501 §5.3.7.
	MobileReachable time.Duration
	// ImplicitDeregistration is the implicit deregistration timer
	// (network dependent, §5.3.7); 0 means DefaultImplicitDeregistration.
	ImplicitDeregistration time.Duration
	// T3555 guards a CONFIGURATION UPDATE COMMAND; 0 means DefaultT3555.
	T3555 time.Duration
}

// Defaults of the network-dependent timers and of Config.PagingAttempts.
const (
	DefaultT3513                  = 4 * time.Second
	DefaultPagingAttempts         = 3
	DefaultImplicitDeregistration = 4 * time.Minute
	// mobileReachableMargin is how much longer than T3512 the mobile
	// reachable timer runs by default (TS 24.501 §5.3.7).
	mobileReachableMargin = 4 * time.Minute
)

// DefaultTimers are the values of TS 24.501 table 10.2.2.
var DefaultTimers = Timers{T3550: 6 * time.Second, T3560: 6 * time.Second, T3570: 6 * time.Second, T3522: 6 * time.Second}

func (t Timers) of(x Timer) time.Duration {
	switch x {
	case T3550:
		return t.T3550
	case T3560:
		return t.T3560
	case T3570:
		return t.T3570
	case T3513:
		if t.T3513 == 0 {
			return DefaultT3513
		}
		return t.T3513
	case ImplicitDeregistration:
		if t.ImplicitDeregistration == 0 {
			return DefaultImplicitDeregistration
		}
		return t.ImplicitDeregistration
	case T3555:
		if t.T3555 == 0 {
			return DefaultT3555
		}
		return t.T3555
	}
	return t.T3522
}

// Services are the network functions the AMF consumes.
type Services struct {
	AUSF sbi.NausfUEAuthentication
	SDM  sbi.NudmSDM
	UECM sbi.NudmUECM
	// SMF serves the UE's PDU sessions; nil refuses them.
	SMF sbi.NsmfPDUSession
	// NSSF decides the slices of each registration (Nnssf_NSSelection,
	// TS 23.502 §4.2.2.2.3); nil refuses registrations.
	NSSF sbi.NnssfNSSelection
}

// ContextSetup is what an Initial Context Setup Request carries for the
// UE (TS 38.413 §8.3.1, TS 23.502 §4.2.2.2.2 step 21).
type ContextSetup struct {
	KgNB                         secret.Key256
	Capabilities                 ngap.UESecurityCapabilities
	AllowedNSSAI                 []ident.SNSSAI
	UEAMBRUplink, UEAMBRDownlink uint64
	NASPDU                       []byte
	// Sessions are the PDU sessions whose user plane the context sets
	// up (TS 38.413 §9.2.2.1 PDU Session Resource Setup Request List:
	// a Service Request, TS 23.502 §4.2.3.2 step 12).
	Sessions []SessionResource
	// ForgetRadioCapability tells the AMF to delete the UE radio
	// capability it keeps before the context is set up (TS 23.502
	// §4.2.2.2.2: a Registration Request of type initial registration or
	// with "UE radio capability update needed", TS 24.501 §9.11.3.9A
	// NG-RAN-RCU): the gNB then asks the UE afresh.
	ForgetRadioCapability bool
}

// Release causes for the UE's N2 connection (TS 38.413 §9.3.1.2, NAS).
type ReleaseCause uint8

const (
	ReleaseNormal ReleaseCause = iota
	ReleaseAuthenticationFailure
	ReleaseDeregister
	ReleaseUnspecified
)

// Outcome is a procedure result the AMF counts.
type Outcome struct {
	Procedure string // "registration", "authentication", "deregistration"
	Result    string // "accepted", "rejected", "timeout", ... — a bounded set
}

// Shell is what a Machine needs from the AMF. Calls come from the UE's
// executor only.
type Shell interface {
	// SendNAS sends a downlink NAS PDU (Downlink NAS Transport).
	SendNAS(pdu []byte)
	// SetupContext sends an Initial Context Setup Request.
	SetupContext(c ContextSetup)
	// Release releases the UE's N2 connection (UE Context Release Command).
	Release(cause ReleaseCause)
	StartTimer(t Timer, d time.Duration)
	StopTimer(t Timer)
	// AllocateGUTI returns a fresh 5G-GUTI that now names this UE.
	AllocateGUTI() ident.GUTI
	// RestoreGUTI makes g, the UE's 5G-GUTI before the last
	// AllocateGUTI, name it again; the new one, which the UE never
	// acknowledged but may hold, names it too until the next
	// AllocateGUTI (TS 24.501 §5.4.4.4, §5.4.4.6: both stay valid).
	RestoreGUTI(g ident.GUTI)
	// Identified reports the UE's SUPI once it is authenticated.
	Identified(supi string)
	// Outcome reports the end of a procedure.
	Outcome(o Outcome)
	// SetupSessions sends a PDU Session Resource Setup Request.
	SetupSessions(items []SessionResource)
	// ReleaseSessions sends a PDU Session Resource Release Command.
	ReleaseSessions(nasPDU []byte, items []SessionResource)
	// ModifySessions sends a PDU Session Resource Modify Request, each
	// item with its NAS-PDU (TS 38.413 §8.2.3).
	ModifySessions(items []SessionResource)
	// ModifyContext sends a UE Context Modification Request with a new
	// UE-AMBR in bit/s (TS 38.413 §8.3.4).
	ModifyContext(ambrDownlink, ambrUplink uint64)
	// Congested reports whether the AMF is refusing new registrations
	// (TS 24.501 §5.3.9: 5GMM congestion control).
	Congested() bool
	// Page sends an NGAP Paging for the UE to the gNBs serving a
	// tracking area of its registration area.
	Page(p Paging)
	// ConfirmModification sends the PDU Session Resource Modify
	// Confirm answering the gNB's Modify Indication (TS 38.413
	// §8.2.5.2): each session's Modify Confirm Transfer, or its Modify
	// Indication Unsuccessful Transfer (Failed).
	ConfirmModification(results []ngap.SessionResult)
	// Call performs req off the UE's executor, within deadline, and
	// delivers its answer with Machine.Answered(id, ...) on the UE's
	// executor. It must not call the machine before returning.
	Call(id CallID, req Request, deadline time.Duration)
	// TransfersFailed tells the sender of each N1N2 transfer that it
	// could not be carried out (its FailureNotify, TS 29.518
	// §5.2.2.3.1), from outside the UE's executor.
	TransfersFailed(ts []sbi.N1N2MessageTransferReqData, cause sbi.N1N2MessageTransferCause)
}

// registration is the REGISTRATION REQUEST being served.
type registration struct {
	kind     uint8 // TS 24.501 §9.11.3.7
	follow   bool  // follow-on request pending
	ngKSI    uint8 // the key set the UE holds (7: none)
	identity nas.Identity
	caps     []byte // UE security capability IE value
	nssai    []ident.SNSSAI
	raw      []byte // the plain message, to tell a repeat from a change
	// uplinkData and sessionStatus are the Uplink data status and PDU
	// session status IEs, valid with their has* flags (§5.5.1.3.2).
	uplinkData, sessionStatus       nas.PSISet
	hasUplinkData, hasSessionStatus bool
	// radioCapabilityUpdate is the NG-RAN-RCU bit of the 5GS update
	// type (TS 24.501 §9.11.3.9A, §5.5.1.3.2): the UE's radio capability
	// changed.
	radioCapabilityUpdate bool
	// former is the 5G-GUTI the UE held before the REGISTRATION ACCEPT
	// gave it a new one, until the REGISTRATION COMPLETE (Snapshot).
	former *ident.GUTI
}

// Registration types, TS 24.501 §9.11.3.7.
const (
	regInitial   uint8 = 1
	regMobility  uint8 = 2
	regPeriodic  uint8 = 3
	regEmergency uint8 = 4
)

// Machine is one UE's 5GMM state in the AMF.
type Machine struct {
	cfg *Config
	sh  Shell
	log *slog.Logger
	// smf is set when Services.SMF is: without one, PDU sessions are
	// refused. The machine calls services through the shell only.
	smf bool

	// The one-byte fields are kept together: spread among the larger ones,
	// their padding took the machine past a size class of the allocator.
	state State
	proc  procedure
	// rejectCause is the 5GMM cause of the last REGISTRATION REJECT or
	// SERVICE REJECT, 0 after an AUTHENTICATION REJECT or a failed
	// authentication (no cause is sent); RejectCause reports it.
	rejectCause uint8
	nextKSI     uint8
	// connected is true while the UE has an N2 connection.
	connected bool
	// secured is true once the secure exchange of NAS messages is
	// established on the current connection (TS 24.501 §4.4.4.3).
	secured bool
	// formerly: see FormerlyRegistered.
	formerly bool
	// foreign is set while the UE's 5G-GUTI is one another AMF instance
	// of the set gave it (Restore): the next registration or
	// configuration update gives it one of this instance.
	foreign bool
	// serving is set while the Initial Context Setup of an accepted
	// SERVICE REQUEST waits for the gNB's answer.
	serving bool
	// fetched is set once this instance has the UE's access and
	// mobility subscription from Nudm_SDM (am): a context restored from
	// another instance of the set has it from the record, and its next
	// registration registers with the UDM and fetches it afresh.
	fetched bool
	// idleTimer is the reachability timer running while the registered
	// UE is idle: MobileReachable, then ImplicitDeregistration; 0 while
	// it is connected (reachability.go).
	idleTimer Timer

	expiries int
	// retransmit re-sends the message of the running procedure.
	retransmit func()

	supi    string
	guti    *ident.GUTI
	sec     *nas.Context // current 5G NAS security context
	pending *nas.Context // being taken into use by security mode control
	// service is the SERVICE REQUEST that failed the integrity check,
	// its cleartext IEs, while the UE is authenticated for it
	// (service_security.go); nil otherwise.
	service *nas.ServiceRequest
	reg     *registration
	auth    authState
	caps    []byte // UE security capability IE value
	allowed []ident.SNSSAI
	// am is the access and mobility subscription: am.NSSAI the
	// subscribed NSSAI, am.DefaultNSSAI those marked default. Read only:
	// its slices may be the UDM's own in one process.
	am sbi.AMData
	// sessions are the UE's PDU sessions by ID.
	sessions sessionSet
	// also is the 5G-GUTI an aborted CONFIGURATION UPDATE COMMAND gave:
	// the UE may hold it rather than guti, so both name it until it is
	// given another (TS 24.501 §5.4.4.6; Shell.RestoreGUTI).
	also *ident.GUTI
	// uecm says what the UDM's Nudm_UECM registration of the UE names
	// (uecm.go): this instance, or, after Restore, another instance of
	// the set until this one registers.
	uecm uecmState
	// dl is what waits for the UE while it is idle, and its paging
	// (paging.go).
	dl downlink
	// tais is the TAI list of the UE's last REGISTRATION ACCEPT: its
	// registration area, where it is paged.
	tais []ident.TAI
	// tai is the UE's current TA as the gNB last reported it (Locate);
	// nil until then.
	tai *ident.TAI
	// cu is the running generic UE configuration update procedure
	// (handle_configuration_update.go).
	cu *configUpdate
	// hop is the AS security context's last {NH, NCC} pair (TS 33.501
	// §6.9.2.1.1), set by each Initial Context Setup (handover.go).
	hop nextHop
	// calling is the call procCall waits for; lastCall the ID of the
	// machine's last call (calls.go).
	calling  outstanding
	lastCall CallID
	// establishing are the PDU session establishments waiting for the
	// SMF, by call ID (calls.go).
	establishing map[CallID]establishment
	// relaying are the UE's UpdateSMContext calls waiting for the SMF
	// (its 5GSM messages, the gNB's answers, deactivations), by call ID
	// (handle_session.go).
	relaying map[CallID]relayed
	// act is the user-plane activation a SERVICE REQUEST or registration
	// update waits for; nil when none does (activation.go).
	act *activation
	// releases counts the releases of the UE's N2 connection: what was
	// asked on one connection is not answered on the next
	// (handle_session_notify.go).
	releases uint64
}

// New returns the machine of a UE that has just sent its first message.
func New(cfg *Config, svc Services, sh Shell, log *slog.Logger) *Machine {
	return &Machine{cfg: cfg, smf: svc.SMF != nil, sh: sh, log: log, connected: true}
}

// Locate tells the machine the UE's current TA, from the User Location
// Information of an NGAP message carrying its NAS (TS 38.413 §9.3.1.16):
// the NSSF decides the allowed NSSAI for it (TS 29.531 §5.2.2.2.2).
func (m *Machine) Locate(tai ident.TAI) { m.tai = &tai }

// State returns the 5GMM state.
func (m *Machine) State() State { return m.state }

// RejectCause returns the 5GMM cause (TS 24.501 §9.11.3.2) of the last
// REGISTRATION REJECT or SERVICE REJECT sent, for the Shell's Outcome of a
// rejected procedure to report it; 0 when the registration ended with an
// AUTHENTICATION REJECT or a failed authentication, which carry none.
// Like every Machine method, called from the UE's executor only.
func (m *Machine) RejectCause() uint8 { return m.rejectCause }

// Identity names the UE as its log lines do: "supi" and the SUPI once
// known or given in a null-scheme SUCI, else "suci" and the SUCI of the
// registration running, else "supi" and "".
func (m *Machine) Identity() (kind, value string) {
	a := m.identity()
	return a.Key, a.Value.String()
}

// SUPI returns the UE's SUPI once known.
func (m *Machine) SUPI() string { return m.supi }

// GUTI returns the UE's current 5G-GUTI, if any.
func (m *Machine) GUTI() *ident.GUTI { return m.guti }

// Connected reports whether the UE has an N2 connection.
func (m *Machine) Connected() bool { return m.connected }

// FormerlyRegistered tells a new machine that the 5G-TMSI of the UE's
// first message was one the AMF gave a UE it has since implicitly
// deregistered: a SERVICE REQUEST is then answered #10, not #9 (TS 24.501
// §5.6.1.5).
func (m *Machine) FormerlyRegistered() { m.formerly = true }

// Connect tells the machine that a new N2 connection now carries the UE
// (an Initial UE Message for a known 5G-GUTI).
func (m *Machine) Connect() {
	m.connected = true
	m.secured = false
	m.connectedAgain()
}

// HandleNAS runs one uplink NAS PDU.
func (m *Machine) HandleNAS(ctx context.Context, pdu []byte) {
	h, body, err := nas.Split(pdu)
	if err != nil {
		m.log.Debug("NAS message ignored", "error", err)
		return
	}
	plain, verified := body, false
	if h.Type != nas.Plain {
		plain, verified = m.unprotect(h, body)
		if plain == nil {
			return
		}
	}
	if nas.MessageType(plain) == nas.MsgServiceRequest && (verified || !m.secured) {
		// An initial message, read even when its integrity check fails
		// (TS 24.501 §4.4.4.3): handleServiceRequest answers that case.
		m.handleServiceRequest(ctx, h, plain, verified)
		return
	}
	msg, err := nas.Decode(plain)
	if err != nil {
		var e *nas.Error
		if errors.As(err, &e) && (verified || !m.secured) {
			m.sendStatus(e.Cause, "reason", "malformed NAS message", "error", err)
		}
		return
	}
	mt := msg.GmmHeader.GetMessageType()
	// TS 24.501 §4.4.4.3: once the secure exchange is established the
	// AMF processes only integrity-checked messages; before it, only the
	// messages a UE may send without protection.
	if !verified && (m.secured || !allowedUnprotected(mt)) && mt != fnas.MsgTypeRegistrationRequest {
		m.log.Info("unprotected NAS message discarded", "message_type", mt)
		return
	}
	if !verified && mt == fnas.MsgTypeDeregistrationRequestUEOriginatingDeregistration && m.sec != nil {
		m.ignoreUnprotectedDeregistration()
		return
	}
	m.dispatch(ctx, msg, plain, verified)
}

// allowedUnprotected lists the uplink messages TS 24.501 §4.4.4.3 lets
// the AMF process without integrity protection.
func allowedUnprotected(mt uint8) bool {
	switch mt {
	case fnas.MsgTypeRegistrationRequest, fnas.MsgTypeIdentityResponse,
		fnas.MsgTypeAuthenticationResponse, fnas.MsgTypeAuthenticationFailure,
		fnas.MsgTypeSecurityModeReject, fnas.MsgTypeDeregistrationRequestUEOriginatingDeregistration,
		fnas.MsgTypeDeregistrationAcceptUETerminatedDeregistration, fnas.MsgTypeServiceRequest:
		return true
	}
	return false
}

// unprotect checks an uplink message with the context its header names.
// It returns nil when the message must be discarded; a REGISTRATION
// REQUEST that fails the check is still served, unverified (TS 24.501
// §4.4.4.3: the AMF then runs authentication).
func (m *Machine) unprotect(h nas.Header, body []byte) ([]byte, bool) {
	c := m.sec
	if h.Type == nas.IntegrityNewContext || h.Type == nas.IntegrityCipheredNewCtxt {
		c = m.pending
	}
	if c != nil {
		plain, err := c.Unprotect(h, body)
		if err == nil {
			return plain, true
		}
		m.log.Info("NAS integrity check failed", "error", err)
	}
	// Without a usable context only a message sent integrity protected
	// but not ciphered can still be read.
	if h.Type == nas.IntegrityProtected {
		switch nas.MessageType(body) {
		case fnas.MsgTypeRegistrationRequest, fnas.MsgTypeServiceRequest:
			return body, false
		}
	}
	return nil, false
}

func (m *Machine) dispatch(ctx context.Context, msg *fnas.GmmMessage, plain []byte, verified bool) {
	switch mt := msg.GmmHeader.GetMessageType(); mt {
	case fnas.MsgTypeRegistrationRequest:
		m.handleRegistrationRequest(ctx, msg.RegistrationRequest, plain, verified)
	case fnas.MsgTypeAuthenticationResponse:
		m.handleAuthenticationResponse(ctx, msg.AuthenticationResponse)
	case fnas.MsgTypeAuthenticationFailure:
		m.handleAuthenticationFailure(ctx, msg.AuthenticationFailure)
	case fnas.MsgTypeIdentityResponse:
		m.handleIdentityResponse(ctx, msg.IdentityResponse)
	case fnas.MsgTypeSecurityModeComplete:
		m.handleSecurityModeComplete(ctx, msg.SecurityModeComplete)
	case fnas.MsgTypeSecurityModeReject:
		m.handleSecurityModeReject(msg.SecurityModeReject)
	case fnas.MsgTypeRegistrationComplete:
		m.handleRegistrationComplete()
	case fnas.MsgTypeConfigurationUpdateComplete:
		m.handleConfigurationUpdateComplete()
	case fnas.MsgTypeDeregistrationRequestUEOriginatingDeregistration:
		m.handleDeregistrationRequest(ctx, msg.DeregistrationRequestUEOriginatingDeregistration)
	case fnas.MsgTypeDeregistrationAcceptUETerminatedDeregistration:
		m.handleDeregistrationAccept(ctx)
	case fnas.MsgTypeULNASTransport:
		if m.state != Registered {
			m.sendStatus(nas.CauseMessageTypeNotCompatible, "reason", "UL NAS TRANSPORT from a UE not registered")
			return
		}
		m.handleULNASTransport(ctx, msg.ULNASTransport)
	case fnas.MsgTypeStatus5GMM:
		m.log.Info("5GMM STATUS from UE", append([]any{m.identity()}, causeArgs(msg.Status5GMM.Cause5GMM.GetCauseValue())...)...)
	default:
		// TS 24.501 §7.4: a message the network does not handle in this
		// state is answered with cause #98 or #97.
		m.sendStatus(nas.CauseMessageTypeNotCompatible, "reason", "message not handled in this state", "message_type", int(mt))
	}
}

// send sends a plain 5GMM message, protected with the current context
// once the secure exchange is established.
func (m *Machine) send(plain []byte) {
	if m.secured && m.sec != nil {
		pdu, err := m.sec.Protect(plain, nas.IntegrityCiphered)
		if err != nil {
			m.log.Error("NAS protection failed", "error", err)
			return
		}
		m.sh.SendNAS(pdu)
		return
	}
	m.sh.SendNAS(plain)
}

// start begins waiting for the UE: the procedure, its timer, and how to
// retransmit on expiry.
func (m *Machine) start(p procedure, t Timer, retransmit func()) {
	m.stopTimer()
	m.proc = p
	m.expiries = 0
	m.retransmit = retransmit
	retransmit()
	m.sh.StartTimer(t, m.cfg.Timers.of(t))
}

// stopTimer stops the timer of the running procedure.
func (m *Machine) stopTimer() {
	if t := m.timer(); t != 0 {
		m.sh.StopTimer(t)
	}
	m.proc = procNone
	m.retransmit = nil
}

func (m *Machine) timer() Timer {
	switch m.proc {
	case procIdentification:
		return T3570
	case procAuthentication, procSecurityMode:
		return T3560
	case procRegistrationAccept:
		return T3550
	case procDeregistration:
		return T3522
	case procConfigurationUpdate:
		return T3555
	case procCall:
		return SBIDeadline
	}
	return 0
}

// Expired runs a timer expiry (TS 24.501 §5.4.1.3.7 b, §5.4.2.7 b,
// §5.4.3.5 a, §5.5.1.2.8 c, §5.5.2.3.5 a): retransmit, and abort on the
// fifth expiry.
func (m *Machine) Expired(ctx context.Context, t Timer) {
	switch t {
	case T3513:
		m.pagingExpired(ctx)
		return
	case MobileReachable:
		m.mobileReachableExpired()
		return
	case ImplicitDeregistration:
		m.implicitDeregistrationExpired(ctx)
		return
	case SBIDeadline:
		m.callExpired(ctx)
		return
	case ActivationDeadline:
		m.activationExpired(ctx)
		return
	}
	if t != m.timer() {
		return
	}
	m.expiries++
	if m.expiries < maxExpiries {
		m.retransmit()
		m.sh.StartTimer(t, m.cfg.Timers.of(t))
		return
	}
	m.log.Info("procedure aborted: UE did not answer", "timer", t.String())
	m.giveUp(ctx, "timeout")
}

// giveUp ends the running procedure, its timer expired or stopped,
// without the UE's answer: on the fifth expiry of its timer, or on a
// lower layer failure (TS 24.501 §5.4.1.3.7 a, §5.4.2.7 a, §5.4.3.5 a,
// §5.5.1.2.8 a).
func (m *Machine) giveUp(ctx context.Context, result string) {
	p := m.proc
	m.proc, m.retransmit = procNone, nil
	switch p {
	case procRegistrationAccept:
		// §5.5.1.2.8 a and c: the AMF aborts and considers the new GUTI
		// valid.
		m.registered(ctx, result)
	case procDeregistration:
		m.deregistered(ctx)
		m.release(ReleaseDeregister)
		m.sh.Outcome(Outcome{"deregistration", result})
	case procConfigurationUpdate:
		// §5.4.4.4 a, c: the procedure ends; the UE stays registered
		// and connected.
		m.abortConfigurationUpdate(result)
	default:
		if m.service != nil {
			m.serviceAborted(result, ReleaseUnspecified)
			return
		}
		m.sh.Outcome(Outcome{"registration", result})
		m.abort(ReleaseUnspecified)
	}
}

// abort gives up on the UE's current registration and releases its N2
// connection; a registered UE stays registered.
func (m *Machine) abort(cause ReleaseCause) {
	m.stopTimer()
	m.pending, m.service = nil, nil
	m.reg = nil
	if m.state == CommonProcedureInitiated {
		m.state = Deregistered
		if m.sec != nil && !m.secured {
			m.sec = nil
		}
	}
	m.release(cause)
}

func (m *Machine) release(cause ReleaseCause) {
	if m.connected {
		m.sh.Release(cause)
	}
}

// Released tells the machine the UE's N2 connection is gone (UE Context
// Release Complete, gNB restart, association loss): 5GMM-IDLE.
func (m *Machine) Released(ctx context.Context) {
	wasConnected := m.connected
	m.connected = false
	m.secured = false
	m.serving = false
	m.releases++
	if act := m.dropActivation(); act != nil {
		// The procedure waiting for the SMF ends with its connection;
		// the DEACTIVATED below follows its ACTIVATING at the SMF.
		if act.service != nil {
			m.sh.Outcome(Outcome{"service-request", ServiceLowerLayerFailure})
		} else {
			m.reg = nil
			m.sh.Outcome(Outcome{"registration", "lower-layer-failure"})
		}
	}
	if wasConnected && m.state == Registered {
		m.deactivateSessions()
	}
	if m.proc == procConfigurationUpdate {
		// §5.4.4.4 a: the connection is gone before the complete.
		m.abortConfigurationUpdate("released")
	}
	if m.proc == procCall && m.state == Registered {
		// The registration update waiting for the UDM ends with the
		// connection; the answer will be discarded.
		m.reg = nil
	}
	if m.proc != procNone && m.proc != procRegistrationAccept {
		m.stopTimer()
	}
	if m.service != nil {
		// The connection of a SERVICE REQUEST being authenticated is
		// gone: the procedure ends, the UE keeps its context.
		m.service, m.pending = nil, nil
		m.sh.Outcome(Outcome{"service-request", ServiceLowerLayerFailure})
	}
	if m.state != Registered {
		m.stopTimer()
		m.state = Deregistered
		m.reg = nil
		m.pending = nil
	}
	if wasConnected {
		m.wentIdle(ctx)
	}
}

// ContextSetUp reports the gNB's answer to the Initial Context Setup.
func (m *Machine) ContextSetUp(ctx context.Context, ok bool) {
	if m.serving {
		// The context of an accepted SERVICE REQUEST (TS 23.502
		// §4.2.3.2 step 13); the sessions' results went to the SMF
		// with SessionSetUp.
		m.serving = false
		if ok {
			m.sh.Outcome(Outcome{"service-request", ServiceAccepted})
			// A configuration update that came while the context was
			// being set up.
			m.sendWaitingConfigurationUpdate()
			return
		}
		m.log.Info("initial context setup of a service request failed")
		m.sh.Outcome(Outcome{"service-request", ServiceContextSetupFailed})
		m.release(ReleaseUnspecified)
		return
	}
	if !ok {
		m.log.Info("initial context setup failed")
		m.sh.Outcome(Outcome{"registration", "context-setup-failed"})
		m.abort(ReleaseUnspecified)
	}
}

// NotDelivered reports a NAS Non Delivery Indication (TS 38.413 §8.6):
// the gNB could not deliver a downlink NAS message. lowerLayerFailure
// says its cause means the radio connection with the UE is gone.
//
// A procedure waiting for the UE's answer (identification,
// authentication, security mode control, registration accept,
// network-initiated deregistration) is aborted on a lower layer failure
// as TS 24.501 §5.4.3.5 a, §5.4.1.3.7 a, §5.4.2.7 a and §5.5.1.2.8 a
// say; otherwise (e.g. the message met a handover) the procedure stays
// and its timer retransmits the message on expiry (§5.4.3.5 b,
// §5.4.1.3.7 b, §5.4.2.7 b, §5.5.1.2.8 c, §5.5.2.3.5 a), as for a
// message lost any other way. A message no procedure waits for (a DL
// NAS TRANSPORT, a REJECT) has nothing to retry: it is only logged.
func (m *Machine) NotDelivered(ctx context.Context, lowerLayerFailure bool) {
	t := m.timer()
	switch {
	case t == 0 || t == SBIDeadline:
		m.log.Info("NAS message not delivered by the gNB: no procedure waits for it", "cause", "nas-non-delivery")
	case lowerLayerFailure:
		m.log.Info("NAS message not delivered: lower layer failure, procedure aborted", "cause", "nas-non-delivery", "timer", t.String())
		m.sh.StopTimer(t)
		m.giveUp(ctx, "lower-layer-failure")
	default:
		m.log.Info("NAS message not delivered: the procedure's timer retransmits it", "cause", "nas-non-delivery", "timer", t.String())
	}
}
