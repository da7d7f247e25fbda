package smf

import (
	"context"
	"errors"
	"fmt"

	ngapie "github.com/free5gc/ngap/ie"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
)

// ReleaseSMContext is Nsmf_PDUSession_ReleaseSMContext (TS 29.502
// §5.2.2.4): the AMF drops the context, e.g. the UE deregistered. The
// SMF deletes the N4 session, returns the addresses and ends the policy
// association without signalling the UE (TS 23.502 §4.3.4.2).
func (s *SMF) ReleaseSMContext(ctx context.Context, ref string) error {
	ss, err := s.lookup(ref)
	if err != nil {
		return err
	}
	if !s.releaseLocal(ctx, ss) {
		return fmt.Errorf("smf: SM context %q: %w", ref, sbi.ErrSMContextNotFound)
	}
	ss.log.Debug("PDU session released by the AMF")
	return nil
}

// Release is the network-requested PDU session release (TS 23.502
// §4.3.4.2, TS 24.501 §6.3.3): the SMF deletes the N4 session,
// then sends the UE a PDU SESSION RELEASE COMMAND (#36 regular
// deactivation) and, when the session has user plane resources, the gNB
// a PDU Session Resource Release Command Transfer, through the AMF's
// N1N2MessageTransfer. The context goes when the UE answers PDU SESSION
// RELEASE COMPLETE, or at once when the AMF cannot deliver.
func (s *SMF) Release(ctx context.Context, supi string, psi uint8) error {
	s.sessions.Lock()
	ss := s.sessions.byKey[key{supi, psi}]
	s.sessions.Unlock()
	if ss == nil {
		return fmt.Errorf("smf: PDU session %d of %s: %w", psi, supi, sbi.ErrSMContextNotFound)
	}
	return s.release(ctx, ss, sm.CauseRegularDeactivation)
}

func (s *SMF) release(ctx context.Context, ss *session, cause uint8) error {
	amf := s.amfService()
	ss.mu.Lock()
	from := ss.state
	if from == releasing {
		s.unlock(ss)
		return nil
	}
	if _, ok := next(from, evReleaseRequested{}); !ok {
		s.unlock(ss)
		return fmt.Errorf("smf: PDU session %d of %s: %w", ss.key.psi, ss.key.supi, sbi.ErrSMContextNotFound)
	}
	s.teardown(ctx, ss)
	ss.pti = sm.NoPTI
	s.transition(ss, evReleaseRequested{pti: sm.NoPTI})
	n1 := sm.ReleaseCommand(nil, ss.key.psi, sm.NoPTI, cause)
	n2Type, n2, err := releaseTransfer(from)
	s.unlock(ss)
	ss.log.Info("network-requested PDU session release", "cause", cause)
	if err == nil {
		if amf == nil {
			err = errors.New("no AMF to reach the UE")
		} else {
			// Not under ss.mu: the AMF may answer through UpdateSMContext
			// before it returns.
			_, err = amf.N1N2MessageTransfer(ctx, ss.key.supi, sbi.NewN1N2Transfer(ss.key.psi, n1, n2Type, n2))
		}
	}
	if err != nil {
		// The UE cannot be told: the context goes now.
		s.releaseLocal(ctx, ss)
		return fmt.Errorf("smf: release of PDU session %d of %s: %w", ss.key.psi, ss.key.supi, err)
	}
	return nil
}

// releaseTransfer is the N2 SM information releasing the gNB's resources
// of a session leaving state from (TS 23.502 §4.3.4.2: only when
// the user plane is active or being activated).
func releaseTransfer(from state) (sbi.NgapIeType, []byte, error) {
	if from == inactive {
		return sbi.NgapIeNone, nil, nil
	}
	n2, err := ngap.ReleaseCommandTransfer{Cause: ngap.NASCause(ngapie.CauseNasPresentNormalRelease)}.Encode()
	if err != nil {
		return sbi.NgapIeNone, nil, fmt.Errorf("smf: %w", err)
	}
	return sbi.NgapPduResRelCmd, n2, nil
}

// releaseLocal ends a session without signalling; false when it was
// released already.
func (s *SMF) releaseLocal(ctx context.Context, ss *session) bool {
	ss.mu.Lock()
	defer s.unlock(ss)
	if ss.state == released {
		return false
	}
	s.teardown(ctx, ss)
	s.transition(ss, evLocalRelease{})
	s.remove(ss)
	return true
}

// teardown frees what a session holds: its N4 session, its addresses and
// its policy association, the last once ss.mu is released (unlock). It runs to the end even when ctx is done, so
// that nothing leaks; failures are logged here, the SMF having nothing
// better to do with them. Called with ss.mu held.
func (s *SMF) teardown(ctx context.Context, ss *session) {
	ctx = context.WithoutCancel(ctx)
	if err := s.deleteN4(ctx, ss); err != nil {
		ss.log.Warn("N4 session deletion failed: the UPF may keep the session's rules", "up_seid", ss.upSEID.Load(), "error", err)
		ss.upSEID.Store(0)
	}
	s.releaseAddresses(ss)
	if id := ss.policy.ID; id != "" {
		log := ss.log
		ss.later(func() {
			pctx, cancel := context.WithTimeout(ctx, s.opts.SBITimeout)
			defer cancel()
			if err := s.pcf.Delete(pctx, id); err != nil {
				log.Warn("Npcf_SMPolicyControl_Delete", "error", err)
			}
		})
		ss.policy.ID = ""
	}
}
