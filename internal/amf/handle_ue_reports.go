package amf

import (
	"context"
	"errors"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ngap"
)

// handleUERadioCapabilityInfoIndication keeps the UE's radio capability
// (TS 38.413 §8.14.1): the AMF sends it to the gNBs that serve the UE
// next, in Initial Context Setup Requests (§9.2.2.1), so they need not
// ask the UE again (TS 23.501 §5.4.4.1). A capability larger than
// ngap.MaxUERadioCapability or not a UERadioAccessCapabilityInformation
// is refused: not stored, counted and logged; the one kept before stays.
// The procedure has no answer.
func (a *AMF) handleUERadioCapabilityInfoIndication(ctx context.Context, r *ran, msg *message.UERadioCapabilityInfoIndication) {
	if msg.UERadioCapability == nil {
		a.abstractSyntax(ctx, r, msg)
		return
	}
	u, _ := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	capability, err := ngap.DecodeUERadioCapabilityInfoIndication(msg)
	if err != nil {
		result := "malformed"
		if errors.Is(err, ngap.ErrCapabilityTooLarge) {
			result = "too-large"
		}
		a.metrics.radioCapabilities.WithLabelValues(result).Inc()
		u.do(func() { u.log.Warn("amf: UE radio capability refused", "cause", result, "err", err) })
		return
	}
	a.metrics.radioCapabilities.WithLabelValues("stored").Inc()
	u.do(func() { u.radioCapability = capability })
}

// handleUERadioCapabilityCheckResponse takes the answer to a UE Radio
// Capability Check (TS 38.413 §8.14.2). Keel does not start that
// AMF-initiated procedure (it has no IMS voice decision to make), so a
// response can only come from a gNB's error; it is logged and dropped,
// never answered: the UE it names is not harmed.
func (a *AMF) handleUERadioCapabilityCheckResponse(ctx context.Context, r *ran, msg *message.UERadioCapabilityCheckResponse) {
	u, _ := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	a.metrics.reports.WithLabelValues("UERadioCapabilityCheck").Inc()
	u.do(func() {
		u.log.Info("amf: UE Radio Capability Check Response without a request: ignored", "cause", "UERadioCapabilityCheck")
	})
}

// handleLocationReport stores where the gNB says the UE is (TS 38.413
// §8.12). Keel sends no Location Reporting Control, but a gNB may
// report on its own (e.g. for a UE entering RRC_INACTIVE, §8.3) and
// the location is worth keeping; the API shows it.
func (a *AMF) handleLocationReport(ctx context.Context, r *ran, msg *message.LocationReport) {
	if msg.UserLocationInformation == nil || msg.LocationReportingRequestType == nil {
		a.abstractSyntax(ctx, r, msg)
		return
	}
	u, c := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	a.metrics.reports.WithLabelValues("LocationReport").Inc()
	loc, err := ngap.DecodeUELocation(msg.UserLocationInformation)
	if err != nil {
		u.do(func() {
			u.log.Info("amf: Location Report with a location Keel does not read", "cause", "LocationReport", "err", err)
		})
		return
	}
	now := a.now()
	u.do(func() {
		if u.conn.Load() == c {
			u.loc, u.locAt = loc, wallAt(now)
		}
	})
}

// handleRRCInactiveTransitionReport stores the UE's RRC state and
// location (TS 38.413 §8.3): a UE in RRC_INACTIVE is CM-CONNECTED for
// the AMF (TS 23.501 §5.3.3.2.5), so nothing else changes.
func (a *AMF) handleRRCInactiveTransitionReport(ctx context.Context, r *ran, msg *message.RRCInactiveTransitionReport) {
	if msg.RRCState == nil || msg.UserLocationInformation == nil {
		a.abstractSyntax(ctx, r, msg)
		return
	}
	u, c := a.boundUE(ctx, r, msg)
	if u == nil {
		return
	}
	a.metrics.reports.WithLabelValues("RRCInactiveTransitionReport").Inc()
	state := rrcConnected
	if msg.RRCState.Value == ie.RRCStatePresentInactive {
		state = rrcInactive
	}
	loc, locErr := ngap.DecodeUELocation(msg.UserLocationInformation)
	now := a.now()
	u.do(func() {
		if u.conn.Load() != c {
			return
		}
		u.rrcState = state
		if locErr == nil {
			u.loc, u.locAt = loc, wallAt(now)
		}
	})
}
