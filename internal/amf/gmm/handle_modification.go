package gmm

import (
	"github.com/keelcore/keel/internal/sbi"
)

// SessionModified reports the gNB's answer for one PDU session of a PDU
// Session Resource Modify (TS 38.413 §8.2.3.2): the Modify Response
// Transfer, or the Modify Unsuccessful Transfer (failed), goes to the
// SMF (TS 23.502 §4.3.3.2 steps 5-6), whose answer (a PDU SESSION
// MODIFICATION REJECT for a UE-requested modification the gNB refused)
// goes on.
//
// The UpdateSMContext is issued off the UE's executor (calls.go).
func (m *Machine) SessionModified(psi uint8, transfer []byte, failed bool) {
	s := m.sessions.get(psi)
	if s == nil {
		m.log.Info("PDU Session Resource Modify Response for an unknown PDU session", "pdu_session_id", psi)
		return
	}
	typ := sbi.N2ModifyResponse
	if failed {
		typ = sbi.N2ModifyFailure
	}
	m.updateSM(psi, s, sbi.SmContextUpdateData{N2SmInfoType: typ, N2SmInfo: sbi.N2SM(transfer)}, relayed{kind: relayN2})
}

// SubscriptionChanged takes the UE's new access and mobility
// subscription data (Nudm_SDM_Notification, TS 23.502 §4.5.1). A changed
// UE-AMBR goes to the gNB of a connected UE at once with UE Context
// Modification (TS 38.413 §8.3.4); an idle UE's gNB gets it with the
// next Initial Context Setup, which reads it from the data kept here. It
// reports whether a UE Context Modification Request was sent.
func (m *Machine) SubscriptionChanged(am sbi.AMData) bool {
	if m.state != Registered {
		return false
	}
	old := m.am
	// Only the UE-AMBR is taken: a change of the subscribed NSSAI or
	// DNNs reaches the UE with its next registration.
	m.am.UEAMBRUplink, m.am.UEAMBRDownlink = am.UEAMBRUplink, am.UEAMBRDownlink
	if old.UEAMBRUplink == am.UEAMBRUplink && old.UEAMBRDownlink == am.UEAMBRDownlink {
		return false
	}
	// A subscription without a UE-AMBR has no aggregate limit; the gNB
	// is not told to lift one it was never given.
	if !m.connected || !m.secured || m.serving || m.contextPending() || am.UEAMBRUplink == 0 || am.UEAMBRDownlink == 0 {
		m.log.Debug("UE-AMBR changed: the gNB gets it with the next Initial Context Setup",
			"ue_ambr_dl", am.UEAMBRDownlink, "ue_ambr_ul", am.UEAMBRUplink)
		return false
	}
	m.sh.ModifyContext(am.UEAMBRDownlink, am.UEAMBRUplink)
	return true
}
