package gmm_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"testing"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sim/ue"
)

// transcriptSMF is an SMF that accepts every session and writes each call
// into the transcript.
type transcriptSMF struct{ w *world }

func (s transcriptSMF) CreateSMContext(_ context.Context, req sbi.SmContextCreateData) (sbi.SmContextCreatedData, error) {
	fmt.Fprintf(&s.w.log, "  smf: CreateSMContext psi=%d\n", req.PduSessionID)
	er, err := sm.ParseEstablishmentRequest(req.N1SmMsg.Bytes())
	if err != nil {
		return sbi.SmContextCreatedData{}, err
	}
	n1, err := sm.EstablishmentAccept(nil, sm.Accept{PDUSessionID: req.PduSessionID, PTI: er.PTI, PDUType: 1, SSCMode: 1,
		QFI: 1, FiveQI: 9, AMBRUplink: 1e6, AMBRDownlink: 1e6, IPv4: netip.MustParseAddr("10.45.0.2"), SST: 1, DNN: req.Dnn})
	if err != nil {
		return sbi.SmContextCreatedData{}, err
	}
	return sbi.SmContextCreatedData{SmContextRef: fmt.Sprintf("sm-%d", req.PduSessionID), N1SmMsg: sbi.N1SM(n1), N2SmInfo: sbi.N2SM([]byte{0})}, nil
}

// UpdateSMContext answers ACTIVATING with a PDU Session Resource Setup
// Request Transfer.
func (s transcriptSMF) UpdateSMContext(_ context.Context, ref string, u sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	n1 := ""
	if len(u.N1SmMsg.Bytes()) >= 4 {
		n1 = " n1=" + sm.MessageName(u.N1SmMsg.Bytes()[3])
	}
	fmt.Fprintf(&s.w.log, "  smf: UpdateSMContext %s upCnxState=%s n2=%d%s\n", ref, u.UpCnxState, u.N2SmInfoType, n1)
	if u.UpCnxState == sbi.UpCnxActivating {
		return sbi.SmContextUpdatedData{N2SmInfoType: sbi.N2SetupRequest, N2SmInfo: sbi.N2SM([]byte{2}), UpCnxState: sbi.UpCnxActivating}, nil
	}
	if r, err := sm.ParseModificationRequest(u.N1SmMsg.Bytes()); err == nil {
		// The UE's QoS rule, under the network's rule 2 and QFI 2.
		rules, err := sm.ParseQoSRules(r.QoSRules)
		if err != nil || len(rules) != 1 {
			return sbi.SmContextUpdatedData{}, fmt.Errorf("transcript SMF: requested QoS rules: %v", err)
		}
		rules[0].ID, rules[0].QFI = 2, 2
		rv, err := sm.AppendQoSRules(nil, rules)
		if err != nil {
			return sbi.SmContextUpdatedData{}, err
		}
		fv, err := sm.AppendQoSFlowDescriptions(nil, []sm.QoSFlowDescription{{QFI: 2, Op: sm.FlowOpCreate, FiveQI: 1,
			GFBRUplink: 128e3, GFBRDownlink: 128e3, MFBRUplink: 256e3, MFBRDownlink: 256e3}})
		if err != nil {
			return sbi.SmContextUpdatedData{}, err
		}
		n1 := sm.ModificationCommand(nil, sm.Modification{PDUSessionID: r.PDUSessionID, PTI: r.PTI, QoSRules: rv, QoSFlowDescriptions: fv})
		return sbi.SmContextUpdatedData{N1SmMsg: sbi.N1SM(n1), N2SmInfoType: sbi.N2ModifyRequest, N2SmInfo: sbi.N2SM([]byte{4})}, nil
	}
	return sbi.SmContextUpdatedData{}, nil
}

func (s transcriptSMF) ReleaseSMContext(_ context.Context, ref string) error {
	fmt.Fprintf(&s.w.log, "  smf: ReleaseSMContext %s\n", ref)
	return nil
}

// notifier stands for the SMF's failure notifications, which the shell
// writes into the transcript (TransfersFailed).
type notifier struct{}

func (notifier) N1N2TransferFailed(context.Context, string, uint8, sbi.N1N2MessageTransferCause) {}

// session opens PDU session psi.
func (w *world) session(psi uint8) {
	pdu, err := w.ue.EstablishPDUSession(psi, "internet", ident.SNSSAI{SST: 1}, ue.PDUTypeIPv4)
	if err != nil {
		w.t.Fatal(err)
	}
	w.up("sends", pdu)
	w.deliver()
}

// idle releases the UE's N2 connection (UE Context Release Complete).
func (w *world) idle() {
	fmt.Fprintf(&w.log, "gnb: UE context released\n")
	w.ue.ConnectionReleased()
	w.m.Released(context.Background())
}

// transfer is an N1N2MessageTransfer from the SMF.
func (w *world) transfer(psi uint8, n2 sbi.N2SmInfoType) (sbi.N1N2MessageTransferCause, error) {
	fmt.Fprintf(&w.log, "smf: N1N2MessageTransfer psi=%d n2=%d\n", psi, n2)
	ie := map[sbi.N2SmInfoType]sbi.NgapIeType{sbi.N2SetupRequest: sbi.NgapPduResSetupReq,
		sbi.N2ModifyRequest: sbi.NgapPduResModReq, sbi.N2ReleaseCommand: sbi.NgapPduResRelCmd}[n2]
	t := sbi.NewN1N2Transfer(psi, nil, ie, []byte{1})
	t.FailureNotify = notifier{}
	res, err := w.m.N1N2Transfer(context.Background(), t)
	fmt.Fprintf(&w.log, "  answer: %s %v\n", res, err)
	return res, err
}

// deregister starts network-initiated deregistration.
func (w *world) deregister() {
	fmt.Fprintf(&w.log, "nw: deregister the UE\n")
	w.m.Deregister(context.Background())
}

// update has the idle UE come back on a new connection with a mobility
// or periodic registration update, with uplink data for sessions
// uplinkData.
func (w *world) update(periodic bool, uplinkData ...uint8) {
	fmt.Fprintf(&w.log, "gnb: Initial UE Message\n")
	w.m.Connect()
	pdu, err := w.ue.RegistrationUpdate(periodic, uplinkData...)
	if err != nil {
		w.t.Fatal(err)
	}
	w.up("sends", pdu)
	w.deliver()
}

// registeredIdle is a registered UE with PDU sessions psis, idle.
func registeredIdle(t *testing.T, psis ...uint8) *world {
	t.Helper()
	w := newWorld(t, worldOptions{smf: true})
	w.register()
	w.deliver()
	for _, psi := range psis {
		w.session(psi)
	}
	w.idle()
	return w
}

// TS 23.502 §4.2.3.3, TS 24.501 §5.6.2.2.1: an N1N2 transfer for an idle
// UE is answered ATTEMPTING_TO_REACH_UE and the UE is paged in its
// registration area; a second transfer does not start a second paging;
// T3513 repeats the Paging until three went unanswered, then the waiting
// transfers fail with UE_NOT_RESPONDING. The UE stays registered.
func TestPagingNoAnswer(t *testing.T) {
	w := registeredIdle(t, 1, 2)
	if res, err := w.transfer(1, sbi.N2SetupRequest); err != nil || res != sbi.N1N2AttemptingToReachUE {
		t.Fatalf("N1N2Transfer = %v, %v, want ATTEMPTING_TO_REACH_UE", res, err)
	}
	w.transfer(2, sbi.N2SetupRequest)
	w.transfer(1, sbi.N2SetupRequest)
	for range gmm.DefaultPagingAttempts {
		w.expire(gmm.T3513)
	}
	w.expire(gmm.T3513) // late: nothing runs
	if w.m.State() != gmm.Registered {
		t.Errorf("state %s, want registered", w.m.State())
	}
	w.check("paging_no_answer")
}

// The paged UE comes back (here with a mobility registration update,
// TS 24.501 §5.5.1.3.4): T3513 and the mobile reachable timer stop, the
// connection is kept after the REGISTRATION ACCEPT and the waiting
// transfer's session is set up (PDU Session Resource Setup Request).
func TestPagingAnswered(t *testing.T) {
	w := registeredIdle(t, 1)
	w.transfer(1, sbi.N2SetupRequest)
	w.expire(gmm.T3513)
	w.update(false)
	w.check("paging_answered")
}

// TS 24.501 §5.3.7: the mobile reachable timer (T3512 + 4 min) starts
// when the UE goes idle, then the implicit deregistration timer; while it
// runs the UE is not paged (N1N2 transfer: not reachable); on its expiry
// the UE is implicitly deregistered: its SM contexts released at the SMF
// and its registration at the UDM.
func TestImplicitDeregistration(t *testing.T) {
	w := registeredIdle(t, 1)
	w.expire(gmm.MobileReachable)
	if _, err := w.transfer(1, sbi.N2SetupRequest); !errors.Is(err, gmm.ErrNotReachable) {
		t.Errorf("N1N2Transfer after the mobile reachable timer = %v, want ErrNotReachable", err)
	}
	w.expire(gmm.ImplicitDeregistration)
	if w.m.State() != gmm.Deregistered {
		t.Errorf("state %s, want deregistered", w.m.State())
	}
	if _, err := w.transfer(1, sbi.N2SetupRequest); !errors.Is(err, gmm.ErrNotReachable) {
		t.Errorf("N1N2Transfer after implicit deregistration = %v, want ErrNotReachable", err)
	}
	w.check("implicit_deregistration")
}

// A periodic registration update stops the implicit deregistration timer
// (the UE is reachable again) and the reachability timers start afresh
// when it goes idle again (TS 24.501 §5.3.7).
func TestRegistrationUpdateResetsReachability(t *testing.T) {
	w := registeredIdle(t, 1)
	w.expire(gmm.MobileReachable)
	w.update(true)
	w.idle()
	if res, err := w.transfer(1, sbi.N2SetupRequest); err != nil || res != sbi.N1N2AttemptingToReachUE {
		t.Errorf("N1N2Transfer after the update = %v, %v, want ATTEMPTING_TO_REACH_UE", res, err)
	}
	w.check("registration_update_reachability")
}

// Network-initiated deregistration of an idle UE (TS 24.501 §5.5.2.3.1,
// §5.6.2.2.1): the UE is paged and, once connected again, sent the
// DEREGISTRATION REQUEST.
func TestNetworkDeregistrationIdle(t *testing.T) {
	w := registeredIdle(t, 1)
	w.deregister()
	w.update(false)
	if w.m.State() != gmm.Deregistered {
		t.Errorf("state %s, want deregistered", w.m.State())
	}
	w.check("network_deregistration_idle")
}

// A network-initiated deregistration of an idle UE that does not answer
// the paging is done locally.
func TestNetworkDeregistrationIdleNoAnswer(t *testing.T) {
	w := registeredIdle(t, 1)
	w.transfer(1, sbi.N2SetupRequest)
	w.deregister()
	for range gmm.DefaultPagingAttempts {
		w.expire(gmm.T3513)
	}
	if w.m.State() != gmm.Deregistered {
		t.Errorf("state %s, want deregistered", w.m.State())
	}
	w.check("network_deregistration_idle_no_answer")
}

// A connected UE gets an N2SetupRequest transfer at once as a PDU Session
// Resource Setup Request: N1_N2_TRANSFER_INITIATED.
func TestTransferConnected(t *testing.T) {
	w := newWorld(t, worldOptions{smf: true})
	w.register()
	w.deliver()
	w.session(1)
	if res, err := w.transfer(1, sbi.N2SetupRequest); err != nil || res != sbi.N1N2TransferInitiated {
		t.Errorf("N1N2Transfer = %v, %v, want N1_N2_TRANSFER_INITIATED", res, err)
	}
	if _, err := w.transfer(9, sbi.N2SetupRequest); !errors.Is(err, gmm.ErrNoSession) {
		t.Errorf("N1N2Transfer for no session = %v, want ErrNoSession", err)
	}
	w.check("transfer_connected")
}

// A transfer whose sender cannot be told of a paging failure (no
// FailureNotify: the SMF's network-requested release of an idle UE's
// session) does not page: UE not reachable, at once.
func TestTransferWithoutNotifierNotPaged(t *testing.T) {
	w := registeredIdle(t, 1)
	_, err := w.m.N1N2Transfer(context.Background(), sbi.NewN1N2Transfer(1, []byte{0x2e, 1, 0, 0xd3}, sbi.NgapIeNone, nil))
	if !errors.Is(err, gmm.ErrNotReachable) {
		t.Errorf("N1N2Transfer without FailureNotify to an idle UE = %v, want ErrNotReachable", err)
	}
	if w.timer[gmm.T3513] {
		t.Error("T3513 running: the UE is paged")
	}
}

// A periodic registration update with Uplink data status and PDU session
// status (TS 24.501 §5.5.1.3.2, §5.5.1.3.4), carried in the NAS message
// container (§4.4.6): the user plane of the session with uplink data is
// activated (UpdateSMContext ACTIVATING, its transfer in the Initial
// Context Setup), the connection is kept, and the accept carries the PDU
// session status and reactivation result.
func TestRegistrationUpdateUplinkData(t *testing.T) {
	w := registeredIdle(t, 1, 2)
	w.update(true, 2)
	if got := fmt.Sprint(w.m.Sessions()); got != "[1 2]" {
		t.Errorf("sessions %s after the update, want [1 2]", got)
	}
	w.check("registration_update_uplink_data")
}

// The idle UE paged for a network-initiated deregistration and a
// session's downlink answers with a SERVICE REQUEST of type mobile
// terminated services (TS 24.501 §5.6.1, §5.6.2.2.1): the session goes
// in the Initial Context Setup with the SERVICE ACCEPT, then the
// DEREGISTRATION REQUEST follows (§5.5.2.3.1).
func TestPagingAnsweredByServiceRequest(t *testing.T) {
	w := registeredIdle(t, 1)
	w.transfer(1, sbi.N2SetupRequest)
	w.deregister()
	fmt.Fprintf(&w.log, "gnb: Initial UE Message\n")
	w.serviceRequest(ue.ServiceMobileTerminated)
	w.contextSetUp()
	w.deliver()
	if w.m.State() != gmm.Deregistered {
		t.Errorf("state %s, want deregistered", w.m.State())
	}
	w.check("paging_answered_by_service_request")
}
