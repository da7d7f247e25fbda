package app

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/api"
)

// ueView serves the AMF's UEs to the management API, in the API's shape.
type ueView struct{ a *amf.AMF }

func (v ueView) UEs() []api.UEInfo {
	list := v.a.UEs()
	out := make([]api.UEInfo, 0, len(list))
	for _, u := range list {
		out = append(out, ueInfo(u))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SUPI < out[j].SUPI })
	return out
}

func ueInfo(u amf.UE) api.UEInfo {
	v := api.UEInfo{
		SUPI: u.SUPI, State: u.State, GNB: u.GNB,
		AMFUENGAPID: u.AMFUENGAPID, RANUENGAPID: u.RANUENGAPID,
		TAI: u.TAI, LastActivity: u.LastActivity, CMState: u.CMState,
		NRCellID: u.NRCellID, LocationTime: u.LocationTime, RRCState: u.RRCState,
		RadioCapabilityOctets: u.RadioCapabilityOctets,
	}
	if u.GUTI != nil {
		v.GUTI = api.GUTIText(*u.GUTI)
	}
	return v
}

// UE finds one UE context without listing them.
func (v ueView) UE(supi string) (api.UEInfo, bool) {
	u, ok := v.a.UE(supi)
	if !ok {
		return api.UEInfo{}, false
	}
	return ueInfo(u), true
}

// UECounts counts the registered UEs without listing them.
func (v ueView) UECounts() api.UECounts {
	c := v.a.UECounts()
	return api.UECounts{Registered: c.Registered, Connected: c.Connected, Idle: c.Idle}
}

func (v ueView) Deregister(ctx context.Context, supi string) error {
	err := v.a.DeregisterUE(ctx, supi)
	if errors.Is(err, amf.ErrUnknownUE) {
		return api.ErrNotFound
	}
	return err
}

// ranView serves the AMF's gNB associations to the management API.
type ranView struct{ a *amf.AMF }

func (v ranView) GNBs() []api.GNBInfo {
	list := v.a.GNBs()
	out := make([]api.GNBInfo, 0, len(list))
	for _, g := range list {
		tas := make([]api.TAInfo, 0, len(g.SupportedTA))
		for _, ta := range g.SupportedTA {
			tas = append(tas, api.TAInfo{TAC: ta.TAC, PLMNs: ta.PLMNs, Slices: ta.Slices})
		}
		out = append(out, api.GNBInfo{
			ID: g.ID, PLMN: g.PLMN, GNBID: g.GNBID, GNBIDBits: g.GNBIDBits, Name: g.Name,
			Address: g.Address, State: g.State, SupportedTA: tas,
			ConnectedAt: g.ConnectedAt, SetupAt: g.SetupAt,
		})
	}
	return out
}

func (v ranView) ResetGNB(ctx context.Context, id string) error {
	err := v.a.ResetGNB(ctx, id)
	if errors.Is(err, amf.ErrUnknownGNB) {
		return fmt.Errorf("%w: %w", api.ErrNotFound, err)
	}
	return err
}
