package openapitest

import (
	"encoding/json"
	"fmt"
)

// CheckSchema validates a JSON body against a schema of one of the
// service documents, for what no operation path carries: the body of a
// callback, such as the NRF's NotificationData posted to a subscriber's
// nfStatusNotificationUri (TS 29.510 §6.1.5.2), whose URI is the
// subscriber's own. A violation fails the test and is returned.
func (v *Validator) CheckSchema(document, schema string, body []byte) error {
	err := v.spec.checkSchema(document, schema, body)
	v.checked.Add(1)
	if err != nil {
		v.errorf("openapitest: %s %s: %v\nbody: %s", document, schema, err, body)
	}
	return err
}

func (s *Spec) checkSchema(document, schema string, body []byte) error {
	doc, ok := s.docs[document]
	if !ok {
		return fmt.Errorf("openapitest: no document %s loaded", document)
	}
	ref, ok := doc.Components.Schemas[schema]
	if !ok || ref.Value == nil {
		return fmt.Errorf("openapitest: %s has no schema %s", document, schema)
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return fmt.Errorf("openapitest: %s: not JSON: %w", schema, err)
	}
	return ref.Value.VisitJSON(value)
}
