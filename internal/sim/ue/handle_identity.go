package ue

import (
	"github.com/free5gc/nas"
)

// handleIdentityRequest answers with the requested identity (TS 24.501
// §5.4.3.3): a freshly concealed SUCI, the 5G-GUTI, the IMEI or the
// IMEISV; "no identity" for anything else, or for a 5G-GUTI the UE does
// not have.
func (u *UE) handleIdentityRequest(in *inbound) (Result, error) {
	var id []byte
	switch in.msg.IdentityRequest.SpareHalfOctetAndIdentityType.Octet & 0x07 {
	case identitySUCI:
		var err error
		if id, err = u.suciIdentity(); err != nil {
			return Result{}, err
		}
	case identityGUTI:
		if u.guti != nil {
			id = appendGUTI(nil, *u.guti)
		}
	case identityIMEI:
		id = digitsIdentity(identityIMEI, u.imei)
	case identityIMEISV:
		id = digitsIdentity(identityIMEISV, u.imeisv)
	}
	if id == nil {
		id = []byte{identityNone}
	}
	msg := appendLVE(gmmHeader(nas.MsgTypeIdentityResponse), id)
	out, err := u.send(msg)
	if err != nil {
		return Result{}, err
	}
	return Result{Uplink: [][]byte{out}}, nil
}
