package nudr

import (
	"github.com/keelcore/keel/internal/sbihttp/subdata"
	"github.com/keelcore/keel/internal/strictjson"
)

// QueryProvisionedData's answer is the largest body of a registration:
// it is read and written by hand, as subdata's types are.

// DecodeJSON reads the TS 29.505 ProvisionedDataSets.
func (p *provisionedDataSets) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("ProvisionedDataSets") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "amData", "smData") {
		case "amData":
			if r.Null() {
				p.AMData = nil
				continue
			}
			if p.AMData == nil {
				p.AMData = new(subdata.AccessAndMobilitySubscriptionData)
			}
			p.AMData.DecodeJSON(r)
		case "smData":
			p.SMData.DecodeJSON(r)
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends p as json.Marshal writes it.
func (p provisionedDataSets) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	var err error
	if p.AMData != nil {
		b = append(b, `"amData":`...)
		if b, err = p.AMData.AppendJSON(b); err != nil {
			return b, err
		}
	}
	if len(p.SMData) > 0 {
		if p.AMData != nil {
			b = append(b, ',')
		}
		b = append(b, `"smData":`...)
		if b, err = p.SMData.AppendJSON(b); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}
