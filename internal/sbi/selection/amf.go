package selection

import (
	"context"
	"errors"

	"github.com/keelcore/keel/internal/sbi"
)

// AMF is the SMF's Namf_Communication: an N1N2MessageTransfer goes to
// the AMFs the directory answers in turn until one serves the UE. An AMF
// without the UE's context answers sbi.ErrUENotReachable, and so does
// this service when none has it.
//
// TS 29.502 has the AMF name itself at SM context creation (servingNfId)
// so that the SMF addresses that AMF; Keel's SM context creation does not
// carry it yet, so with several AMFs the transfer asks each.
func AMF(dir sbi.Directory, locality string) sbi.NamfCommunication {
	return amf{dir, locality}
}

type amf struct {
	dir      sbi.Directory
	locality string
}

func (s amf) N1N2MessageTransfer(ctx context.Context, ueContextID string, req sbi.N1N2MessageTransferReqData) (sbi.N1N2MessageTransferRspData, error) {
	peers, err := s.dir.AMFs(ctx, sbi.Query{Locality: s.locality})
	if err != nil {
		return sbi.N1N2MessageTransferRspData{}, err
	}
	var res sbi.N1N2MessageTransferRspData
	for _, p := range peers {
		res, err = p.Service.N1N2MessageTransfer(ctx, ueContextID, req)
		if err == nil || ctx.Err() != nil {
			return res, err
		}
		if !errors.Is(err, sbi.ErrUENotReachable) && !reselect(ctx, err) {
			return res, err
		}
	}
	return res, err
}
