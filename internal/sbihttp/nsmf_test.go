package sbihttp_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// scriptedSMF is an Nsmf_PDUSession that records what it is given and
// answers as its script says: by the first byte of the N1 or N2 SM
// information.
type scriptedSMF struct {
	mu       sync.Mutex
	creates  []sbi.SmContextCreateData
	updates  []sbi.SmContextUpdateData
	refs     []string
	releases []string
}

var (
	accept  = []byte{0x2e, 5, 1, 0xc2, 0x01}
	reject  = []byte{0x2e, 5, 1, 0xc3, 27}
	setupRq = []byte{0x00, 0x01, 0x02, 0x03}
	hoCmd   = []byte{0x40, 0x41}
)

func (s *scriptedSMF) CreateSMContext(_ context.Context, req sbi.SmContextCreateData) (sbi.SmContextCreatedData, error) {
	s.mu.Lock()
	s.creates = append(s.creates, req)
	s.mu.Unlock()
	switch req.Dnn {
	case "internet":
		return sbi.SmContextCreatedData{SmContextRef: fmt.Sprintf("ctx-%d", req.PduSessionID), PduSessionID: req.PduSessionID, SNssai: &req.SNssai,
			N1SmMsg: sbi.N1SM(accept), N2SmInfo: sbi.N2SM(setupRq), N2SmInfoType: sbi.N2SetupRequest}, nil
	case "unknown":
		return sbi.SmContextCreatedData{}, &sbi.SmContextCreateError{
			Err: sbi.ProblemDetails{Status: http.StatusForbidden, Cause: "DNN_NOT_SUPPORTED", Detail: "5GSM cause #27"}, N1SmMsg: sbi.N1SM(reject)}
	}
	return sbi.SmContextCreatedData{}, fmt.Errorf("smf: %w: no such DNN", sbi.ErrInvalidRequest)
}

func (s *scriptedSMF) UpdateSMContext(_ context.Context, ref string, upd sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	s.mu.Lock()
	s.updates, s.refs = append(s.updates, upd), append(s.refs, ref)
	s.mu.Unlock()
	if ref != "ctx-5" {
		return sbi.SmContextUpdatedData{}, fmt.Errorf("smf: %w", sbi.ErrSMContextNotFound)
	}
	switch {
	case upd.HoState == sbi.HOPreparing:
		return sbi.SmContextUpdatedData{N2SmInfo: sbi.N2SM(hoCmd), N2SmInfoType: sbi.N2HandoverCommand}, nil
	case upd.UpCnxState == sbi.UpCnxDeactivated:
		return sbi.SmContextUpdatedData{}, nil
	case upd.UpCnxState == sbi.UpCnxActivating:
		return sbi.SmContextUpdatedData{N2SmInfo: sbi.N2SM(setupRq), N2SmInfoType: sbi.N2SetupRequest, UpCnxState: sbi.UpCnxActivating}, nil
	case upd.N1SmMsg != nil:
		// PDU SESSION RELEASE COMPLETE: the context goes.
		return sbi.SmContextUpdatedData{Released: true}, nil
	}
	return sbi.SmContextUpdatedData{}, fmt.Errorf("smf: %w", sbi.ErrInvalidRequest)
}

func (s *scriptedSMF) ReleaseSMContext(_ context.Context, ref string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releases = append(s.releases, ref)
	return nil
}

var nsmfBindings = []struct {
	name string
	bind func(t *testing.T, smf sbi.NsmfPDUSession) sbi.NsmfPDUSession
}{
	{"direct", func(t *testing.T, smf sbi.NsmfPDUSession) sbi.NsmfPDUSession { return smf }},
	{"http2", func(t *testing.T, smf sbi.NsmfPDUSession) sbi.NsmfPDUSession {
		pl := newPlane(t)
		sbihttp.ServeNsmf(pl.producer, smf, pl.notifier)
		pl.start(t)
		return sbihttp.NewNsmfClient(pl.client, pl.cb, sbihttp.Consumer{NFInstanceID: "1a3b8b9e-1b9f-4f3e-8f6a-2b1c0d9e8f7a", PLMN: ident.PLMN{MCC: "001", MNC: "01"}})
	}},
}

// TestNsmfPDUSession: the same SM context exchanges directly and over
// HTTP/2, where binary N1 and N2 content travels as multipart/related
// parts: creation accepted and refused with its N1 SM message, updates
// with N2 SM information, handover and user plane states, location and
// cause, an update without content (204), a release notified by the SMF
// (SMContextStatusNotify), unknown contexts (TS 29.502 §5.2.2.2-§5.2.2.5).
func TestNsmfPDUSession(t *testing.T) {
	for _, b := range nsmfBindings {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			smf := &scriptedSMF{}
			s := b.bind(t, smf)
			slice := ident.SNSSAI{SST: 1, SD: 0x10203, HasSD: true}
			req := sbi.SmContextCreateData{Supi: supi, PduSessionID: 5, Dnn: "internet", SNssai: slice,
				ServingNetwork: ident.PLMN{MCC: "001", MNC: "01"}, AnType: sbi.AccessType3GPP, RatType: sbi.RatNR, N1SmMsg: sbi.N1SM([]byte{0x2e, 5, 1, 0xc1})}
			c, err := s.CreateSMContext(ctx, req)
			if err != nil {
				t.Fatalf("CreateSMContext: %v", err)
			}
			if c.SmContextRef == "" || string(c.N1SmMsg.Bytes()) != string(accept) || string(c.N2SmInfo.Bytes()) != string(setupRq) ||
				c.N2SmInfoType != sbi.N2SetupRequest || c.PduSessionID != 5 || c.SNssai == nil || *c.SNssai != slice {
				t.Errorf("CreateSMContext = %+v, want a ref, the accept, the setup request transfer, PSI 5 and the slice", c)
			}
			got := smf.creates[0]
			if got.Supi != supi || got.Dnn != "internet" || got.SNssai != slice || got.PduSessionID != 5 || string(got.N1SmMsg.Bytes()) != string(req.N1SmMsg.Bytes()) || got.AnType != sbi.AccessType3GPP {
				t.Errorf("the SMF was given %+v", got)
			}

			_, err = s.CreateSMContext(ctx, sbi.SmContextCreateData{Supi: supi, PduSessionID: 6, Dnn: "unknown", N1SmMsg: sbi.N1SM([]byte{0x2e, 6, 1, 0xc1})})
			var refused *sbi.SmContextCreateError
			if !errors.As(err, &refused) || string(refused.N1SmMsg.Bytes()) != string(reject) || refused.Err.Status != http.StatusForbidden || refused.Err.Cause != "DNN_NOT_SUPPORTED" {
				t.Errorf("CreateSMContext(unknown DNN) = %v, want the refusal 403 DNN_NOT_SUPPORTED with the reject", err)
			}
			if _, err := s.CreateSMContext(ctx, sbi.SmContextCreateData{Supi: supi, PduSessionID: 7, Dnn: "other", N1SmMsg: sbi.N1SM([]byte{0x2e})}); !errors.Is(err, sbi.ErrInvalidRequest) {
				t.Errorf("CreateSMContext(other) = %v, want ErrInvalidRequest", err)
			}

			loc := &sbi.UserLocation{NrLocation: &sbi.NrLocation{Tai: ident.TAI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, TAC: 1},
				Ncgi: sbi.Ncgi{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, NrCellID: "000000010"}}}
			ho := sbi.SmContextUpdateData{HoState: sbi.HOPreparing, N2SmInfoType: sbi.N2HandoverRequired, N2SmInfo: sbi.N2SM([]byte{9, 8, 7}), UeLocation: loc, Cause: sbi.CauseHOFailure}
			u, err := s.UpdateSMContext(ctx, c.SmContextRef, ho)
			if err != nil || u.N2SmInfoType != sbi.N2HandoverCommand || string(u.N2SmInfo.Bytes()) != string(hoCmd) || u.Released {
				t.Errorf("UpdateSMContext(PREPARING) = %+v, %v; want the Handover Command Transfer", u, err)
			}
			if diff := cmp.Diff(ho, smf.updates[0]); diff != "" {
				t.Errorf("the SMF was given (-sent +got):\n%s", diff)
			}
			if u, err := s.UpdateSMContext(ctx, c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated}); err != nil || !cmp.Equal(u, sbi.SmContextUpdatedData{}) {
				t.Errorf("UpdateSMContext(DEACTIVATED) = %+v, %v; want nothing", u, err)
			}
			u, err = s.UpdateSMContext(ctx, c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxActivating})
			if err != nil || u.UpCnxState != sbi.UpCnxActivating || string(u.N2SmInfo.Bytes()) != string(setupRq) {
				t.Errorf("UpdateSMContext(ACTIVATING) = %+v, %v", u, err)
			}
			if _, err := s.UpdateSMContext(ctx, c.SmContextRef, sbi.SmContextUpdateData{}); !errors.Is(err, sbi.ErrInvalidRequest) {
				t.Errorf("UpdateSMContext(nothing) = %v, want ErrInvalidRequest", err)
			}
			u, err = s.UpdateSMContext(ctx, c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM([]byte{0x2e, 5, 2, 0xd4})})
			if err != nil || !u.Released {
				t.Errorf("UpdateSMContext(RELEASE COMPLETE) = %+v, %v; want Released", u, err)
			}
			if u, err := s.UpdateSMContext(ctx, c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated}); err != nil || u.Released {
				t.Errorf("an update after the release = %+v, %v; want Released once only", u, err)
			}

			other, err := s.CreateSMContext(ctx, sbi.SmContextCreateData{Supi: supi, PduSessionID: 9, Dnn: "internet", SNssai: slice, N1SmMsg: sbi.N1SM([]byte{0x2e, 9, 1, 0xc1})})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.UpdateSMContext(ctx, other.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated}); !errors.Is(err, sbi.ErrSMContextNotFound) {
				t.Errorf("UpdateSMContext(ctx-9) = %v, want ErrSMContextNotFound", err)
			}
			if err := s.ReleaseSMContext(ctx, other.SmContextRef); err != nil || len(smf.releases) != 1 || smf.releases[0] != "ctx-9" {
				t.Errorf("ReleaseSMContext = %v, the SMF released %q", err, smf.releases)
			}
			for _, r := range smf.refs {
				if r != "ctx-5" && r != "ctx-9" {
					t.Errorf("the SMF was given the reference %q, want its own", r)
				}
			}
		})
	}
}
