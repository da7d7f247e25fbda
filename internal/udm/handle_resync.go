package udm

import (
	"context"
	"errors"
	"fmt"

	"github.com/keelcore/keel/internal/crypto/milenage"
	"github.com/keelcore/keel/internal/sbi"
)

// indBits is the length of IND in SQN = SEQ || IND (TS 33.102 Annex C.3.2).
const indBits = 5

// resync checks a UE's AUTS and raises the stored SQN past the UE's
// (TS 33.102 §6.3.5, TS 33.501 §6.1.3.3).
func (u *UDM) resync(ctx context.Context, supi string, r sbi.Resync) error {
	err := u.verifyResync(ctx, supi, r)
	u.metrics.resyncs.WithLabelValues(sbi.Outcome(err)).Inc()
	return err
}

func (u *UDM) verifyResync(ctx context.Context, supi string, r sbi.Resync) error {
	auth, err := u.udr.AuthenticationSubscription(ctx, supi)
	if err != nil {
		return fmt.Errorf("udm: re-synchronisation: %w", err)
	}
	// TS 33.102 §6.3.5: SQN_MS = AUTS[0:6] ⊕ f5*(K, RAND), and MAC-S must
	// equal f1*(K, SQN_MS, RAND, AMF 0x0000).
	sqnMS, err := milenage.VerifyAUTS(auth.PermanentKey, auth.OPc, r.RAND, r.AUTS)
	if errors.Is(err, milenage.ErrMACS) {
		return fmt.Errorf("udm: %s: %w", supi, sbi.ErrSyncFailure)
	}
	if err != nil {
		return fmt.Errorf("udm: re-synchronisation %s: %w", supi, err)
	}
	// Annex C.3.4: SEQ_HE takes SEQ_MS, so the next SQN, one above what is
	// stored here, is SEQ_MS + 1 with IND 0: fresh for the UE whichever IND
	// it last accepted. The UDR never lowers the SQN.
	next := sqnValue(sqnMS) | (1<<indBits - 1)
	if err := u.udr.ResyncSQN(ctx, supi, next); err != nil {
		return fmt.Errorf("udm: re-synchronisation: %w", err)
	}
	u.log.Debug("SQN re-synchronised", "supi", supi)
	return nil
}
