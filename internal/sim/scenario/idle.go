package scenario

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/free5gc/ngap/aper"

	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/ue"
)

// TMSI returns the UE's 5G-S-TMSI (TS 23.003 §2.11: AMF Set ID, AMF
// Pointer and 5G-TMSI of its 5G-GUTI), and false before registration.
func (s *Session) TMSI() (ngap.FiveGSTMSI, bool) {
	g, ok := s.UE.FiveGGUTI()
	if !ok {
		return ngap.FiveGSTMSI{}, false
	}
	return ngap.FiveGSTMSI{SetID: g.SetID, Pointer: g.Pointer, TMSI: g.TMSI}, true
}

// rrcCause is the RRC establishment cause a UE gives for a Service
// Request of type t (TS 24.501 §5.6.1.2 and Annex D): mt-Access
// answering paging, mo-Data for user data, emergency, mo-Signalling
// otherwise.
func rrcCause(t ue.ServiceType) aper.Enumerated {
	switch t {
	case ue.ServiceMobileTerminated:
		return ngap.RRCCauseMTAccess
	case ue.ServiceData:
		return ngap.RRCCauseMOData
	case ue.ServiceEmergency, ue.ServiceEmergencyFallback:
		return ngap.RRCCauseEmergency
	}
	return ngap.RRCCauseMOSignalling
}

// ServiceRequest runs a Service Request from 5GMM-IDLE (TS 24.501
// §5.6.1, TS 23.502 §4.2.3.2): a new connection whose Initial UE Message
// carries the 5G-S-TMSI and the RRC establishment cause of service type
// t, the UE's SERVICE REQUEST with uplinkData as the sessions whose user
// plane it wants back, then the network's answer until the Service
// Accept, and the gNB's resources of every session of uplinkData the
// accept does not report failed. It returns the time from the Initial UE
// Message to the Service Accept. Failures: "connected" when the UE has a
// connection, "5gmm-cause-N" for a Service Reject (or an authentication
// the UE refused), "reactivation-failed" for a session of uplinkData
// whose user plane the network could not re-establish, "no-bearer" when
// the gNB set up no resources for one, "ue", "transport", "timeout",
// "released".
func (s *Session) ServiceRequest(ctx context.Context, t ue.ServiceType, uplinkData ...uint8) (time.Duration, error) {
	if !s.dropped() && s.Conn != nil {
		return 0, &Failure{Cause: "connected"}
	}
	tmsi, ok := s.TMSI()
	if !ok {
		return 0, &Failure{Cause: "ue", Err: errors.New("no 5G-GUTI")}
	}
	pdu, err := s.UE.ServiceRequest(t, uplinkData...)
	if err != nil {
		return 0, &Failure{Cause: "ue", Err: err}
	}
	start := time.Now()
	c, err := s.GNB.AttachCause(ctx, pdu, &tmsi, rrcCause(t))
	if err != nil {
		s.UE.ConnectionReleased()
		return 0, &Failure{Cause: "transport", Err: err}
	}
	s.Conn = c
	res, err := s.untilResult(ctx, ue.EventServiceAccepted)
	if err != nil {
		return 0, err
	}
	lat := time.Since(start)
	for _, f := range res.ReactivationFailed {
		for _, psi := range uplinkData {
			if f.PDUSessionID == psi {
				return 0, &Failure{Cause: "reactivation-failed", Err: fmt.Errorf("PDU session %d, 5GMM cause #%d", psi, f.Cause)}
			}
		}
	}
	for _, psi := range uplinkData {
		if err := s.waitBearer(ctx, psi); err != nil {
			return 0, err
		}
	}
	return lat, nil
}

// waitBearer waits until the gNB has the resources of PDU session psi.
func (s *Session) waitBearer(ctx context.Context, psi uint8) error {
	_, err := s.Conn.WaitSession(ctx, psi)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gnb.ErrReleased):
		s.Conn = nil
		s.UE.ConnectionReleased()
		return &Failure{Cause: "released", Err: err}
	}
	return &Failure{Cause: "no-bearer", Err: err}
}

// PagingResult is what Paging measured.
type PagingResult struct {
	// Paged is set once the gNB was paged for the UE.
	Paged bool
	// ServiceRequest is the Service Request's time from the Initial UE
	// Message to the Service Accept.
	ServiceRequest time.Duration
	// Delivery is the time from sending the downlink to its arrival at
	// the gNB on the re-established tunnel.
	Delivery time.Duration
}

// Paging runs a network-triggered Service Request (TS 23.502 §4.2.3.3)
// for the idle UE: with the gNB watching for the UE's paging, send has
// downlink sent to the UE on PDU session psi from the data network; once
// the AMF pages the UE (NGAP Paging, TS 38.413 §8.5.1) the UE answers
// with a Service Request of type "mobile terminated services" (RRC cause
// mt-Access), and the downlink must arrive on the session's new tunnel,
// where match recognises it. Failures: those of ServiceRequest, "connected",
// "no-session", "send" when send fails, "not-paged" when no paging came
// before ctx ended, "downlink-lost" when the downlink did not arrive.
func (s *Session) Paging(ctx context.Context, psi uint8, send func(ue.PDUSession) error, match func([]byte) bool) (PagingResult, error) {
	var res PagingResult
	if !s.dropped() && s.Conn != nil {
		return res, &Failure{Cause: "connected"}
	}
	sess, ok := s.UE.PDUSession(psi)
	if !ok {
		return res, &Failure{Cause: "no-session", Err: fmt.Errorf("no active PDU session %d", psi)}
	}
	tmsi, ok := s.TMSI()
	if !ok {
		return res, &Failure{Cause: "ue", Err: errors.New("no 5G-GUTI")}
	}
	paged, stop := s.GNB.WatchPaging(tmsi)
	defer stop()
	sent := time.Now()
	if err := send(sess); err != nil {
		return res, &Failure{Cause: "send", Err: err}
	}
	select {
	case <-paged:
		res.Paged = true
	case <-s.GNB.Down():
		return res, &Failure{Cause: "released", Err: gnb.ErrDown}
	case <-ctx.Done():
		return res, &Failure{Cause: "not-paged", Err: ctx.Err()}
	}
	lat, err := s.ServiceRequest(ctx, ue.ServiceMobileTerminated)
	if err != nil {
		return res, err
	}
	res.ServiceRequest = lat
	if err := s.waitBearer(ctx, psi); err != nil {
		return res, err
	}
	for {
		p, err := s.Conn.Receive(ctx, psi)
		switch {
		case errors.Is(err, gnb.ErrReleased):
			return res, &Failure{Cause: "released", Err: err}
		case err != nil:
			return res, &Failure{Cause: "downlink-lost", Err: err}
		case match(p.Data):
			res.Delivery = p.At.Sub(sent)
			return res, nil
		}
	}
}

// untilResult is until that returns the result that ended it.
func (s *Session) untilResult(ctx context.Context, want ue.Event) (ue.Result, error) {
	for {
		res, err := s.next(ctx)
		if err != nil {
			return ue.Result{}, err
		}
		if err := failed(res); err != nil {
			return ue.Result{}, err
		}
		if res.Event == want {
			return res, nil
		}
	}
}
