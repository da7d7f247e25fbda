package udm

import (
	"context"
	"errors"

	"github.com/keelcore/keel/internal/sbi"
)

// SubscribeSDM adds n to the NFs sent Nudm_SDM_Notification of access
// and mobility data changes (Nudm_SDM_Subscribe to am-data for any SUPI,
// TS 23.502 §5.2.3.3). Subscribe before the first change.
func (m *UDM) SubscribeSDM(n sbi.NudmSDMNotifier) {
	m.sdmSubs.Lock()
	m.sdmSubs.list = append(m.sdmSubs.list, n)
	m.sdmSubs.Unlock()
}

// SubscriptionDataChanged is the UDR's Nudr_DM_Notify: the UDM reads the
// subscriber's access and mobility data again and notifies its
// subscribers (Nudm_SDM_Notification, TS 23.502 §4.5.1), which compare
// it with what they hold; session management data kept for the UE is
// dropped.
func (m *UDM) SubscriptionDataChanged(ctx context.Context, supi string) {
	if m.smKept != nil {
		m.smKept.drop(supi)
	}
	m.sdmSubs.Lock()
	list := m.sdmSubs.list
	m.sdmSubs.Unlock()
	if len(list) == 0 {
		return
	}
	am, err := m.udr.AccessAndMobilitySubscription(ctx, supi)
	if errors.Is(err, sbi.ErrUserNotFound) {
		// A deleted subscriber: nothing left to notify of.
		m.log.Debug("subscription change not notified: subscriber deleted", "supi", supi)
		return
	}
	if err != nil {
		m.log.Warn("subscription change not notified: access and mobility data unreadable", "supi", supi, "error", err)
		return
	}
	for _, n := range list {
		n.AccessAndMobilityChanged(ctx, supi, am)
	}
}
