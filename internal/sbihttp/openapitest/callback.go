package openapitest

import (
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// Callbacks are the notifications the documents define as callbacks of
// an operation (the URI is the consumer's, given in the request), by the
// 3gpp-Sbi-Callback value that marks them (TS 29.500 §5.2.3.2.4): the
// document, the operation's path and method and the callback's name.
var callbacks = map[string]struct{ doc, path, method, name string }{
	"Nsmf_PDUSession_SMContextStatusNotify":               {"TS29502_Nsmf_PDUSession.yaml", "/sm-contexts", "POST", "smContextStatusNotification"},
	"Namf_Communication_N1N2MessageTransferFailureNotify": {"TS29518_Namf_Communication.yaml", "/ue-contexts/{ueContextId}/n1-n2-messages", "POST", "onN1N2TransferFailure"},
	"Npcf_SMPolicyControl_UpdateNotify":                   {"TS29512_Npcf_SMPolicyControl.yaml", "/sm-policies", "POST", "SmPolicyUpdateNotification"},
	"Nudr_DataRepository_Notify":                          {"TS29504_Nudr_DR.yaml", "/subscription-data/subs-to-notify", "POST", "onDataChange"},
	"Nnssf_NSSAIAvailability_Notify":                      {"TS29531_Nnssf_NSSAIAvailability.yaml", "/nssai-availability/subscriptions", "POST", "nssaiAvailabilityNotification"},
	"Nudm_SDM_Notification":                               {"TS29503_Nudm_SDM.yaml", "/{ueId}/sdm-subscriptions", "POST", "datachangeNotification"},
}

// findCallback returns the callback operation the 3gpp-Sbi-Callback
// value names, for a request sent to a consumer's callback URI.
func (s *Spec) findCallback(name, method string) (*routers.Route, error) {
	cb, ok := callbacks[name]
	if !ok {
		return nil, fmt.Errorf("openapitest: 3gpp-Sbi-Callback %q: no such callback in the documents Keel uses", name)
	}
	for _, r := range s.routes {
		if r.template != cb.path || r.method != cb.method || r.name != cb.doc {
			continue
		}
		ref := r.op.Callbacks[cb.name]
		if ref == nil || ref.Value == nil {
			break
		}
		for expr, item := range ref.Value.Map() {
			op := item.GetOperation(method)
			if op == nil {
				return nil, fmt.Errorf("openapitest: callback %s has no %s", name, method)
			}
			return &routers.Route{Spec: r.doc, Server: &openapi3.Server{URL: "{apiRoot}"}, Path: expr, PathItem: item, Method: method, Operation: op}, nil
		}
	}
	return nil, fmt.Errorf("openapitest: callback %s: not in %s %s %s", name, cb.doc, cb.method, cb.path)
}
