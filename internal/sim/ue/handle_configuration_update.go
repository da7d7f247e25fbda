package ue

import (
	"github.com/free5gc/nas"
)

// configurationUpdateACK is the acknowledgement bit of the Configuration
// update indication IE (TS 24.501 §9.11.3.18).
const configurationUpdateACK = 0x01

// handleConfigurationUpdateCommand stores the new 5G-GUTI, TAI list and
// allowed NSSAI, and acknowledges when asked (TS 24.501 §5.4.4.3).
// Optional IEs that do not parse are treated as absent (§7.7.2).
func (u *UE) handleConfigurationUpdateCommand(in *inbound) (Result, error) {
	m := in.msg.ConfigurationUpdateCommand
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
