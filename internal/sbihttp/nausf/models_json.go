package nausf

import (
	"slices"

	"github.com/keelcore/keel/internal/sbihttp/nudm"

	"github.com/keelcore/keel/internal/strictjson"
)

// The bodies of Nausf_UEAuthentication (TS 29.509 §6.1.6), exchanged
// for every registration, are read and written by hand over strictjson:
// the decoders accept, refuse and fill what DecodeBytes did with
// encoding/json, the encoders write json.Marshal's bytes.

func (a *authenticationInfo) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("AuthenticationInfo") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "supiOrSuci", "servingNetworkName", "resynchronizationInfo") {
		case "supiOrSuci":
			if v, ok := r.String(); ok {
				a.SupiOrSuci = v
			}
		case "servingNetworkName":
			if v, ok := r.String(); ok {
				a.ServingNetworkName = v
			}
		case "resynchronizationInfo":
			strictjson.Ptr(r, &a.ResynchronizationInfo, (*nudm.ResynchronizationInfo).DecodeJSON)
		default:
			r.Skip()
		}
	}
}

func (a authenticationInfo) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"supiOrSuci":`...)
	b = strictjson.AppendString(b, a.SupiOrSuci)
	b = append(b, `,"servingNetworkName":`...)
	b = strictjson.AppendString(b, a.ServingNetworkName)
	if a.ResynchronizationInfo != nil {
		b = append(b, `,"resynchronizationInfo":`...)
		b = a.ResynchronizationInfo.AppendJSON(b)
	}
	return append(b, '}'), nil
}

func (u *ueAuthenticationCtx) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("UEAuthenticationCtx") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "authType", "5gAuthData", "_links", "servingNetworkName") {
		case "authType":
			if v, ok := r.String(); ok {
				u.AuthType = v
			}
		case "5gAuthData":
			u.FiveGAuthData.decode(r)
		case "_links":
			strictjson.Map(r, &u.Links, (*link).decode)
		case "servingNetworkName":
			if v, ok := r.String(); ok {
				u.ServingNetworkName = v
			}
		default:
			r.Skip()
		}
	}
}

// AppendJSON writes the _links members in key order, as json.Marshal
// writes a map.
func (u ueAuthenticationCtx) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"authType":`...)
	b = strictjson.AppendString(b, u.AuthType)
	b = append(b, `,"5gAuthData":{"rand":`...)
	b = strictjson.AppendString(b, u.FiveGAuthData.Rand)
	b = append(b, `,"hxresStar":`...)
	b = strictjson.AppendString(b, u.FiveGAuthData.HxresStar)
	b = append(b, `,"autn":`...)
	b = strictjson.AppendString(b, u.FiveGAuthData.Autn)
	b = append(b, `},"_links":`...)
	if u.Links == nil {
		b = append(b, "null"...)
	} else {
		keys := make([]string, 0, len(u.Links))
		for k := range u.Links {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = strictjson.AppendString(b, k)
			b = append(b, `:{"href":`...)
			b = strictjson.AppendString(b, u.Links[k].Href)
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	if u.ServingNetworkName != "" {
		b = append(b, `,"servingNetworkName":`...)
		b = strictjson.AppendString(b, u.ServingNetworkName)
	}
	return append(b, '}'), nil
}

func (l *link) decode(r *strictjson.Reader) {
	if !r.BeginObject("Link") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "href") {
		case "href":
			if v, ok := r.String(); ok {
				l.Href = v
			}
		default:
			r.Skip()
		}
	}
}

func (v *av5gAka) decode(r *strictjson.Reader) {
	if !r.BeginObject("Av5gAka") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		var dst *string
		switch r.Field(k, "rand", "hxresStar", "autn") {
		case "rand":
			dst = &v.Rand
		case "hxresStar":
			dst = &v.HxresStar
		case "autn":
			dst = &v.Autn
		default:
			r.Skip()
			continue
		}
		if s, ok := r.String(); ok {
			*dst = s
		}
	}
}

func (c *confirmationData) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("ConfirmationData") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "resStar") {
		case "resStar":
			if v, ok := r.String(); ok {
				c.ResStar = v
			}
		default:
			r.Skip()
		}
	}
}

func (c confirmationData) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"resStar":`...)
	b = strictjson.AppendString(b, c.ResStar)
	return append(b, '}'), nil
}

func (c *confirmationDataResponse) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("ConfirmationDataResponse") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		var dst *string
		switch r.Field(k, "authResult", "supi", "kseaf") {
		case "authResult":
			dst = &c.AuthResult
		case "supi":
			dst = &c.Supi
		case "kseaf":
			dst = &c.Kseaf
		default:
			r.Skip()
			continue
		}
		if s, ok := r.String(); ok {
			*dst = s
		}
	}
}

func (c confirmationDataResponse) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"authResult":`...)
	b = strictjson.AppendString(b, c.AuthResult)
	if c.Supi != "" {
		b = append(b, `,"supi":`...)
		b = strictjson.AppendString(b, c.Supi)
	}
	if c.Kseaf != "" {
		b = append(b, `,"kseaf":`...)
		b = strictjson.AppendString(b, c.Kseaf)
	}
	return append(b, '}'), nil
}
