package gmm

import "github.com/keelcore/keel/internal/sbi"

// The UDM's Nudm_UECM registration of a UE restored from another AMF
// instance of the set (Restore) names that instance: its amfInstanceId
// and GUAMI. What finds the UE's serving AMF through the UDM
// (Nudm_UECM_Get, TS 29.503 §5.3.2.5) and the UDM's own requests to the
// registered AMF would reach an instance that no longer serves the UE —
// dead, or stopped.
//
// A registration served by the new instance registers it, as a
// registration at a new AMF does (TS 23.502 §4.2.2.2.2 step 14a: the
// AMF has changed; Restore leaves the subscription unfetched, so accept
// calls RegisterAMF). A SERVICE REQUEST has no such step (§4.2.3.2); an
// accepted one at the new instance (or the answer to paging after a
// takeover for downlink) registers the instance all the same, as step
// 14a would at the UE's next registration: Nudm_UECM_Registration for
// 3GPP access (TS 29.503 §5.3.2.2.2) with this instance's
// amfInstanceId and GUAMI (the AMF stamps them: amf.orderedUECM), a
// registration rather than Nudm_UECM_Update (§5.3.2.4.2), which
// changes neither the amfInstanceId nor the deregistration callback.
// It is a notification: the SERVICE ACCEPT does not wait for it. The
// UDM replaces the registration (udm.RegisterAMF) and sends the
// instance it replaced no deregistration notification: that instance
// is gone or has stopped serving the UE, whose context moved within the
// set (TS 23.501 §5.21.2), not to another AMF it would have to purge.
// A registration that fails is tried again at the UE's next accepted
// SERVICE REQUEST; the UE's next registration registers in any case.

// uecmState is the machine's view of the UE's UDM registration.
type uecmState struct {
	// stale: the UDM names another instance (Restore).
	stale bool
	// pending is the registration issued by registerTakenOver, until
	// answered; 0 when none is.
	pending CallID
}

// registerTakenOver registers this instance with the UDM for a UE whose
// registration names another instance of the set, unless a registration
// is under way.
func (m *Machine) registerTakenOver() {
	if !m.uecm.stale || m.uecm.pending != 0 || m.supi == "" {
		return
	}
	m.notify(RegisterAMF{SUPI: m.supi, Registration: sbi.AMFRegistration{RATType: "NR"}})
	m.uecm.pending = m.lastCall
	m.log.Info("registering with the UDM as the UE's AMF: its registration names the instance of the set that served it before")
}

// uecmRegistered takes the answer to call id, and reports whether it
// was registerTakenOver's.
func (m *Machine) uecmRegistered(id CallID, err error) bool {
	if id == 0 || id != m.uecm.pending {
		return false
	}
	m.uecm.pending = 0
	if err != nil {
		m.log.Warn("Nudm_UECM_Registration after a takeover failed: the UDM still names the former AMF instance", "error", err)
		return true
	}
	m.uecm.stale = false
	return true
}
