package subdata

import (
	"fmt"
	"strconv"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/strictjson"
)

// The subscription data are read and written by hand over
// strictjson: they are the largest bodies of a registration and a PDU
// session establishment (the UDR's answer to QueryProvisionedData, the
// UDM's sm-data), and encoding/json's reflection cost a split core more
// CPU than the rest of those calls. The decoders accept, refuse and
// fill what encoding/json followed by sbihttp's strict checks would;
// the encoders write json.Marshal's bytes. The differential tests hold
// them to it.

// DecodeJSON reads the TS 29.503 AccessAndMobilitySubscriptionData.
func (d *AccessAndMobilitySubscriptionData) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("AccessAndMobilitySubscriptionData") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "subscribedUeAmbr", "nssai", "subscribedDnnList") {
		case "subscribedUeAmbr":
			decodeAmbrPtr(r, &d.SubscribedUeAmbr)
		case "nssai":
			if r.Null() {
				d.Nssai = nil
				continue
			}
			if d.Nssai == nil {
				d.Nssai = new(Nssai)
			}
			d.Nssai.DecodeJSON(r)
		case "subscribedDnnList":
			r.Strings(&d.SubscribedDnnList)
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends d as json.Marshal writes it.
func (d AccessAndMobilitySubscriptionData) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	sep := false
	if d.SubscribedUeAmbr != nil {
		b = append(b, `"subscribedUeAmbr":`...)
		b = d.SubscribedUeAmbr.AppendJSON(b)
		sep = true
	}
	if d.Nssai != nil {
		if sep {
			b = append(b, ',')
		}
		b = append(b, `"nssai":`...)
		var err error
		if b, err = d.Nssai.AppendJSON(b); err != nil {
			return b, err
		}
		sep = true
	}
	if len(d.SubscribedDnnList) > 0 {
		if sep {
			b = append(b, ',')
		}
		b = append(b, `"subscribedDnnList":`...)
		b = strictjson.AppendStrings(b, d.SubscribedDnnList)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads d strictly, as DecodeJSON.
func (d *AccessAndMobilitySubscriptionData) UnmarshalJSON(b []byte) error {
	r := strictjson.NewReader(b, false)
	d.DecodeJSON(r)
	return r.Finish()
}

// MarshalJSON writes d as AppendJSON.
func (d AccessAndMobilitySubscriptionData) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(nil)
}

// DecodeJSON reads the TS 29.503 Nssai.
func (n *Nssai) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("Nssai") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "defaultSingleNssais", "singleNssais") {
		case "defaultSingleNssais":
			decodeSNSSAIs(r, &n.DefaultSingleNssais)
		case "singleNssais":
			decodeSNSSAIs(r, &n.SingleNssais)
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends n as json.Marshal writes it.
func (n Nssai) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"defaultSingleNssais":`...)
	var err error
	if b, err = appendSNSSAIs(b, n.DefaultSingleNssais); err != nil {
		return b, err
	}
	if len(n.SingleNssais) > 0 {
		b = append(b, `,"singleNssais":`...)
		if b, err = appendSNSSAIs(b, n.SingleNssais); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// DecodeJSON reads the TS 29.571 Ambr, as sbi.Ambr (the same attributes).
func (a *Ambr) DecodeJSON(r *strictjson.Reader) { (*sbi.Ambr)(a).DecodeJSON(r) }

// AppendJSON appends a as json.Marshal writes it, as sbi.Ambr.
func (a Ambr) AppendJSON(b []byte) []byte { return sbi.Ambr(a).AppendJSON(b) }

func decodeAmbrPtr(r *strictjson.Reader, p **Ambr) {
	if r.Null() {
		*p = nil
		return
	}
	if *p == nil {
		*p = new(Ambr)
	}
	(*p).DecodeJSON(r)
}

// decodeSNSSAI reads a TS 29.571 Snssai with ident's own decoding, as
// encoding/json hands it the value.
func decodeSNSSAI(r *strictjson.Reader, s *ident.SNSSAI) {
	raw := r.Raw()
	if raw == nil {
		return
	}
	if err := s.UnmarshalJSON(raw); err != nil {
		r.Refuse("", err)
	}
}

func decodeSNSSAIs(r *strictjson.Reader, l *[]ident.SNSSAI) {
	if r.Null() {
		*l = nil
		return
	}
	if !r.BeginArray("array of Snssai") {
		return
	}
	s, n := *l, 0
	for r.Next() {
		s = strictjson.Grow(s, n)
		decodeSNSSAI(r, &s[n])
		n++
	}
	*l = strictjson.Trim(s, n)
}

func appendSNSSAIs(b []byte, l []ident.SNSSAI) ([]byte, error) {
	if l == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = s.AppendJSON(b); err != nil {
			return b, fmt.Errorf("subdata: Snssai: %w", err)
		}
	}
	return append(b, ']'), nil
}

// SMDataList is the sm-data resource: TS 29.503 SmSubsData in its form
// of an array of SessionManagementSubscriptionData.
type SMDataList []SessionManagementSubscriptionData

// DecodeJSON reads the array (or null).
func (l *SMDataList) DecodeJSON(r *strictjson.Reader) {
	if r.Null() {
		*l = nil
		return
	}
	if !r.BeginArray("array of SessionManagementSubscriptionData") {
		return
	}
	s, n := *l, 0
	for r.Next() {
		s = strictjson.Grow(s, n)
		s[n].DecodeJSON(r)
		n++
	}
	*l = strictjson.Trim(s, n)
}

// AppendJSON appends l as json.Marshal writes it.
func (l SMDataList) AppendJSON(b []byte) ([]byte, error) {
	if l == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = s.AppendJSON(b); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// UnmarshalJSON reads l strictly, as DecodeJSON.
func (l *SMDataList) UnmarshalJSON(b []byte) error {
	r := strictjson.NewReader(b, false)
	l.DecodeJSON(r)
	return r.Finish()
}

// MarshalJSON writes l as AppendJSON.
func (l SMDataList) MarshalJSON() ([]byte, error) { return l.AppendJSON(nil) }

// DecodeJSON reads the TS 29.503 SessionManagementSubscriptionData.
func (s *SessionManagementSubscriptionData) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("SessionManagementSubscriptionData") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "singleNssai", "dnnConfigurations") {
		case "singleNssai":
			if r.Null() {
				s.SingleNssai = nil
				continue
			}
			if s.SingleNssai == nil {
				s.SingleNssai = new(ident.SNSSAI)
			}
			decodeSNSSAI(r, s.SingleNssai)
		case "dnnConfigurations":
			s.DnnConfigurations.DecodeJSON(r)
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends s as json.Marshal writes it.
func (s SessionManagementSubscriptionData) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"singleNssai":`...)
	if s.SingleNssai == nil {
		b = append(b, "null"...)
	} else {
		var err error
		if b, err = s.SingleNssai.AppendJSON(b); err != nil {
			return b, fmt.Errorf("subdata: singleNssai: %w", err)
		}
	}
	if len(s.DnnConfigurations) > 0 {
		b = append(b, `,"dnnConfigurations":`...)
		b = s.DnnConfigurations.AppendJSON(b)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads s strictly, as DecodeJSON.
func (s *SessionManagementSubscriptionData) UnmarshalJSON(b []byte) error {
	r := strictjson.NewReader(b, false)
	s.DecodeJSON(r)
	return r.Finish()
}

// MarshalJSON writes s as AppendJSON.
func (s SessionManagementSubscriptionData) MarshalJSON() ([]byte, error) {
	return s.AppendJSON(nil)
}

// DecodeJSON reads the map from DNN to DnnConfiguration in the order the
// object lists its members. A DNN named twice, or one that is not a
// DNN (TS 23.003 §9A), is refused; so is an attribute a
// DnnConfiguration does not define. A null leaves no members.
//
// The members are judged as values with their own decoding: the first
// member at fault ends decoding with its fault.
func (c *DnnConfigurations) DecodeJSON(r *strictjson.Reader) {
	if r.Null() {
		*c = (*c)[:0]
		return
	}
	outer := r.Isolate()
	defer r.Join(outer)
	if !r.BeginObject("DnnConfigurations") {
		return
	}
	*c = (*c)[:0]
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		for _, e := range *c {
			if e.DNN == string(k) {
				r.Refuse(fmt.Sprintf("DNN %q twice", k), fmt.Errorf("%w: dnnConfigurations: DNN %q twice", sbi.ErrInvalidRequest, k))
				return
			}
		}
		dnn := string(k)
		if _, err := ident.ParseDNN(dnn); err != nil {
			r.Refuse("", fmt.Errorf("%w: dnnConfigurations: %v", sbi.ErrInvalidRequest, err))
			return
		}
		var cfg DnnConfiguration
		inner := r.Isolate()
		cfg.DecodeJSON(r)
		r.Join(inner)
		*c = append(*c, DnnEntry{DNN: dnn, Config: cfg})
	}
}

// AppendJSON appends the members in order.
func (c DnnConfigurations) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	for i, e := range c {
		if i > 0 {
			b = append(b, ',')
		}
		b = strictjson.AppendString(b, e.DNN)
		b = append(b, ':')
		b = e.Config.AppendJSON(b)
	}
	return append(b, '}')
}

// DecodeJSON reads the TS 29.503 DnnConfiguration.
func (d *DnnConfiguration) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("DnnConfiguration") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "pduSessionTypes", "sscModes", "5gQosProfile", "sessionAmbr", "staticIpAddress") {
		case "pduSessionTypes":
			d.PduSessionTypes.DecodeJSON(r)
		case "sscModes":
			d.SscModes.DecodeJSON(r)
		case "5gQosProfile":
			if r.Null() {
				d.QosProfile = nil
				continue
			}
			if d.QosProfile == nil {
				d.QosProfile = new(SubscribedDefaultQos)
			}
			d.QosProfile.DecodeJSON(r)
		case "sessionAmbr":
			decodeAmbrPtr(r, &d.SessionAmbr)
		case "staticIpAddress":
			if r.Null() {
				d.StaticIPAddress = nil
				continue
			}
			if !r.BeginArray("array of IpAddress") {
				continue
			}
			s, n := d.StaticIPAddress, 0
			for r.Next() {
				s = strictjson.Grow(s, n)
				s[n].DecodeJSON(r)
				n++
			}
			d.StaticIPAddress = strictjson.Trim(s, n)
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends d as json.Marshal writes it.
func (d DnnConfiguration) AppendJSON(b []byte) []byte {
	b = append(b, `{"pduSessionTypes":`...)
	b = d.PduSessionTypes.AppendJSON(b)
	b = append(b, `,"sscModes":`...)
	b = d.SscModes.AppendJSON(b)
	if d.QosProfile != nil {
		b = append(b, `,"5gQosProfile":`...)
		b = d.QosProfile.AppendJSON(b)
	}
	if d.SessionAmbr != nil {
		b = append(b, `,"sessionAmbr":`...)
		b = d.SessionAmbr.AppendJSON(b)
	}
	if len(d.StaticIPAddress) > 0 {
		b = append(b, `,"staticIpAddress":[`...)
		for i, a := range d.StaticIPAddress {
			if i > 0 {
				b = append(b, ',')
			}
			b = a.AppendJSON(b)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// DecodeJSON reads the TS 29.503 PduSessionTypes.
func (p *PduSessionTypes) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("PduSessionTypes") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "defaultSessionType", "allowedSessionTypes") {
		case "defaultSessionType":
			if v, ok := r.String(); ok {
				p.DefaultSessionType = v
			}
		case "allowedSessionTypes":
			r.Strings(&p.AllowedSessionTypes)
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends p as json.Marshal writes it.
func (p PduSessionTypes) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	if p.DefaultSessionType != "" {
		b = append(b, `"defaultSessionType":`...)
		b = strictjson.AppendString(b, p.DefaultSessionType)
	}
	if len(p.AllowedSessionTypes) > 0 {
		if p.DefaultSessionType != "" {
			b = append(b, ',')
		}
		b = append(b, `"allowedSessionTypes":`...)
		b = strictjson.AppendStrings(b, p.AllowedSessionTypes)
	}
	return append(b, '}')
}

// DecodeJSON reads the TS 29.503 SscModes.
func (s *SscModes) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("SscModes") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "defaultSscMode", "allowedSscModes") {
		case "defaultSscMode":
			if v, ok := r.String(); ok {
				s.DefaultSscMode = v
			}
		case "allowedSscModes":
			r.Strings(&s.AllowedSscModes)
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends s as json.Marshal writes it.
func (s SscModes) AppendJSON(b []byte) []byte {
	b = append(b, `{"defaultSscMode":`...)
	b = strictjson.AppendString(b, s.DefaultSscMode)
	if len(s.AllowedSscModes) > 0 {
		b = append(b, `,"allowedSscModes":`...)
		b = strictjson.AppendStrings(b, s.AllowedSscModes)
	}
	return append(b, '}')
}

// DecodeJSON reads the TS 29.571 SubscribedDefaultQos.
func (q *SubscribedDefaultQos) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("SubscribedDefaultQos") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "5qi", "arp") {
		case "5qi":
			if v, ok := r.Int(strconv.IntSize); ok {
				q.FiveQI = int(v)
			}
		case "arp":
			q.Arp.DecodeJSON(r)
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends q as json.Marshal writes it.
func (q SubscribedDefaultQos) AppendJSON(b []byte) []byte {
	b = append(b, `{"5qi":`...)
	b = strconv.AppendInt(b, int64(q.FiveQI), 10)
	b = append(b, `,"arp":`...)
	b = q.Arp.AppendJSON(b)
	return append(b, '}')
}

// DecodeJSON reads the TS 29.571 Arp.
func (a *Arp) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("Arp") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "priorityLevel", "preemptCap", "preemptVuln") {
		case "priorityLevel":
			if v, ok := r.Int(strconv.IntSize); ok {
				a.PriorityLevel = int(v)
			}
		case "preemptCap":
			if v, ok := r.String(); ok {
				a.PreemptCap = v
			}
		case "preemptVuln":
			if v, ok := r.String(); ok {
				a.PreemptVuln = v
			}
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends a as json.Marshal writes it.
func (a Arp) AppendJSON(b []byte) []byte {
	b = append(b, `{"priorityLevel":`...)
	b = strconv.AppendInt(b, int64(a.PriorityLevel), 10)
	b = append(b, `,"preemptCap":`...)
	b = strictjson.AppendString(b, a.PreemptCap)
	b = append(b, `,"preemptVuln":`...)
	b = strictjson.AppendString(b, a.PreemptVuln)
	return append(b, '}')
}

// DecodeJSON reads the TS 29.503 IpAddress.
func (a *IPAddress) DecodeJSON(r *strictjson.Reader) {
	if !r.BeginObject("IpAddress") {
		return
	}
	for k, ok := r.Member(); ok; k, ok = r.Member() {
		switch r.Field(k, "ipv4Addr", "ipv6Prefix") {
		case "ipv4Addr":
			if v, ok := r.String(); ok {
				a.IPv4Addr = v
			}
		case "ipv6Prefix":
			if v, ok := r.String(); ok {
				a.IPv6Prefix = v
			}
		default:
			r.Skip()
		}
	}
}

// AppendJSON appends a as json.Marshal writes it.
func (a IPAddress) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	if a.IPv4Addr != "" {
		b = append(b, `"ipv4Addr":`...)
		b = strictjson.AppendString(b, a.IPv4Addr)
	}
	if a.IPv6Prefix != "" {
		if a.IPv4Addr != "" {
			b = append(b, ',')
		}
		b = append(b, `"ipv6Prefix":`...)
		b = strictjson.AppendString(b, a.IPv6Prefix)
	}
	return append(b, '}')
}
