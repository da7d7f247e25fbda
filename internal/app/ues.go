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
	sort.Slice(list, func(i, j int) bool { return list[i].SUPI < list[j].SUPI })
	return list
}

func (v ueView) Deregister(ctx context.Context, supi string) error {
	err := v.a.DeregisterUE(ctx, supi)
	if errors.Is(err, amf.ErrUnknownUE) {
		return api.ErrNotFound
	}
	return err
}
