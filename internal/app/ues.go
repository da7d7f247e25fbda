package app

import (
	"context"
	"errors"
	"sort"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/api"
)

// ueView serves the AMF's UEs to the management API.
type ueView struct{ a *amf.AMF }

func (v ueView) UEs() []api.UEInfo {
	list := v.a.UEs()
	out := make([]api.UEInfo, 0, len(list))
	for _, u := range list {
		out = append(out, api.UEInfo{SUPI: u.SUPI, GUTI: u.GUTI, State: u.State, GNB: u.GNB,
			AMFUENGAPID: u.AMFUENGAPID, RANUENGAPID: u.RANUENGAPID, TAI: u.TAI, LastActivity: u.LastActivity})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SUPI < out[j].SUPI })
	return out
}

func (v ueView) Deregister(ctx context.Context, supi string) error {
	err := v.a.DeregisterUE(ctx, supi)
	if errors.Is(err, amf.ErrUnknownUE) {
		return api.ErrNotFound
	}
	return err
}
