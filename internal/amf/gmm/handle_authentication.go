package gmm

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"

	"github.com/free5gc/nas/nasMessage"

	"github.com/keelcore/keel/internal/crypto/kdf"
	"github.com/keelcore/keel/internal/crypto/suci"
	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/sbi"
)

// abba is the ABBA parameter Keel sends: 0x0000, no anti-bidding-down
// features (TS 33.501 §A.7.1).
var abba = []byte{0x00, 0x00}

// authState is the running 5G-AKA (TS 33.501 §6.1.3.2).
type authState struct {
	ctxID      string
	rand       [16]byte
	hxres      [16]byte
	ngKSI      uint8
	resynced   bool
	viaGUTI    bool
	ksiRetried bool
}

// authenticate starts 5G-AKA: Nausf_UEAuthentication_Authenticate, then
// AUTHENTICATION REQUEST once the AUSF answers (challenged; TS 24.501
// §5.4.1.3.2).
func (m *Machine) authenticate(req sbi.AuthRequest) {
	m.call(Authenticate{Req: req})
}

// challenged sends the AUTHENTICATION REQUEST of the AUSF's challenge.
// ksiRetry says the authentication was started again for an ngKSI
// already in use (§5.4.1.3.7 e).
func (m *Machine) challenged(req sbi.AuthRequest, ksiRetry bool, a AuthenticateAnswer) {
	if a.Err != nil {
		m.authenticationUnavailable(a.Err)
		return
	}
	ch := a.Challenge
	// A fresh ngKSI, neither the one the UE says it holds nor that of
	// the context in use (TS 24.501 §5.4.1.3.2); 7 means "no key
	// available".
	ksi := m.nextKSI
	for m.reg != nil && m.reg.ngKSI&0x07 == ksi || m.service != nil && m.service.NgKSI&0x07 == ksi ||
		m.sec != nil && m.sec.NgKSI == ksi {
		ksi = (ksi + 1) % 7
	}
	m.nextKSI = (ksi + 1) % 7
	m.auth = authState{ctxID: ch.AuthCtxID, rand: ch.RAND, hxres: ch.HXRESStar, ngKSI: ksi,
		resynced: req.Resync != nil, viaGUTI: req.SUPI != "" && req.Resync == nil || req.Resync != nil && m.auth.viaGUTI,
		ksiRetried: ksiRetry}
	msg := nas.AuthenticationRequest(nil, ksi, abba, ch.RAND, ch.AUTN)
	m.start(procAuthentication, T3560, func() { m.send(msg) })
}

// authenticationUnavailable rejects a registration whose subscriber the
// home network refuses or does not know.
func (m *Machine) authenticationUnavailable(err error) {
	if m.service != nil {
		m.sh.Outcome(Outcome{"authentication", "unavailable"})
		m.serviceUnavailable(err)
		return
	}
	if sbi.Temporary(err) {
		// The home network failed (its store is full, it did not answer
		// in time), not the subscriber: TS 24.501 §5.5.1.2.5 #22 with
		// T3346, so the UE retries later rather than give up.
		m.sh.Outcome(Outcome{"authentication", "unavailable"})
		m.serviceFailed(err, nas.CauseProtocolErrorUnspecified)
		return
	}
	m.sh.Outcome(Outcome{"authentication", "refused"})
	reason := []any{"reason", "authentication refused by the home network", "error", err}
	switch {
	case errors.Is(err, sbi.ErrUserNotFound), errors.Is(err, sbi.ErrSUCIDeconceal):
		// TS 29.503 USER_NOT_FOUND: no subscription; TS 24.501 Annex A,
		// cause #7: the UE is not allowed 5GS services.
		m.reject(nas.Cause5GSServicesNotAllowed, reason...)
	case errors.Is(err, sbi.ErrServingNetworkNotAuthorized):
		m.reject(nas.CausePLMNNotAllowed, reason...)
	default:
		m.reject(nas.CauseProtocolErrorUnspecified, reason...)
	}
}

// handleAuthenticationResponse checks RES* (TS 33.501 §6.1.3.2.2: HRES*
// against HXRES* in the SEAF, then RES* in the AUSF) and goes on to
// security mode control.
func (m *Machine) handleAuthenticationResponse(ctx context.Context, msg *nasMessage.AuthenticationResponse) {
	if m.proc != procAuthentication {
		return
	}
	p := msg.AuthenticationResponseParameter
	if p == nil || p.GetLen() != 16 {
		m.authenticationFailed(ctx, "reason", "AUTHENTICATION RESPONSE without a 16-octet RES*")
		return
	}
	res := p.GetRES()
	hres := kdf.HXRESStar(m.auth.rand, res)
	if subtle.ConstantTimeCompare(hres[:], m.auth.hxres[:]) != 1 {
		m.authenticationFailed(ctx, "reason", "RES* does not match")
		return
	}
	// T3560 stops: the UE has answered (§5.4.1.3.4); the AUSF's
	// confirmation is what remains.
	m.call(ConfirmAuth{AuthCtxID: m.auth.ctxID, RES: res})
}

// confirmed goes on to security mode control once the AUSF has confirmed
// RES* (TS 33.501 §6.1.3.2.2 steps 9-12).
func (m *Machine) confirmed(ctx context.Context, a ConfirmAuthAnswer) {
	if err := a.Err; err != nil && sbi.Temporary(err) {
		m.sh.Outcome(Outcome{"authentication", "unavailable"})
		if m.service != nil {
			m.serviceUnavailable(err)
			return
		}
		m.serviceFailed(err, nas.CauseProtocolErrorUnspecified)
		return
	}
	if a.Err != nil {
		// The AUSF's error names the SUPI the challenge was for.
		m.authenticationFailed(ctx, "reason", "confirmation refused by the home network", "error", a.Err)
		return
	}
	conf := a.Confirmation
	m.sh.Outcome(Outcome{"authentication", "success"})
	if m.service == nil || conf.SUPI != m.supi {
		m.supi = conf.SUPI
		m.sh.Identified(conf.SUPI)
	}
	// The AUSF's authentication context is not named again (TS 29.509
	// §5.2.2.2.2: the confirmation ends it): its ID goes.
	m.auth.ctxID = ""
	kamf := kdf.KAMF(conf.KSEAF, conf.SUPI, abba)
	m.securityMode(ctx, kamf, m.auth.ngKSI)
}

// authenticationFailed handles a wrong RES* (TS 24.501 §5.4.1.3.5, TS
// 33.501 §6.1.3.2.2): a UE known by 5G-GUTI is asked for its SUCI
// first; otherwise AUTHENTICATION REJECT. The authentication of a
// SERVICE REQUEST is aborted instead (service_security.go). reason says
// why, in the one log line of the outcome.
func (m *Machine) authenticationFailed(ctx context.Context, reason ...any) {
	m.stopTimer()
	if m.service != nil {
		m.log.Info("authentication failed", append([]any{m.identity()}, reason...)...)
		m.sh.Outcome(Outcome{"authentication", "failed"})
		m.serviceAborted(ServiceAuthenticationFailed, ReleaseAuthenticationFailure)
		return
	}
	if m.auth.viaGUTI {
		m.log.Info("authentication failed: asking the UE for its SUCI", append([]any{m.identity()}, reason...)...)
		m.auth.viaGUTI = false
		m.supi = ""
		m.identify()
		return
	}
	m.authenticationReject(reason...)
}

// authenticationReject sends AUTHENTICATION REJECT (TS 24.501 §5.4.1.3.5),
// which carries no 5GMM cause: its log line gives the reason instead.
func (m *Machine) authenticationReject(reason ...any) {
	m.log.Info("authentication rejected", append([]any{m.identity()}, reason...)...)
	m.sh.Outcome(Outcome{"authentication", "rejected"})
	m.rejectCause = 0
	m.sh.Outcome(Outcome{"registration", "rejected"})
	m.stopTimer()
	m.send(nas.AuthenticationReject(nil))
	m.sec, m.pending, m.reg = nil, nil, nil
	if m.state != Registered {
		m.state = Deregistered
	}
	m.release(ReleaseAuthenticationFailure)
}

// handleAuthenticationFailure serves TS 24.501 §5.4.1.3.7 c-e: synch
// failure re-synchronises once through the home network; MAC failure
// and non-5G authentication mean the UE rejects the network.
func (m *Machine) handleAuthenticationFailure(ctx context.Context, msg *nasMessage.AuthenticationFailure) {
	if m.proc != procAuthentication {
		return
	}
	cause := msg.Cause5GMM.GetCauseValue()
	m.log.Info("authentication failure from UE", append([]any{m.identity()}, causeArgs(cause)...)...)
	// The challenge will never be confirmed: the AUSF ends its context
	// (TS 29.509 authentication result removal) and, knowing the SUPI the
	// AMF does not know yet for a concealed SUCI, logs whose SIM failed.
	m.notify(DeleteAuth{AuthCtxID: m.auth.ctxID, Cause: cause})
	switch {
	case cause == nas.CauseSynchFailure && msg.AuthenticationFailureParameter != nil && !m.auth.resynced:
		auts := msg.AuthenticationFailureParameter.GetAuthenticationFailureParameter()
		req := sbi.AuthRequest{ServingNetworkName: m.cfg.ServingNetworkName, Resync: &sbi.Resync{RAND: m.auth.rand, AUTS: auts}}
		if m.supi != "" {
			req.SUPI = m.supi
		} else if m.reg != nil && m.reg.identity.SUCI != nil {
			req.SUCI = m.reg.identity.SUCI
		}
		m.authenticate(req)
	case cause == nas.CauseMACFailure && m.auth.viaGUTI:
		m.authenticationFailed(ctx, "reason", "the UE found the network's MAC wrong")
	case cause == nas.CauseNgKSIInUse && !m.auth.ksiRetried:
		// §5.4.1.3.7 e: authenticate again with another ngKSI.
		req := sbi.AuthRequest{ServingNetworkName: m.cfg.ServingNetworkName}
		if m.supi != "" {
			req.SUPI = m.supi
		} else if m.reg != nil && m.reg.identity.SUCI != nil {
			req.SUCI = m.reg.identity.SUCI
		}
		m.call(Authenticate{Req: req})
		m.calling.ksiRetry = true
	case m.service != nil:
		m.sh.Outcome(Outcome{"authentication", "ue-failure"})
		m.serviceAborted(ServiceAuthenticationFailed, ReleaseAuthenticationFailure)
	default:
		m.sh.Outcome(Outcome{"authentication", "ue-failure"})
		m.rejectCause = 0
		m.sh.Outcome(Outcome{"registration", "rejected"})
		m.abort(ReleaseAuthenticationFailure)
	}
}

// identity names the UE in a log line about its authentication: the SUPI
// once the home network has disclosed it (TS 33.501 §6.1.3.2 step 12) or
// the UE gave it in clear (a SUCI of the null scheme, Annex C.1), else
// the SUCI. The SUPI is no secret; it tells the operator whose SIM fails.
func (m *Machine) identity() slog.Attr {
	if m.supi != "" {
		return slog.String("supi", m.supi)
	}
	if m.reg == nil || m.reg.identity.SUCI == nil {
		return slog.String("supi", "")
	}
	s := m.reg.identity.SUCI
	if suci.Scheme(s.Scheme) == suci.Null {
		if msin, err := suci.MSIN(s.SchemeOutput); err == nil {
			return slog.String("supi", "imsi-"+s.MCC+s.MNC+msin)
		}
	}
	return slog.String("suci", s.String())
}
