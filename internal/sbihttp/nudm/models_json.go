package nudm

import (
	"strconv"

	"github.com/keelcore/keel/internal/strictjson"
)

// The bodies of Nudm_UEAuthentication (TS 29.503 §6.3.6), exchanged for
// every registration, are read and written by hand over strictjson: the
// decoders accept, refuse and fill what DecodeBytes did with
// encoding/json, the encoders write json.Marshal's bytes.

func (a *authenticationInfoRequest) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("AuthenticationInfoRequest") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "servingNetworkName", "resynchronizationInfo", "ausfInstanceId") {
		case "servingNetworkName":
			if v, ok := r.String(); ok {
				a.ServingNetworkName = v
			}
		case "resynchronizationInfo":
			strictjson.Ptr(r, &a.ResynchronizationInfo, (*ResynchronizationInfo).DecodeJSON)
		case "ausfInstanceId":
			if v, ok := r.String(); ok {
				a.AusfInstanceID = v
			}
		default:
			r.Skip()
		}
	}
}

func (a authenticationInfoRequest) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"servingNetworkName":`...)
	b = strictjson.AppendString(b, a.ServingNetworkName)
	if a.ResynchronizationInfo != nil {
		b = append(b, `,"resynchronizationInfo":`...)
		b = a.ResynchronizationInfo.AppendJSON(b)
	}
	b = append(b, `,"ausfInstanceId":`...)
	b = strictjson.AppendString(b, a.AusfInstanceID)
	return append(b, '}'), nil
}

// DecodeJSON reads the TS 29.503 ResynchronizationInfo.
func (w *ResynchronizationInfo) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("ResynchronizationInfo") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "rand", "auts") {
		case "rand":
			if v, ok := r.String(); ok {
				w.Rand = v
			}
		case "auts":
			if v, ok := r.String(); ok {
				w.Auts = v
			}
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends w as json.Marshal writes it.
func (w ResynchronizationInfo) AppendJSON(b []byte) []byte {
	b = append(b, `{"rand":`...)
	b = strictjson.AppendString(b, w.Rand)
	b = append(b, `,"auts":`...)
	b = strictjson.AppendString(b, w.Auts)
	return append(b, '}')
}

func (a *authenticationInfoResult) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("AuthenticationInfoResult") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "authType", "authenticationVector", "supi") {
		case "authType":
			if v, ok := r.String(); ok {
				a.AuthType = v
			}
		case "authenticationVector":
			strictjson.Ptr(r, &a.AuthenticationVector, (*av5GHeAka).decode)
		case "supi":
			if v, ok := r.String(); ok {
				a.Supi = v
			}
		default:
			r.Skip()
		}
	}
}

func (a authenticationInfoResult) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"authType":`...)
	b = strictjson.AppendString(b, a.AuthType)
	if v := a.AuthenticationVector; v != nil {
		b = append(b, `,"authenticationVector":{"avType":`...)
		b = strictjson.AppendString(b, v.AvType)
		b = append(b, `,"rand":`...)
		b = strictjson.AppendString(b, v.Rand)
		b = append(b, `,"xresStar":`...)
		b = strictjson.AppendString(b, v.XresStar)
		b = append(b, `,"autn":`...)
		b = strictjson.AppendString(b, v.Autn)
		b = append(b, `,"kausf":`...)
		b = strictjson.AppendString(b, v.Kausf)
		b = append(b, '}')
	}
	if a.Supi != "" {
		b = append(b, `,"supi":`...)
		b = strictjson.AppendString(b, a.Supi)
	}
	return append(b, '}'), nil
}

func (v *av5GHeAka) decode(r *strictjson.Reader) {
	if !r.BeginObject("Av5GHeAka") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		var dst *string
		switch r.Field(k, "avType", "rand", "xresStar", "autn", "kausf") {
		case "avType":
			dst = &v.AvType
		case "rand":
			dst = &v.Rand
		case "xresStar":
			dst = &v.XresStar
		case "autn":
			dst = &v.Autn
		case "kausf":
			dst = &v.Kausf
		default:
			r.Skip()
			continue
		}
		if s, ok := r.String(); ok {
			*dst = s
		}
	}
}

func (e *authEvent) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("AuthEvent") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		var dst *string
		switch r.Field(k, "nfInstanceId", "success", "timeStamp", "authType", "servingNetworkName") {
		case "nfInstanceId":
			dst = &e.NfInstanceID
		case "success":
			if v, ok := r.Bool(); ok {
				e.Success = v
			}
			continue
		case "timeStamp":
			dst = &e.TimeStamp
		case "authType":
			dst = &e.AuthType
		case "servingNetworkName":
			dst = &e.ServingNetworkName
		default:
			r.Skip()
			continue
		}
		if s, ok := r.String(); ok {
			*dst = s
		}
	}
}

func (e authEvent) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"nfInstanceId":`...)
	b = strictjson.AppendString(b, e.NfInstanceID)
	b = append(b, `,"success":`...)
	b = strconv.AppendBool(b, e.Success)
	b = append(b, `,"timeStamp":`...)
	b = strictjson.AppendString(b, e.TimeStamp)
	b = append(b, `,"authType":`...)
	b = strictjson.AppendString(b, e.AuthType)
	b = append(b, `,"servingNetworkName":`...)
	b = strictjson.AppendString(b, e.ServingNetworkName)
	return append(b, '}'), nil
}

func (a *amf3GppAccessRegistration) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("Amf3GppAccessRegistration") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		var dst *string
		switch r.Field(k, "amfInstanceId", "deregCallbackUri", "guami", "ratType", "purgeFlag") {
		case "amfInstanceId":
			dst = &a.AmfInstanceID
		case "deregCallbackUri":
			dst = &a.DeregCallbackURI
		case "guami":
			r.Unmarshal(&a.Guami)
			continue
		case "ratType":
			dst = &a.RatType
		case "purgeFlag":
			if v, ok := r.Bool(); ok {
				a.PurgeFlag = v
			}
			continue
		default:
			r.Skip()
			continue
		}
		if s, ok := r.String(); ok {
			*dst = s
		}
	}
}

func (a amf3GppAccessRegistration) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"amfInstanceId":`...)
	b = strictjson.AppendString(b, a.AmfInstanceID)
	b = append(b, `,"deregCallbackUri":`...)
	b = strictjson.AppendString(b, a.DeregCallbackURI)
	b = append(b, `,"guami":`...)
	g, err := a.Guami.MarshalJSON()
	if err != nil {
		return b, err
	}
	b = append(b, g...)
	b = append(b, `,"ratType":`...)
	b = strictjson.AppendString(b, a.RatType)
	if a.PurgeFlag {
		b = append(b, `,"purgeFlag":true`...)
	}
	return append(b, '}'), nil
}
