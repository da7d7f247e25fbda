package amf

import (
	"strings"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/procevent"
)

// recordFailure gives Options.Events a registration or service request
// that failed, with the 5GMM cause of its REGISTRATION REJECT or SERVICE
// REJECT (TS 24.501 §5.5.1.2.5, §5.6.1.5) or, when none was sent, what
// ended it. Procedures that succeed, and those the UE itself abandoned
// (a new registration over a running one), are not events. PDU session
// rejects are the SMF's to record, with their 5GSM cause. Called from the
// UE's executor.
func (a *AMF) recordFailure(u *ueContext, o gmm.Outcome) {
	var cause string
	switch o.Procedure {
	case "registration":
		switch o.Result {
		case "rejected", "congestion", "unavailable":
			if c := u.m.RejectCause(); c != 0 {
				cause = procevent.FiveGMMCause(c, nas.CauseName(c))
			} else {
				cause = "authentication rejected or failed (no 5GMM cause)"
			}
		case "security-mode-rejected":
			cause = "security mode rejected by the UE"
		case "context-setup-failed":
			cause = "initial context setup failed at the gNB"
		case "timeout", "lower-layer-failure":
			if u.m.State() == gmm.Registered {
				// §5.5.1.2.8: an accept the UE did not complete still
				// registers it.
				return
			}
			cause = o.Result
		default:
			return
		}
	case "service-request":
		switch {
		case strings.HasPrefix(o.Result, "rejected-"):
			c := u.m.RejectCause()
			cause = procevent.FiveGMMCause(c, nas.CauseName(c))
		case o.Result == gmm.ServiceContextSetupFailed:
			cause = "initial context setup failed at the gNB"
		case o.Result == gmm.ServiceAuthenticationFailed:
			cause = "authentication failed"
		case o.Result == gmm.ServiceSecurityModeRejected:
			cause = "security mode rejected by the UE"
		case o.Result == gmm.ServiceTimeout, o.Result == gmm.ServiceLowerLayerFailure:
			cause = o.Result
		default:
			return
		}
	default:
		return
	}
	e := procevent.Event{Time: a.now(), Procedure: o.Procedure, Result: o.Result, Cause: cause, SUPI: u.supi}
	if e.SUPI == "" {
		switch kind, id := u.m.Identity(); kind {
		case "supi":
			e.SUPI = id
		case "suci":
			e.Detail = "SUCI " + id
		}
	}
	a.events.Record(e)
}
