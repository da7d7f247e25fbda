package ue

import (
	"crypto/subtle"
	"errors"

	"github.com/free5gc/nas"
)

// 5GMM causes the UE sends (TS 24.501 §9.11.3.2).
const (
	causeMACFailure            = 20 // #20 MAC failure
	causeSynchFailure          = 21 // #21 synch failure
	causeSecCapMismatch        = 23 // #23 UE security capabilities mismatch
	causeSecModeRejected       = 24 // #24 security mode rejected, unspecified
	causeNon5GAuthUnacceptable = 26 // #26 non-5G authentication unacceptable
	causeNgKSIAlreadyInUse     = 71 // #71 ngKSI already in use
)

const (
	ieiAuthResponseParameter = 0x2D // TS 24.501 §8.2.2
	ieiAuthFailureParameter  = 0x30 // TS 24.501 §8.2.4
	ngKSINoKeyAvailable      = 7    // TS 24.501 §9.11.3.32
	amfSeparationBit         = 0x80 // bit 0 of the AMF field, TS 33.102 Annex H
)

// handleAuthenticationRequest runs the USIM side of 5G AKA (TS 24.501
// §5.4.1.3, TS 33.501 §6.1.3.2, TS 33.102 §6.3.3).
func (u *UE) handleAuthenticationRequest(in *inbound) (Result, error) {
	m := in.msg.AuthenticationRequest
	if m.AuthenticationParameterRAND == nil || m.AuthenticationParameterAUTN == nil {
		return Result{}, errors.New("ue: Authentication Request without RAND and AUTN: EAP-AKA' is not supported")
	}
	ksi := m.SpareHalfOctetAndNgksi.Octet & 0x0F // TSC (bit 4) and NAS key set identifier
	if ksi&0x08 != 0 {
		return Result{}, errors.New("ue: Authentication Request: ngKSI names a mapped security context")
	}
	if ksi == ngKSINoKeyAvailable {
		return Result{}, errors.New("ue: Authentication Request: ngKSI 7 is reserved")
	}
	// TS 24.501 §5.4.1.3.7 c): the network must not reuse the ngKSI of the
	// current context for a new one.
	if u.ctx != nil && u.ctx.ngKSI == ksi {
		return u.authenticationFailure(causeNgKSIAlreadyInUse, nil)
	}
	rand := m.AuthenticationParameterRAND.Octet
	autn := m.AuthenticationParameterAUTN.Octet
	sqnXorAK, amf, mac := [6]byte(autn[0:6]), [2]byte(autn[6:8]), autn[8:16]

	res, ck, ik, ak, akStar := u.usim.f2345(rand)
	var sqn [6]byte
	for i := range sqn {
		sqn[i] = sqnXorAK[i] ^ ak[i]
	}
	xmac, _ := u.usim.f1(rand, sqn, amf)
	if subtle.ConstantTimeCompare(xmac[:], mac) != 1 {
		return u.authenticationFailure(causeMACFailure, nil)
	}
	// TS 33.501 §6.1.3.2.0 and Annex H of TS 33.102: a 5G authentication
	// vector has the AMF separation bit (bit 0, the most significant) set.
	if amf[0]&amfSeparationBit == 0 {
		return u.authenticationFailure(causeNon5GAuthUnacceptable, nil)
	}
	// TS 33.102 §6.3.3 and Annex C, simplified: one SQNms instead of the
	// array of SEQ values per IND, and no limit on how far SQN may jump.
	if sqn48(sqn) <= u.sqnMS {
		return u.authenticationFailure(causeSynchFailure, u.auts(rand, akStar))
	}
	u.sqnMS = sqn48(sqn)
	resStar := deriveRESStar(ck, ik, u.snn, rand, res[:])
	kausf := deriveKAUSF(ck, ik, u.snn, sqnXorAK)
	u.pending = &authContext{
		ngKSI: ksi,
		abba:  append([]byte(nil), m.ABBA.Buffer...),
		kausf: kausf,
		kseaf: deriveKSEAF(kausf, u.snn),
	}
	msg := gmmHeader(nas.MsgTypeAuthenticationResponse)
	msg = appendTLV(msg, ieiAuthResponseParameter, resStar[:])
	out, err := u.send(msg)
	if err != nil {
		return Result{}, err
	}
	return Result{Uplink: [][]byte{out}}, nil
}

// auts builds the re-synchronisation token AUTS = SQNms ⊕ AK* || MAC-S,
// with MAC-S = f1*(SQNms, RAND, AMF = 0x0000) (TS 33.102 §6.3.3).
func (u *UE) auts(rand [16]byte, akStar [6]byte) []byte {
	var sqnMS [6]byte
	for i := range sqnMS {
		sqnMS[i] = byte(u.sqnMS >> (40 - 8*i))
	}
	_, macS := u.usim.f1(rand, sqnMS, [2]byte{})
	auts := make([]byte, 0, 14)
	for i := range sqnMS {
		auts = append(auts, sqnMS[i]^akStar[i])
	}
	return append(auts, macS[:]...)
}

func (u *UE) authenticationFailure(cause uint8, auts []byte) (Result, error) {
	msg := append(gmmHeader(nas.MsgTypeAuthenticationFailure), cause)
	if auts != nil {
		msg = appendTLV(msg, ieiAuthFailureParameter, auts)
	}
	out, err := u.send(msg)
	if err != nil {
		return Result{}, err
	}
	return Result{Uplink: [][]byte{out}, Event: EventAuthFailure, Cause: cause}, nil
}

// handleAuthenticationReject: the network refused the UE (TS 24.501
// §5.4.1.3.5). The UE deletes its 5G-GUTI, TAI list and security
// contexts and is deregistered.
func (u *UE) handleAuthenticationReject(*inbound) (Result, error) {
	u.forgetRegistration()
	u.ctx, u.pending, u.secured = nil, nil, false
	u.state = Deregistered
	return Result{Event: EventAuthRejected}, nil
}

func sqn48(b [6]byte) uint64 {
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}
