package sbi

import (
	"strconv"

	"github.com/keelcore/keel/internal/strictjson"
)

// SmContextCreateData, sent by the AMF and read by the SMF for every PDU
// session (TS 29.502 §6.1.6.2.2), is read and written by hand over
// strictjson, as the policy bodies are (npcf_codec.go).

// DecodeJSON reads the TS 29.502 SmContextCreateData strictly.
func (c *SmContextCreateData) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("SmContextCreateData") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "supi", "pduSessionId", "dnn", "sNssai", "servingNfId", "servingNetwork", "anType", "ratType", "ueLocation", "smContextStatusUri", "n1SmMsg") {
		case "supi":
			if v, ok := r.String(); ok {
				c.Supi = v
			}
		case "pduSessionId":
			if v, ok := r.Uint(8); ok {
				c.PduSessionID = uint8(v)
			}
		case "dnn":
			if v, ok := r.String(); ok {
				c.Dnn = v
			}
		case "sNssai":
			r.Unmarshal(&c.SNssai)
		case "servingNfId":
			if v, ok := r.String(); ok {
				c.ServingNfID = v
			}
		case "servingNetwork":
			r.Unmarshal(&c.ServingNetwork)
		case "anType":
			if v, ok := r.String(); ok {
				c.AnType = v
			}
		case "ratType":
			if v, ok := r.String(); ok {
				c.RatType = v
			}
		case "ueLocation":
			strictjson.Ptr(r, &c.UeLocation, (*UserLocation).DecodeJSON)
		case "smContextStatusUri":
			if v, ok := r.String(); ok {
				c.SmContextStatusURI = v
			}
		case "n1SmMsg":
			strictjson.Ptr(r, &c.N1SmMsg, (*RefToBinaryData).DecodeJSON)
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends c as json.Marshal writes it.
func (c SmContextCreateData) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	if c.Supi != "" {
		b = append(b, `"supi":`...)
		b = strictjson.AppendString(b, c.Supi)
		b = append(b, ',')
	}
	if c.PduSessionID != 0 {
		b = append(b, `"pduSessionId":`...)
		b = strconv.AppendUint(b, uint64(c.PduSessionID), 10)
		b = append(b, ',')
	}
	if c.Dnn != "" {
		b = append(b, `"dnn":`...)
		b = strictjson.AppendString(b, c.Dnn)
		b = append(b, ',')
	}
	b = append(b, `"sNssai":`...)
	var err error
	if b, err = c.SNssai.AppendJSON(b); err != nil {
		return b, err
	}
	b = append(b, `,"servingNfId":`...)
	b = strictjson.AppendString(b, c.ServingNfID)
	b = append(b, `,"servingNetwork":`...)
	if b, err = c.ServingNetwork.AppendJSON(b); err != nil {
		return b, err
	}
	b = append(b, `,"anType":`...)
	b = strictjson.AppendString(b, c.AnType)
	if c.RatType != "" {
		b = append(b, `,"ratType":`...)
		b = strictjson.AppendString(b, c.RatType)
	}
	if c.UeLocation != nil {
		b = append(b, `,"ueLocation":`...)
		if b, err = c.UeLocation.AppendJSON(b); err != nil {
			return b, err
		}
	}
	b = append(b, `,"smContextStatusUri":`...)
	b = strictjson.AppendString(b, c.SmContextStatusURI)
	if c.N1SmMsg != nil {
		b = append(b, `,"n1SmMsg":`...)
		b = c.N1SmMsg.AppendJSON(b)
	}
	return append(b, '}'), nil
}

// DecodeJSON reads the TS 29.571 UserLocation.
func (u *UserLocation) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("UserLocation") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "nrLocation") {
		case "nrLocation":
			strictjson.Ptr(r, &u.NrLocation, (*NrLocation).DecodeJSON)
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends u as json.Marshal writes it.
func (u UserLocation) AppendJSON(b []byte) ([]byte, error) {
	if u.NrLocation == nil {
		return append(b, "{}"...), nil
	}
	b = append(b, `{"nrLocation":`...)
	b, err := u.NrLocation.AppendJSON(b)
	if err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// DecodeJSON reads the TS 29.571 NrLocation.
func (n *NrLocation) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("NrLocation") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "tai", "ncgi") {
		case "tai":
			r.Unmarshal(&n.Tai)
		case "ncgi":
			n.Ncgi.DecodeJSON(r)
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends n as json.Marshal writes it.
func (n NrLocation) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"tai":`...)
	b, err := n.Tai.AppendJSON(b)
	if err != nil {
		return b, err
	}
	b = append(b, `,"ncgi":`...)
	if b, err = n.Ncgi.AppendJSON(b); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// DecodeJSON reads the TS 29.571 Ncgi.
func (n *Ncgi) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("Ncgi") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "plmnId", "nrCellId") {
		case "plmnId":
			r.Unmarshal(&n.PLMN)
		case "nrCellId":
			if v, ok := r.String(); ok {
				n.NrCellID = v
			}
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends n as json.Marshal writes it.
func (n Ncgi) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"plmnId":`...)
	b, err := n.PLMN.AppendJSON(b)
	if err != nil {
		return b, err
	}
	b = append(b, `,"nrCellId":`...)
	b = strictjson.AppendString(b, n.NrCellID)
	return append(b, '}'), nil
}

// DecodeJSON reads the TS 29.571 RefToBinaryData.
func (r *RefToBinaryData) DecodeJSON(rd *strictjson.Reader) {
	if !rd.BeginObject("RefToBinaryData") {
		return
	}
	for k, ok := rd.Member(); ok; k, ok = rd.Member() {
		switch rd.Field(k, "contentId") {
		case "contentId":
			if v, ok := rd.String(); ok {
				r.ContentID = v
			}
		default:
			rd.Skip()
		}
	}
}

// AppendJSON appends r as json.Marshal writes it (the content goes in
// its own part).
func (r RefToBinaryData) AppendJSON(b []byte) []byte {
	b = append(b, `{"contentId":`...)
	b = strictjson.AppendString(b, r.ContentID)
	return append(b, '}')
}
