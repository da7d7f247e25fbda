package sbi

import (
	"strconv"

	"github.com/keelcore/keel/internal/ident"
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

// textEnum is an enumeration with TS 29.502 strings.
type textEnum interface {
	MarshalText() ([]byte, error)
}

// decodeText reads a string into an enumeration as encoding/json reads
// a TextUnmarshaler: null leaves it, another JSON type is a wrong type,
// a string its UnmarshalText refuses refuses the value.
func decodeText(r *strictjson.Reader, u interface{ UnmarshalText([]byte) error }) {
	s, ok := r.String()
	if !ok {
		return
	}
	if err := u.UnmarshalText([]byte(s)); err != nil {
		r.Refuse("", err)
	}
}

// appendText appends `,"name":"TEXT"` for an enumeration that is set.
func appendText(b []byte, name string, set bool, e textEnum) ([]byte, error) {
	if !set {
		return b, nil
	}
	t, err := e.MarshalText()
	if err != nil {
		return b, err
	}
	b = append(b, name...)
	return strictjson.AppendString(b, string(t)), nil
}

// appendRef appends `,"name":{"contentId":...}` for a reference that is
// set.
func appendRef(b []byte, name string, r *RefToBinaryData) []byte {
	if r == nil {
		return b
	}
	return r.AppendJSON(append(b, name...))
}

// DecodeJSON reads the TS 29.502 SmContextCreatedData strictly.
func (c *SmContextCreatedData) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("SmContextCreatedData") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "pduSessionId", "sNssai", "upCnxState", "n1SmMsg", "n2SmInfo", "n2SmInfoType") {
		case "pduSessionId":
			if v, ok := r.Uint(8); ok {
				c.PduSessionID = uint8(v)
			}
		case "sNssai":
			if r.Null() {
				c.SNssai = nil
				continue
			}
			if c.SNssai == nil {
				c.SNssai = new(ident.SNSSAI)
			}
			r.Unmarshal(c.SNssai)
		case "upCnxState":
			decodeText(r, &c.UpCnxState)
		case "n1SmMsg":
			strictjson.Ptr(r, &c.N1SmMsg, (*RefToBinaryData).DecodeJSON)
		case "n2SmInfo":
			strictjson.Ptr(r, &c.N2SmInfo, (*RefToBinaryData).DecodeJSON)
		case "n2SmInfoType":
			decodeText(r, &c.N2SmInfoType)
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends c as json.Marshal writes it.
func (c SmContextCreatedData) AppendJSON(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, '{')
	if c.PduSessionID != 0 {
		b = append(b, `,"pduSessionId":`...)
		b = strconv.AppendUint(b, uint64(c.PduSessionID), 10)
	}
	var err error
	if c.SNssai != nil {
		b = append(b, `,"sNssai":`...)
		if b, err = c.SNssai.AppendJSON(b); err != nil {
			return b, err
		}
	}
	if b, err = appendText(b, `,"upCnxState":`, c.UpCnxState != 0, c.UpCnxState); err != nil {
		return b, err
	}
	b = appendRef(b, `,"n1SmMsg":`, c.N1SmMsg)
	b = appendRef(b, `,"n2SmInfo":`, c.N2SmInfo)
	if b, err = appendText(b, `,"n2SmInfoType":`, c.N2SmInfoType != 0, c.N2SmInfoType); err != nil {
		return b, err
	}
	return closeObject(b, start), nil
}

// closeObject ends an object begun at start whose members were each
// written with a leading comma: the first comma goes.
func closeObject(b []byte, start int) []byte {
	if len(b) > start+1 && b[start+1] == ',' {
		b = append(b[:start+1], b[start+2:]...)
	}
	return append(b, '}')
}

// DecodeJSON reads the TS 29.502 SmContextUpdateData strictly.
func (u *SmContextUpdateData) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("SmContextUpdateData") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "n1SmMsg", "n2SmInfo", "n2SmInfoType", "upCnxState", "hoState", "ueLocation", "cause") {
		case "n1SmMsg":
			strictjson.Ptr(r, &u.N1SmMsg, (*RefToBinaryData).DecodeJSON)
		case "n2SmInfo":
			strictjson.Ptr(r, &u.N2SmInfo, (*RefToBinaryData).DecodeJSON)
		case "n2SmInfoType":
			decodeText(r, &u.N2SmInfoType)
		case "upCnxState":
			decodeText(r, &u.UpCnxState)
		case "hoState":
			decodeText(r, &u.HoState)
		case "ueLocation":
			strictjson.Ptr(r, &u.UeLocation, (*UserLocation).DecodeJSON)
		case "cause":
			if v, ok := r.String(); ok {
				u.Cause = Cause(v)
			}
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends u as json.Marshal writes it.
func (u SmContextUpdateData) AppendJSON(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, '{')
	b = appendRef(b, `,"n1SmMsg":`, u.N1SmMsg)
	b = appendRef(b, `,"n2SmInfo":`, u.N2SmInfo)
	var err error
	if b, err = appendText(b, `,"n2SmInfoType":`, u.N2SmInfoType != 0, u.N2SmInfoType); err != nil {
		return b, err
	}
	if b, err = appendText(b, `,"upCnxState":`, u.UpCnxState != 0, u.UpCnxState); err != nil {
		return b, err
	}
	if b, err = appendText(b, `,"hoState":`, u.HoState != 0, u.HoState); err != nil {
		return b, err
	}
	if u.UeLocation != nil {
		b = append(b, `,"ueLocation":`...)
		if b, err = u.UeLocation.AppendJSON(b); err != nil {
			return b, err
		}
	}
	if u.Cause != "" {
		b = append(b, `,"cause":`...)
		b = strictjson.AppendString(b, string(u.Cause))
	}
	return closeObject(b, start), nil
}

// DecodeJSON reads the TS 29.502 SmContextUpdatedData strictly.
func (u *SmContextUpdatedData) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("SmContextUpdatedData") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "n1SmMsg", "n2SmInfo", "n2SmInfoType", "upCnxState") {
		case "n1SmMsg":
			strictjson.Ptr(r, &u.N1SmMsg, (*RefToBinaryData).DecodeJSON)
		case "n2SmInfo":
			strictjson.Ptr(r, &u.N2SmInfo, (*RefToBinaryData).DecodeJSON)
		case "n2SmInfoType":
			decodeText(r, &u.N2SmInfoType)
		case "upCnxState":
			decodeText(r, &u.UpCnxState)
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends u as json.Marshal writes it.
func (u SmContextUpdatedData) AppendJSON(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, '{')
	b = appendRef(b, `,"n1SmMsg":`, u.N1SmMsg)
	b = appendRef(b, `,"n2SmInfo":`, u.N2SmInfo)
	var err error
	if b, err = appendText(b, `,"n2SmInfoType":`, u.N2SmInfoType != 0, u.N2SmInfoType); err != nil {
		return b, err
	}
	if b, err = appendText(b, `,"upCnxState":`, u.UpCnxState != 0, u.UpCnxState); err != nil {
		return b, err
	}
	return closeObject(b, start), nil
}
