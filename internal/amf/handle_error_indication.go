package amf

import (
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ngap"
)

// handleErrorIndication records an Error Indication from a gNB (TS 38.413
// §8.7.5). It is never answered: answering errors with errors loops.
func (a *AMF) handleErrorIndication(r *ran, m *message.ErrorIndication) {
	attrs := []any{"cause", ngap.CauseString(m.Cause)}
	if m.CriticalityDiagnostics != nil && m.CriticalityDiagnostics.ProcedureCode != nil {
		attrs = append(attrs, "procedure", procedureName(m.CriticalityDiagnostics.ProcedureCode.Value))
	}
	if m.AMFUENGAPID != nil {
		attrs = append(attrs, "amf_ue_ngap_id", m.AMFUENGAPID.Value)
	}
	if m.RANUENGAPID != nil {
		attrs = append(attrs, "ran_ue_ngap_id", m.RANUENGAPID.Value)
	}
	r.logger().Warn("amf: Error Indication from gNB", attrs...)
}
