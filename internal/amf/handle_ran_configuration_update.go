package amf

import (
	"context"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ngap"
)

// handleRANConfigurationUpdate runs RAN Configuration Update (TS 38.413
// §8.7.2): the gNB changes its name or its supported tracking areas.
func (a *AMF) handleRANConfigurationUpdate(ctx context.Context, r *ran, req *message.RANConfigurationUpdate) {
	var tas []ngap.TA
	if req.SupportedTAList != nil {
		var err error
		tas, err = ngap.DecodeSupportedTAs(req.SupportedTAList)
		if err != nil {
			a.metrics.configUpdates.WithLabelValues("bad-supported-ta-list").Inc()
			a.reply(ctx, r, &message.RANConfigurationUpdateFailure{Cause: ngap.ProtocolCause(ie.CauseProtocolPresentSemanticError)})
			return
		}
		if reason, cause := a.commonGround(tas); cause != nil {
			// §8.7.2.3: the AMF cannot accept the update; the gNB keeps
			// its previous configuration.
			a.metrics.configUpdates.WithLabelValues(reason).Inc()
			a.reply(ctx, r, &message.RANConfigurationUpdateFailure{Cause: cause})
			return
		}
	}
	if req.GlobalRANNodeID != nil {
		id, err := ngap.DecodeRANNodeID(req.GlobalRANNodeID)
		r.mu.Lock()
		same := err == nil && id == r.mu.id
		r.mu.Unlock()
		if !same {
			a.metrics.configUpdates.WithLabelValues("ran-node-id-changed").Inc()
			a.reply(ctx, r, &message.RANConfigurationUpdateFailure{Cause: ngap.ProtocolCause(ie.CauseProtocolPresentSemanticError)})
			return
		}
	}
	r.mu.Lock()
	if req.RANNodeName != nil {
		r.mu.name = string(req.RANNodeName.Value)
	}
	if tas != nil {
		r.mu.tas = tas
	}
	r.mu.Unlock()
	a.metrics.configUpdates.WithLabelValues("accepted").Inc()
	r.logger().Info("amf: RAN configuration updated")
	a.reply(ctx, r, &message.RANConfigurationUpdateAcknowledge{})
}
