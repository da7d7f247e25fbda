package gmm

import (
	"context"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
)

// downlink is what waits for an idle UE (TS 23.502 §4.2.3.3): the
// Namf_Communication_N1N2MessageTransfer requests to carry out once the
// UE is connected again, and a network-initiated deregistration. It is
// the shared hook between paging (which fills it) and the Service
// Request (which takes it, takeDownlink).
type downlink struct {
	// transfers are the N1N2 transfers waiting for the UE, in arrival
	// order, at most one per PDU session (a newer one replaces it).
	transfers []sbi.N1N2MessageTransferReqData
	// deregister: a network-initiated deregistration (§5.5.2.3) waits
	// for the UE to be connected.
	deregister bool
	// config is a generic UE configuration update (§5.4.4) waiting for
	// the UE to be connected, or for the running procedure to end.
	config *ConfigurationUpdate
	// paging is set while a paging run is in progress (T3513 running).
	paging bool
	// expiries counts the T3513 expiries of the running paging.
	expiries int
}

// pending reports whether anything waits for the UE.
func (d *downlink) pending() bool { return len(d.transfers) > 0 || d.deregister || d.config != nil }

// add keeps a transfer for the UE; a newer transfer for the same PDU
// session replaces the older one (the SMF's latest N2 SM information is
// the one to use), so what waits is bounded by the UE's sessions.
func (d *downlink) add(t sbi.N1N2MessageTransferReqData) {
	for i := range d.transfers {
		if d.transfers[i].PduSessionID == t.PduSessionID {
			d.transfers[i] = t
			return
		}
	}
	d.transfers = append(d.transfers, t)
}

// takeDownlink hands a Service Request (or a registration on a new
// connection) the N1N2 transfers that waited for the idle UE, and stops
// paging (TS 24.501 §5.6.2.2.1: T3513 stops once the UE answers). A
// transfer of type sbi.N2SetupRequest names a session whose user plane
// is to be activated: its N2 is the SMF's PDU Session Resource Setup
// Request Transfer and its N1, when set, the 5GSM message for the
// session item's NAS-PDU (TS 23.502 §4.2.3.3 step 4b, §4.2.3.2 step 12).
// Any other transfer is delivered with deliverTransfer once the secure
// exchange is established on the new connection. The caller owns what
// it takes; a transfer it cannot carry out goes to failTransfers.
func (m *Machine) takeDownlink() []sbi.N1N2MessageTransferReqData {
	m.stopPaging()
	ts := m.dl.transfers
	m.dl.transfers = nil
	return ts
}

// deliverTransfer carries out a transfer for a connected UE: the 5GSM
// message as DL NAS TRANSPORT, the N2 SM information as a PDU Session
// Resource Setup Request (with the 5GSM message as the item's NAS-PDU) or
// Release Command (TS 29.518 §5.2.2.3.1).
func (m *Machine) deliverTransfer(t sbi.N1N2MessageTransferReqData) error {
	s := m.sessions.get(t.PduSessionID)
	if s == nil {
		return ErrNoSession
	}
	n2Type, n2 := t.N2()
	m.smfAnswer(t.PduSessionID, s, sbi.SmContextUpdatedData{N1SmMsg: sbi.N1SM(t.N1()), N2SmInfoType: n2Type.N2SmInfoType(), N2SmInfo: sbi.N2SM(n2)})
	return nil
}

// resumeSignalling starts the network-initiated procedure that waited for
// the UE to be connected (deregistration); a Service Request calls it
// once the secure exchange is established (after SERVICE ACCEPT).
func (m *Machine) resumeSignalling(ctx context.Context) {
	if m.dl.deregister {
		m.dl.deregister = false
		m.dl.config = nil
		m.Deregister(ctx)
		return
	}
	m.sendWaitingConfigurationUpdate()
}

// N1N2Transfer carries an SMF-initiated message to the UE and the gNB
// (Namf_Communication_N1N2MessageTransfer, TS 29.518 §5.2.2.3.1): at once
// to a connected UE; for an idle one the transfer waits and the UE is
// paged (TS 23.502 §4.2.3.3 step 3a), the answer being
// N1N2AttemptingToReachUE. An idle UE whose mobile reachable timer has
// expired is not paged (TS 23.501 §5.4.1.1): ErrNotReachable. Nor is one
// for a transfer whose sender cannot be told that paging failed (no
// FailureNotify, such as the SMF's network-requested release): the
// sender is answered ErrNotReachable at once and acts without the UE, as
// with the skip indicator of TS 29.518 §6.1.6.2.24 (the UE learns from
// the PDU session status of its next Service Request or registration).
func (m *Machine) N1N2Transfer(ctx context.Context, t sbi.N1N2MessageTransferReqData) (sbi.N1N2MessageTransferCause, error) {
	if m.state != Registered {
		return 0, ErrNotReachable
	}
	if m.sessions.get(t.PduSessionID) == nil {
		return 0, ErrNoSession
	}
	if m.connected && m.secured && !m.contextPending() {
		if err := m.deliverTransfer(t); err != nil {
			return 0, err
		}
		return sbi.N1N2TransferInitiated, nil
	}
	if t.FailureNotify == nil || m.guti == nil || !m.connected && !m.reachable() {
		return 0, ErrNotReachable
	}
	// A UE connected but not yet secured (a registration or Service
	// Request in progress), or whose Initial Context Setup waits for
	// the SMF (activation.go), gets the transfer once the secure
	// exchange is established and the context set up (registered,
	// takeDownlink).
	m.dl.add(t)
	if !m.connected {
		m.page()
	}
	return sbi.N1N2AttemptingToReachUE, nil
}

// Paging is what an NGAP Paging carries for the UE (TS 38.413 §8.5.1,
// §9.2.4.1): its 5G-S-TMSI and the tracking areas of its registration
// area, the TAI list of its last REGISTRATION ACCEPT (TS 23.502 §4.2.3.3
// step 4b: the AMF pages in the UE's registration area).
type Paging struct {
	TMSI ngap.FiveGSTMSI
	TAIs []ident.TAI
}

// page starts paging the idle UE unless a paging run is already in
// progress: one run per UE, however many transfers wait.
func (m *Machine) page() {
	if m.dl.paging || m.guti == nil {
		return
	}
	m.dl.paging = true
	m.dl.expiries = 0
	m.sendPaging()
	m.sh.StartTimer(T3513, m.cfg.Timers.of(T3513))
}

func (m *Machine) sendPaging() {
	tais := m.tais
	if len(tais) == 0 {
		tais = m.cfg.TAIs
	}
	g := m.guti
	m.sh.Page(Paging{TMSI: ngap.FiveGSTMSI{SetID: g.SetID, Pointer: g.Pointer, TMSI: g.TMSI}, TAIs: tais})
}

// pagingExpired runs a T3513 expiry: the paging is repeated until
// Config.PagingAttempts Paging messages went unanswered; then the
// waiting transfers fail with UE_NOT_RESPONDING (TS 23.502 §4.2.3.3 step
// 4c: the AMF notifies the SMF, which has the UPF discard the buffered
// downlink) and a waiting network-initiated deregistration is done
// locally (TS 24.501 §5.5.2.3.4 cannot run without the UE).
func (m *Machine) pagingExpired(ctx context.Context) {
	if !m.dl.paging || m.connected {
		return
	}
	m.dl.expiries++
	attempts := m.cfg.PagingAttempts
	if attempts <= 0 {
		attempts = DefaultPagingAttempts
	}
	if m.dl.expiries < attempts {
		m.sendPaging()
		m.sh.StartTimer(T3513, m.cfg.Timers.of(T3513))
		return
	}
	m.dl.paging = false
	m.dl.expiries = 0
	m.log.Info("paging: UE did not answer", "attempts", attempts)
	m.sh.Outcome(Outcome{"paging", "no-answer"})
	ts := m.dl.transfers
	m.dl.transfers = nil
	m.failTransfers(ts, sbi.N1N2UENotResponding)
	if m.dl.config != nil {
		// The update is not made: the UE keeps its configuration.
		m.dl.config = nil
		m.sh.Outcome(Outcome{"configuration-update", "no-answer"})
	}
	if m.dl.deregister {
		m.dl.deregister = false
		m.deregistered(ctx)
		m.sh.Outcome(Outcome{"deregistration", "implicit"})
	}
}

// pagingAnswered ends a running paging: the UE is connected again (TS
// 24.501 §5.6.2.2.1: T3513 stops on its Service Request or Registration
// Request).
func (m *Machine) pagingAnswered() {
	if m.dl.paging {
		m.stopPaging()
		m.sh.Outcome(Outcome{"paging", "answered"})
	}
}

// stopPaging ends a running paging (T3513).
func (m *Machine) stopPaging() {
	if m.dl.paging {
		m.sh.StopTimer(T3513)
		m.dl.paging = false
		m.dl.expiries = 0
	}
}

// dropDownlink gives up on everything that waits for the UE (it is
// deregistered): transfers fail with UE_NOT_REACHABLE_FOR_SESSION, a
// running paging ends.
func (m *Machine) dropDownlink() {
	if m.dl.paging {
		m.stopPaging()
		m.sh.Outcome(Outcome{"paging", "cancelled"})
	}
	ts := m.dl.transfers
	m.dl.transfers = nil
	m.dl.deregister = false
	m.dl.config = nil
	m.failTransfers(ts, sbi.N1N2UENotReachable)
}

// GiveUpDownlink ends the paging of a UE context the AMF is about to
// forget (the UE registered afresh under a new one) and tells the
// senders of the transfers that waited for it that the UE cannot be
// reached for them.
func (m *Machine) GiveUpDownlink() { m.dropDownlink() }

// deliverDownlink carries out, for a UE connected and secured again,
// what waited for it: the transfers, then a network-initiated
// deregistration.
func (m *Machine) deliverDownlink(ctx context.Context) {
	m.pagingAnswered()
	for _, t := range m.takeDownlink() {
		if err := m.deliverTransfer(t); err != nil {
			m.failTransfers([]sbi.N1N2MessageTransferReqData{t}, sbi.N1N2UENotReachable)
		}
	}
	m.resumeSignalling(ctx)
}

// failTransfers hands transfers that cannot be carried out back to their
// senders, each with its failure notification.
func (m *Machine) failTransfers(ts []sbi.N1N2MessageTransferReqData, cause sbi.N1N2MessageTransferCause) {
	if len(ts) > 0 {
		m.sh.TransfersFailed(ts, cause)
	}
}
