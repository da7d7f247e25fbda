package ue

import (
	"errors"
	"fmt"

	"github.com/free5gc/nas"
)

// StatusError is a 5GMM STATUS message from the network (TS 24.501
// §5.4.6): the network reports an error in something the UE sent.
type StatusError struct {
	Cause uint8
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("ue: 5GMM STATUS from the network, cause #%d", e.Cause)
}

// Handle processes one downlink NAS PDU and returns the uplink NAS PDUs to
// send and what happened. A message the UE discards — it failed the
// integrity check, came plain when it must not, is malformed, unknown or
// not compatible with the state — returns an error and no uplink, and
// leaves the 5GMM state as it was (a message that passed the integrity
// check still counts for the downlink NAS COUNT). The UE does not answer
// such messages with 5GMM STATUS (TS 24.501 §7): the error is the report.
func (u *UE) Handle(pdu []byte) (Result, error) {
	in, err := u.open(pdu)
	if err != nil {
		return Result{}, err
	}
	typ := in.plain[2]
	p, ok := downlinkProcedures[typ]
	if !ok {
		return Result{}, fmt.Errorf("ue: 5GMM message type %#02x: %w", typ, ErrNotImplemented)
	}
	if !p.accepts(u.state) {
		return Result{}, fmt.Errorf("ue: %s in %s: %w", p.name, u.state, ErrUnexpected)
	}
	if !p.own {
		m := new(nas.Message)
		plain := in.plain
		if err := m.GmmMessageDecode(&plain); err != nil {
			return Result{}, fmt.Errorf("ue: %s: %w", p.name, err)
		}
		in.msg = m.GmmMessage
	}
	return p.handle(u, in)
}

// open checks and removes the security header (TS 24.501 §4.4.4.2,
// §9.1.1). It verifies and deciphers protected messages with the current
// context, except a Security Mode Command with a new context, which
// handleSecurityModeCommand verifies once it has derived the keys.
func (u *UE) open(pdu []byte) (*inbound, error) {
	if len(pdu) < 3 {
		return nil, fmt.Errorf("ue: NAS PDU of %d octets is too short", len(pdu))
	}
	if pdu[0] != epd5GMM {
		return nil, fmt.Errorf("ue: extended protocol discriminator %#02x: want 5GMM (0x7e) on N1", pdu[0])
	}
	sht := pdu[1] & 0x0F
	if sht == shtPlain {
		if u.secured || !plainAllowed(pdu) {
			return nil, fmt.Errorf("ue: plain 5GMM message type %#02x: %w", pdu[2], ErrNotProtected)
		}
		return &inbound{plain: pdu, sht: sht}, nil
	}
	if len(pdu) < securedHeaderLen+3 {
		return nil, fmt.Errorf("ue: security protected NAS PDU of %d octets is too short", len(pdu))
	}
	in := &inbound{sht: sht, mac: [4]byte(pdu[2:6]), sqn: pdu[6]}
	switch sht {
	case shtIntegrityNewContext:
		// TS 24.501 §9.3.1: only the Security Mode Command uses header
		// type 3, and it is never ciphered.
		in.plain = pdu[securedHeaderLen:]
		if in.plain[0] != epd5GMM || in.plain[2] != nas.MsgTypeSecurityModeCommand {
			return nil, fmt.Errorf("ue: security header type 3 on message type %#02x: only a Security Mode Command may use it", in.plain[2])
		}
	case shtIntegrity, shtIntegrityCiphered:
		if u.ctx == nil {
			return nil, ErrNoContext
		}
		count, err := u.ctx.estimateDL(in.sqn)
		if err != nil {
			return nil, err
		}
		if err := u.ctx.verify(pdu, count); err != nil {
			return nil, err
		}
		plain := append([]byte(nil), pdu[securedHeaderLen:]...)
		if sht == shtIntegrityCiphered {
			if err := nasCipher(u.ctx.ea, u.ctx.kEnc, count, dirDownlink, plain); err != nil {
				return nil, err
			}
		}
		u.ctx.acceptDL(count)
		u.secured = true
		in.plain = plain
	default:
		return nil, fmt.Errorf("ue: downlink security header type %d", sht)
	}
	if len(in.plain) < 3 || in.plain[0] != epd5GMM || in.plain[1]&0x0F != shtPlain {
		return nil, errors.New("ue: the protected NAS message is not a plain 5GMM message")
	}
	return in, nil
}

// plainAllowed lists the messages the UE processes without integrity
// protection before the network established secure exchange of NAS
// messages (TS 24.501 §4.4.4.2).
func plainAllowed(pdu []byte) bool {
	switch pdu[2] {
	case nas.MsgTypeAuthenticationRequest, nas.MsgTypeAuthenticationResult, nas.MsgTypeAuthenticationReject:
		return true
	case nas.MsgTypeIdentityRequest:
		// Only when the requested identity is the SUCI.
		return len(pdu) >= 4 && pdu[3]&0x07 == identitySUCI
	case nas.MsgTypeRegistrationReject, nas.MsgTypeServiceReject:
		// Unless the cause is #76 or #78.
		return len(pdu) >= 4 && pdu[3] != 76 && pdu[3] != 78
	case nas.MsgTypeDeregistrationAcceptUEOriginatingDeregistration:
		return true
	}
	return false
}

func (u *UE) handleStatus(in *inbound) (Result, error) {
	return Result{}, &StatusError{Cause: in.msg.Status5GMM.Cause5GMM.Octet}
}

// 5GMM message builders share this header: EPD, plain, message type.
func gmmHeader(typ uint8) []byte {
	return []byte{epd5GMM, shtPlain, typ}
}

// appendLVE appends a type 6 (LV-E) value with its two-octet length.
func appendLVE(b, v []byte) []byte {
	return append(append(b, byte(len(v)>>8), byte(len(v))), v...)
}

// appendTLVE appends a type 6 (TLV-E) IE.
func appendTLVE(b []byte, iei uint8, v []byte) []byte {
	return appendLVE(append(b, iei), v)
}

// appendTLV appends a type 4 (TLV) IE.
func appendTLV(b []byte, iei uint8, v []byte) []byte {
	return append(append(b, iei, byte(len(v))), v...)
}
