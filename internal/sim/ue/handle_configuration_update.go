package ue

import (
	"unicode/utf16"

	"github.com/free5gc/nas"
)

// configurationUpdateACK is the acknowledgement bit of the Configuration
// update indication IE (TS 24.501 §9.11.3.18).
const configurationUpdateACK = 0x01

// handleConfigurationUpdateCommand stores the new 5G-GUTI, TAI list,
// allowed NSSAI and network names, and acknowledges when asked (TS
// 24.501 §5.4.4.3). Optional IEs that do not parse are treated as absent
// (§7.7.2).
func (u *UE) handleConfigurationUpdateCommand(in *inbound) (Result, error) {
	m := in.msg.ConfigurationUpdateCommand
	u.configUpdates++
	if n := m.FullNameForNetwork; n != nil {
		if name, ok := networkName(n.Buffer); ok {
			u.fullName = name
		}
	}
	if n := m.ShortNameForNetwork; n != nil {
		if name, ok := networkName(n.Buffer); ok {
			u.shortName = name
		}
	}
	if m.GUTI5G != nil {
		if g, err := parseGUTI(m.GUTI5G.Octet[:]); err == nil {
			u.guti = &g
		}
	}
	if m.TAIList != nil {
		if t, err := parseTAIList(m.TAIList.Buffer); err == nil {
			u.tais = t
		}
	}
	if m.AllowedNSSAI != nil {
		if a, err := parseNSSAI(m.AllowedNSSAI.Buffer); err == nil {
			u.allowed = a
		}
	}
	res := Result{Event: EventConfigurationUpdated}
	if m.ConfigurationUpdateIndication != nil && m.ConfigurationUpdateIndication.Octet&configurationUpdateACK != 0 {
		out, err := u.send(gmmHeader(nas.MsgTypeConfigurationUpdateComplete))
		if err != nil {
			return Result{}, err
		}
		res.Uplink = [][]byte{out}
	}
	return res, nil
}

// ConfigurationUpdates returns how many CONFIGURATION UPDATE COMMANDs the
// UE has processed.
func (u *UE) ConfigurationUpdates() int { return u.configUpdates }

// NetworkName returns the network's full and short names from the last
// CONFIGURATION UPDATE COMMAND that carried them (TS 24.501 §9.11.3.35).
func (u *UE) NetworkName() (full, short string) { return u.fullName, u.shortName }

// networkName decodes the value of a Network name IE (TS 24.008
// §10.5.3.5a): octet 3 (coding scheme, spare bits in the last octet),
// then the text in the GSM 7-bit default alphabet or UCS2. Characters of
// the GSM alphabet whose code is not their ASCII one read as '?'.
func networkName(v []byte) (string, bool) {
	if len(v) < 1 {
		return "", false
	}
	octet3, text := v[0], v[1:]
	switch (octet3 >> 4) & 0x07 {
	case 0: // GSM 7-bit default alphabet, packed
		chars := max(0, len(text)*8-int(octet3&0x07)) / 7
		out := make([]byte, 0, chars)
		for i := 0; i < chars; i++ {
			bit := i * 7
			v := uint16(text[bit/8]) >> (bit % 8)
			if bit%8 > 1 && bit/8+1 < len(text) {
				v |= uint16(text[bit/8+1]) << (8 - bit%8)
			}
			c := byte(v & 0x7f)
			if c < ' ' || c == '$' || c == '@' || c > 'z' {
				c = '?'
			}
			out = append(out, c)
		}
		return string(out), true
	case 1: // UCS2
		if len(text)%2 != 0 {
			return "", false
		}
		u16 := make([]uint16, 0, len(text)/2)
		for i := 0; i+1 < len(text); i += 2 {
			u16 = append(u16, uint16(text[i])<<8|uint16(text[i+1]))
		}
		return string(utf16.Decode(u16)), true
	}
	return "", false
}
