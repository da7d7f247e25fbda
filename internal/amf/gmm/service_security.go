package gmm

import (
	"context"
	"time"

	"github.com/free5gc/nas/nasType"

	"github.com/keelcore/keel/internal/lograte"
	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/sbi"
)

// A SERVICE REQUEST that came unprotected or failed the integrity check
// (a wrong MAC, a replayed COUNT) from a registered UE is served after
// the UE is authenticated and a new 5G NAS security context taken into
// use (TS 23.502 §4.2.3.2 step 4, TS 24.501 §5.6.1.3: the common
// procedures run during the service request procedure; §4.4.4.3 lets
// the AMF process the unprotected SERVICE REQUEST that far).
//
// The message may not be the UE's — a replay needs no keys — so it costs
// the UE nothing until the UE proves itself: the current context stays
// in use, the UE registered with its PDU sessions, and whatever in the
// message the integrity check would have vouched for is not read. A
// wrong RES*, an AUTHENTICATION FAILURE other than synch failure or
// ngKSI in use, a SECURITY MODE REJECT, no answer (T3560's fifth
// expiry) or a lost connection aborts the procedure and releases the N2
// connection, and nothing more: no AUTHENTICATION REJECT, which would
// take the registration of a UE that did not send the message (TS
// 24.501 §5.4.1.3.5 has the AMF identify a UE known by 5G-GUTI before
// rejecting it; a UE known by 5G-S-TMSI only is not rejected on the word
// of an unauthenticated connection). On SECURITY MODE COMPLETE the new
// context is in use and the SERVICE REQUEST the UE sends again, whole,
// in its NAS message container (the SECURITY MODE COMMAND asks for it
// with RINMR, §5.4.2.2, §5.4.2.3) is served as if it had passed the
// check: KgNB from the new KAMF, the Initial Context Setup with the
// sessions to reactivate and the SERVICE ACCEPT.

// authenticateService starts 5G-AKA for the SERVICE REQUEST sr, which
// failed the integrity check. Only its cleartext IEs (§4.4.6) are kept:
// the others come again in the SECURITY MODE COMPLETE.
func (m *Machine) authenticateService(ctx context.Context, sr nas.ServiceRequest) {
	m.service = &nas.ServiceRequest{NgKSI: sr.NgKSI, Type: sr.Type, STMSI: sr.STMSI}
	m.secured = false
	m.pending = nil
	m.authenticate(sbi.AuthRequest{SUPI: m.supi, ServingNetworkName: m.cfg.ServingNetworkName})
}

// serviceSecured goes on with the SERVICE REQUEST once security mode
// control has taken the new context into use: with the whole message the
// UE sent in the SECURITY MODE COMPLETE's NAS message container, or,
// without one, with what the first message said in clear (no Uplink
// data status, no PDU session status: no session reactivated, none
// released).
func (m *Machine) serviceSecured(ctx context.Context, c *nasType.NASMessageContainer) {
	sr := *m.service
	m.service = nil
	if c != nil {
		inner, err := nas.ParseServiceRequest(c.GetNASMessageContainerContents())
		if err != nil || inner.Container != nil {
			// §7.5.1: a missing or malformed mandatory IE is #96.
			m.serviceReject(nas.CauseInvalidMandatoryInfo, 0, "reason", "malformed SERVICE REQUEST in the NAS message container of SECURITY MODE COMPLETE", "error", err)
			return
		}
		sr = inner
	}
	m.serve(ctx, sr, false)
}

// serviceAborted ends a SERVICE REQUEST whose authentication or security
// mode control did not complete: the N2 connection is released and the
// UE stays registered with the security context it had.
func (m *Machine) serviceAborted(result string, cause ReleaseCause) {
	m.log.Info("SERVICE REQUEST aborted: the UE was not authenticated; its context is kept", "supi", m.supi, "result", result)
	m.stopTimer()
	m.service, m.pending = nil, nil
	m.sh.Outcome(Outcome{"service-request", result})
	m.release(cause)
}

// serviceUnavailable ends a SERVICE REQUEST whose authentication the
// home network could not run: #22 with T3346 when it failed for a while
// (the UE keeps its registration and retries after the back-off), #111
// otherwise (TS 24.501 §5.6.1.5).
func (m *Machine) serviceUnavailable(err error) {
	m.stopTimer()
	m.service, m.pending = nil, nil
	cause, t3346 := nas.CauseProtocolErrorUnspecified, time.Duration(0)
	if sbi.Temporary(err) {
		cause, t3346 = nas.CauseCongestion, m.t3346()
	}
	// This line is the reject's: one warning for the outage rather than
	// a line per UE.
	m.log.Warn("SERVICE REQUEST refused: authentication unavailable",
		append([]any{lograte.Burst(1), "supi", m.supi, "error", err}, causeArgs(cause)...)...)
	m.sendServiceReject(cause, t3346)
}
