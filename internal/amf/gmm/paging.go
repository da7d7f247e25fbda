package gmm

import (
	"context"

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
	transfers []sbi.N1N2Transfer
	// deregister: a network-initiated deregistration (§5.5.2.3) waits
	// for the UE to be connected.
	deregister bool
	// paging is set while a paging run is in progress (T3513 running).
	paging bool
	// expiries counts the T3513 expiries of the running paging.
	expiries int
}

// pending reports whether anything waits for the UE.
func (d *downlink) pending() bool { return len(d.transfers) > 0 || d.deregister }

// add keeps a transfer for the UE; a newer transfer for the same PDU
// session replaces the older one, whose sender is told it failed.
func (d *downlink) add(t sbi.N1N2Transfer) (replaced *sbi.N1N2Transfer) {
	for i := range d.transfers {
		if d.transfers[i].PDUSessionID == t.PDUSessionID {
			old := d.transfers[i]
			d.transfers[i] = t
			return &old
		}
	}
	d.transfers = append(d.transfers, t)
	return nil
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
func (m *Machine) takeDownlink() []sbi.N1N2Transfer {
	m.stopPaging()
	ts := m.dl.transfers
	m.dl.transfers = nil
	return ts
}

// deliverTransfer carries out a transfer for a connected UE: the 5GSM
// message as DL NAS TRANSPORT, the N2 SM information as a PDU Session
// Resource Setup Request (with the 5GSM message as the item's NAS-PDU) or
// Release Command (TS 29.518 §5.2.2.3.1).
func (m *Machine) deliverTransfer(t sbi.N1N2Transfer) error {
	s := m.sessions[t.PDUSessionID]
	if s == nil {
		return ErrNoSession
	}
	m.smfAnswer(t.PDUSessionID, s, sbi.SMContextUpdated{N1SM: t.N1, N2SMType: t.N2Type, N2SM: t.N2})
	return nil
}

// resumeSignalling starts the network-initiated procedure that waited for
// the UE to be connected (deregistration); a Service Request calls it
// once the secure exchange is established (after SERVICE ACCEPT).
func (m *Machine) resumeSignalling(ctx context.Context) {
	if m.dl.deregister {
		m.dl.deregister = false
		m.Deregister(ctx)
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

// failTransfers hands transfers that cannot be carried out back to their
// senders, each with its failure notification.
func (m *Machine) failTransfers(ts []sbi.N1N2Transfer, cause sbi.N1N2FailureCause) {
	if len(ts) > 0 {
		m.sh.TransfersFailed(ts, cause)
	}
}
