package ue

import (
	"bytes"
	"crypto/subtle"
	"errors"

	"github.com/free5gc/nas"
)

const (
	ieiIMEISV              = 0x77 // Security Mode Complete, TS 24.501 §8.2.26
	ieiNASMessageContainer = 0x71 // Security Mode Complete and Registration Request
	rinmr                  = 0x02 // Additional 5G security information, TS 24.501 §9.11.3.12
)

// handleSecurityModeCommand takes a 5G NAS security context into use —
// the one from the last 5G AKA, or the current one again — and answers
// Security Mode Complete or Reject (TS 24.501 §5.4.2.3, §5.4.2.5,
// TS 33.501 §6.7.2).
func (u *UE) handleSecurityModeCommand(in *inbound) (Result, error) {
	// TS 24.501 §5.4.2.2: the AMF always sends it integrity protected with
	// the new context, header type 3.
	if in.sht != shtIntegrityNewContext {
		return Result{}, errors.New("ue: Security Mode Command without security header type 3")
	}
	m := in.msg.SecurityModeCommand
	ksi := m.SpareHalfOctetAndNgksi.Octet & 0x0F
	ea, ia := m.SelectedNASSecurityAlgorithms.Octet>>4, m.SelectedNASSecurityAlgorithms.Octet&0x0F
	// TS 24.501 §5.4.2.3: 5G-IA0 is only for emergency services, which
	// the simulator does not use; the algorithms must be ones the UE
	// announced.
	if ia == 0 || ea > 3 || ia > 3 || u.secCap[0]&(0x80>>ea) == 0 || u.secCap[1]&(0x80>>ia) == 0 {
		return u.securityModeReject(causeSecModeRejected)
	}
	var ctx *securityContext
	var count uint32
	switch {
	case u.pending != nil && u.pending.ngKSI == ksi:
		// The context of the last 5G AKA: KAMF from KSEAF (TS 33.501 A.7),
		// NAS COUNTs from 0 (TS 24.501 §4.4.3.1), so the overflow counter
		// is 0 and the sequence number is as received.
		ctx = newSecurityContext(ksi, deriveKAMF(u.pending.kseaf, u.imsi, u.pending.abba), ea, ia)
		count = uint32(in.sqn)
	case u.ctx != nil && u.ctx.ngKSI == ksi:
		// The current context again: a retransmitted command, or new
		// algorithms for the same KAMF; the NAS COUNTs go on.
		ctx = newSecurityContext(ksi, u.ctx.kamf, ea, ia)
		ctx.ul, ctx.dl, ctx.dlSeen = u.ctx.ul, u.ctx.dl, u.ctx.dlSeen
		var err error
		if count, err = ctx.estimateDL(in.sqn); err != nil {
			return Result{}, err
		}
	default:
		// Simplified: a stored non-current context is never re-activated.
		return u.securityModeReject(causeSecModeRejected)
	}
	mac, err := nasMAC(ia, ctx.kInt, count, dirDownlink, append([]byte{in.sqn}, in.plain...))
	if err != nil {
		return Result{}, err
	}
	if subtle.ConstantTimeCompare(mac[:], in.mac[:]) != 1 {
		// TS 24.501 §5.4.2.5: a command that cannot be accepted is
		// answered with Security Mode Reject.
		return u.securityModeReject(causeSecModeRejected)
	}
	if !bytes.Equal(m.ReplayedUESecurityCapabilities.Buffer, u.secCap[:]) {
		return u.securityModeReject(causeSecCapMismatch)
	}
	ctx.acceptDL(count)
	u.ctx, u.pending, u.secured = ctx, nil, true

	msg := gmmHeader(nas.MsgTypeSecurityModeComplete)
	if m.IMEISVRequest != nil && m.IMEISVRequest.Octet&0x07 == 1 {
		msg = appendTLVE(msg, ieiIMEISV, digitsIdentity(identityIMEISV, u.imeisv))
	}
	// TS 24.501 §4.4.6 and §5.4.2.3: the entire initial message goes in
	// the NAS message container when the AMF asks for it (RINMR) or when
	// the UE left non-cleartext IEs out of it.
	if u.initial != nil {
		retransmit := m.Additional5GSecurityInformation != nil && m.Additional5GSecurityInformation.Octet&rinmr != 0
		if retransmit || u.initial.nonCleartext {
			msg = appendTLVE(msg, ieiNASMessageContainer, u.initial.full)
		}
	}
	out, err := ctx.protect(msg, shtCipheredNewContext)
	if err != nil {
		return Result{}, err
	}
	return Result{Uplink: [][]byte{out}}, nil
}

func (u *UE) securityModeReject(cause uint8) (Result, error) {
	out, err := u.send(append(gmmHeader(nas.MsgTypeSecurityModeReject), cause))
	if err != nil {
		return Result{}, err
	}
	return Result{Uplink: [][]byte{out}, Event: EventSecurityModeRejected, Cause: cause}, nil
}
