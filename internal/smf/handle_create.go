package smf

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/keelcore/keel/internal/ippool"
	"github.com/keelcore/keel/internal/logattrs"
	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/procevent"
	"github.com/keelcore/keel/internal/sbi"
)

// CreateSMContext runs the SMF's part of UE-requested PDU session
// establishment (TS 23.502 §4.3.2.2.1, TS 24.501 §6.4.1).
// A request the SMF refuses is answered with a *sbi.SmContextCreateError
// carrying a PDU SESSION ESTABLISHMENT REJECT (no context); another error
// means no 5GSM answer can be given (the message is to be ignored, TS
// 24.501 §7.2) or a fault.
func (s *SMF) CreateSMContext(ctx context.Context, req sbi.SmContextCreateData) (sbi.SmContextCreatedData, error) {
	created, rej, err := s.createSMContext(ctx, req)
	result := "error"
	switch {
	case err != nil:
	case rej != nil:
		result = causeLabel(rej.cause)
		err = createError(rej.cause, rej.n1)
		if s.opts.Events != nil {
			s.opts.Events.Record(procevent.Event{Time: time.Now(), Procedure: "pdu-session-establishment", Result: "rejected",
				Cause: procevent.FiveGSMCause(rej.cause, sm.CauseName(rej.cause)), SUPI: req.Supi,
				Detail: fmt.Sprintf("PDU session %d, DNN %q", req.PduSessionID, req.Dnn)})
		}
	default:
		result = "accepted"
	}
	s.metrics.establishments.WithLabelValues(result).Inc()
	return created, err
}

// refusal is a PDU SESSION ESTABLISHMENT REJECT and its 5GSM cause.
type refusal struct {
	cause uint8
	n1    []byte
}

// rejection is a 5GSM cause for a PDU SESSION ESTABLISHMENT REJECT and
// the reason, for the log.
type rejection struct {
	cause uint8
	err   error
}

func (r *rejection) Error() string { return fmt.Sprintf("5GSM cause #%d: %v", r.cause, r.err) }
func (r *rejection) Unwrap() error { return r.err }

func reject(cause uint8, format string, args ...any) *rejection {
	return &rejection{cause: cause, err: fmt.Errorf(format, args...)}
}

func (s *SMF) createSMContext(ctx context.Context, req sbi.SmContextCreateData) (sbi.SmContextCreatedData, *refusal, error) {
	if !sbi.ValidSUPI(req.Supi) {
		return sbi.SmContextCreatedData{}, nil, fmt.Errorf("smf: CreateSMContext: %w: SUPI %q", sbi.ErrInvalidRequest, req.Supi)
	}
	log := s.log.With("supi", req.Supi, "pdu_session_id", req.PduSessionID)
	er, err := sm.ParseEstablishmentRequest(req.N1SmMsg.Bytes())
	var smErr *sm.Error
	switch {
	case errors.As(err, &smErr):
		log.Info("PDU session establishment rejected", "cause", int(smErr.Cause), "cause_name", sm.CauseName(smErr.Cause),
			"reason", "malformed PDU SESSION ESTABLISHMENT REQUEST", "error", err)
		return rejected(smErr.Header.PDUSessionID, smErr.Header.PTI, smErr.Cause)
	case err != nil:
		return sbi.SmContextCreatedData{}, nil, fmt.Errorf("smf: CreateSMContext: %w: %w", sbi.ErrInvalidRequest, err)
	}
	if er.PDUSessionID != req.PduSessionID {
		// TS 24.501 §7.3.2: the 5GSM message's PDU session ID must be the
		// one the 5GMM transport carried.
		log.Info("PDU session establishment rejected", "cause", int(sm.CauseInvalidPDUSessionIdentity),
			"cause_name", sm.CauseName(sm.CauseInvalidPDUSessionIdentity), "reason", "PDU session ID not the transport's",
			"message_psi", er.PDUSessionID)
		return rejected(er.PDUSessionID, er.PTI, sm.CauseInvalidPDUSessionIdentity)
	}
	ss, accept, err := s.establish(ctx, req, er)
	var rej *rejection
	if errors.As(err, &rej) {
		log.Info("PDU session establishment rejected", "cause", int(rej.cause), "cause_name", sm.CauseName(rej.cause),
			"reason", rej.err, "dnn", req.Dnn, "snssai", req.SNssai.String())
		if rej.cause == sm.CauseInsufficientResources {
			// TS 24.501 §6.4.1.4.2: with #26 the network may give a
			// Back-off timer value; the UE starts T3396 and does not ask
			// again for this DNN and S-NSSAI before it expires, instead of
			// retrying into the same failure.
			return sbi.SmContextCreatedData{}, &refusal{rej.cause, sm.EstablishmentRejectBackOff(nil, er.PDUSessionID, er.PTI, rej.cause, s.opts.T3396)}, nil
		}
		return rejected(er.PDUSessionID, er.PTI, rej.cause)
	}
	if err != nil {
		return sbi.SmContextCreatedData{}, nil, err
	}
	snssai := req.SNssai
	return sbi.SmContextCreatedData{
		SmContextRef: ss.ref(), PduSessionID: req.PduSessionID, SNssai: &snssai,
		N1SmMsg: sbi.N1SM(accept.n1), N2SmInfo: sbi.N2SM(accept.n2), N2SmInfoType: sbi.N2SetupRequest,
	}, nil, nil
}

func rejected(psi, pti, cause uint8) (sbi.SmContextCreatedData, *refusal, error) {
	return sbi.SmContextCreatedData{}, &refusal{cause, sm.EstablishmentReject(nil, psi, pti, cause)}, nil
}

type accepted struct{ n1, n2 []byte }

// establish checks the request against the subscription and the DNN,
// then sets the session up: policy, address, N4 session, and the
// messages for the UE and the gNB. A *rejection names the 5GSM cause;
// whatever was set up before it is undone.
func (s *SMF) establish(ctx context.Context, req sbi.SmContextCreateData, er sm.EstablishmentRequest) (*session, accepted, error) {
	if req.Dnn == "" || !s.servesDNN(req.Dnn, req.SNssai) {
		return nil, accepted{}, reject(sm.CauseMissingOrUnknownDNN, "DNN %q not served", req.Dnn)
	}
	sub, err := s.subscription(ctx, req)
	if err != nil {
		return nil, accepted{}, err
	}
	// TS 24.501 §6.4.1.2: an absent SSC mode is the subscription's
	// default, which Keel always has as mode 1; TS 23.501 §5.6.9.2 modes
	// 2 and 3 need UPF relocation, which Keel does not do.
	if er.SSCMode != 0 && er.SSCMode != sm.SSCMode1 {
		return nil, accepted{}, reject(sm.CauseNotSupportedSSCMode, "SSC mode %d", er.SSCMode)
	}
	up, pools, err := s.selectUPF(req.Dnn, req.SNssai, req.UeLocation)
	if err != nil {
		return nil, accepted{}, err
	}
	registered := false
	defer func() {
		if !registered {
			up.sessions.Add(-1) // counted by selectUPF
		}
	}()
	pduType, typeCause, err := selectPDUType(er.PDUType, pools)
	if err != nil {
		return nil, accepted{}, err
	}
	// The SM policy association is made before the session exists, so
	// that no session's lock is held across the call (doc.go).
	pctx, cancel := context.WithTimeout(ctx, s.opts.SBITimeout)
	pcd := sbi.SmPolicyContextData{Supi: req.Supi, PduSessionID: req.PduSessionID,
		PduSessionType: strings.ToUpper(pduTypeName(pduType)), Dnn: req.Dnn, SliceInfo: req.SNssai, SmfID: s.opts.InstanceID}
	subscribedPolicy(&pcd, sub)
	policy, err := s.pcf.Create(pctx, pcd)
	cancel()
	if err != nil {
		// TS 23.502 §4.3.2.2.1: no SM policy association, no session.
		return nil, accepted{}, reject(serviceCause(err), "Npcf_SMPolicyControl_Create: %w", err)
	}

	seid := s.nextSEID.Add(1)
	ss := &session{
		key: key{req.Supi, req.PduSessionID},
		dnn: req.Dnn, snssai: req.SNssai, seid: seid, pool: pools, up: up, pduType: pduType, policy: policy,
	}
	ss.log = logattrs.From(s.log, ss)
	ss.mu.Lock()
	defer s.unlock(ss)
	s.metrics.sessions.WithLabelValues(establishing.String()).Inc()
	old := s.insert(ss)
	registered = true
	if old != nil {
		// TS 24.501 §6.4.1.7 (abnormal cases on the network side): an
		// establishment request with the PDU session ID of an existing
		// PDU session makes the SMF release that session locally and go
		// on with the new one. The UE has forgotten the old session
		// already, so it is not signalled.
		old.log.Info("PDU session replaced by a new one with its ID")
		old.mu.Lock()
		if old.state != released {
			s.teardown(ctx, old)
			s.transition(old, evLocalRelease{})
			s.remove(old)
		}
		// The old session's policy is deleted once the new session's
		// lock is released too.
		if old.notify != nil {
			ss.later(*old.notify...)
			old.notify = nil
		}
		old.mu.Unlock()
	}
	fail := func(err error) (*session, accepted, error) {
		s.teardown(ctx, ss)
		s.transition(ss, evLocalRelease{})
		s.remove(ss)
		return nil, accepted{}, err
	}

	if ss.flows, err = flowsFromPolicy(ss.policy, nil); err != nil {
		return fail(reject(sm.CauseRequestRejectedUnspecified, "SM policy decision: %w", err))
	}
	if err := s.allocate(ss, sub); err != nil {
		return fail(err)
	}
	if err := s.establishN4(ctx, ss, tunnel{}); err != nil {
		return fail(reject(n4Cause(err), "N4 session establishment: %w", err))
	}
	msgs, err := s.acceptMessages(ss, er, typeCause)
	if err != nil {
		return fail(fmt.Errorf("smf: CreateSMContext: %w", err))
	}
	s.transition(ss, evEstablished{})
	ss.log.Debug("PDU session established", "dnn", req.Dnn, "pdu_type", pduTypeName(pduType), "ipv4", ss.ipv4, "ipv6", ss.ipv6,
		"ul_teid", ss.n3.TEID, "up_seid", ss.upSEID.Load())
	return ss, msgs, nil
}

// subscribedPolicy gives the PCF the subscribed session AMBR and default
// QoS of the DNN the SMF read (TS 29.512 §4.2.2.5, §4.2.2.6, subsSessAmbr
// and subsDefQos of SmPolicyContextData, §5.6.2.2), so that it need not
// read the same session management data through the UDM again. A default
// QoS goes only with its ARP priority: the subscription has none without
// one (TS 29.571 ArpPriorityLevel is 1 to 15).
func subscribedPolicy(pcd *sbi.SmPolicyContextData, sub sbi.SMData) {
	pcd.SubsSessAmbr = &sbi.Ambr{Uplink: sbi.FormatBitRate(sub.SessionAMBRUplink), Downlink: sbi.FormatBitRate(sub.SessionAMBRDownlink)}
	if sub.ARPPriority != 0 {
		pcd.SubsDefQos = &sbi.SubscribedDefaultQos{FiveQI: sub.FiveQI,
			Arp: sbi.Arp{PriorityLevel: sub.ARPPriority, PreemptCap: "NOT_PREEMPT", PreemptVuln: "PREEMPTABLE"}}
	}
}

// serviceCause is the 5GSM cause of a session refused because a service
// the SMF needs (PCF, UDM) failed: #26 "insufficient resources" when the
// failure is temporary (the peer's store failed, it did not answer in
// time; TS 24.501 §6.4.1.4.2: the UE retries after a back-off), else #31.
func serviceCause(err error) uint8 {
	if sbi.Temporary(err) {
		return sm.CauseInsufficientResources
	}
	return sm.CauseRequestRejectedUnspecified
}

// subscription checks that the subscriber may use the DNN in the slice
// (TS 23.502 §4.3.2.2.1, Nudm_SDM_Get of sm-data) and returns the
// entry.
func (s *SMF) subscription(ctx context.Context, req sbi.SmContextCreateData) (sbi.SMData, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.SBITimeout)
	data, err := s.sdm.SessionManagement(ctx, req.Supi)
	cancel()
	if err != nil {
		return sbi.SMData{}, reject(serviceCause(err), "Nudm_SDM_Get sm-data: %w", err)
	}
	if d, ok := sbi.SubscribedDNN(data, req.Dnn, req.SNssai); ok {
		return d, nil
	}
	for _, d := range data {
		if strings.EqualFold(d.DNN, req.Dnn) {
			// TS 24.501 §6.4.1.4, cause #70: the DNN is subscribed, but not in
			// the requested slice.
			return sbi.SMData{}, reject(sm.CauseMissingOrUnknownDNNInASlice, "DNN %q not subscribed in slice %d/%06x", req.Dnn, req.SNssai.SST, req.SNssai.SD)
		}
	}
	return sbi.SMData{}, reject(sm.CauseMissingOrUnknownDNN, "DNN %q not subscribed", req.Dnn)
}

// selectPDUType picks the PDU session type (TS 24.501 §6.4.1.2,
// §6.4.1.3, TS 23.501 §5.8.2.2.1) from the UE's request and what the DNN
// offers. cause is #50 or #51 when the UE asked for IPv4v6 and gets one
// family only.
func selectPDUType(requested uint8, p *dnnPools) (pduType, cause uint8, err error) {
	v4, v6 := p.ipv4 != nil, p.ipv6 != nil
	switch requested {
	case 0:
		// No type requested: the DNN's default, dual stack when it has both.
		switch {
		case v4 && v6:
			return sm.PDUTypeIPv4v6, 0, nil
		case v4:
			return sm.PDUTypeIPv4, 0, nil
		}
		return sm.PDUTypeIPv6, 0, nil
	case sm.PDUTypeIPv4:
		if !v4 {
			return 0, 0, reject(sm.CausePDUSessionTypeIPv6OnlyAllowed, "IPv4 requested, DNN offers IPv6 only")
		}
		return sm.PDUTypeIPv4, 0, nil
	case sm.PDUTypeIPv6:
		if !v6 {
			return 0, 0, reject(sm.CausePDUSessionTypeIPv4OnlyAllowed, "IPv6 requested, DNN offers IPv4 only")
		}
		return sm.PDUTypeIPv6, 0, nil
	case sm.PDUTypeIPv4v6:
		switch {
		case v4 && v6:
			return sm.PDUTypeIPv4v6, 0, nil
		case v4:
			return sm.PDUTypeIPv4, sm.CausePDUSessionTypeIPv4OnlyAllowed, nil
		}
		return sm.PDUTypeIPv6, sm.CausePDUSessionTypeIPv6OnlyAllowed, nil
	}
	// Unstructured, Ethernet and the reserved values: Keel serves IP only.
	return 0, 0, reject(sm.CauseUnknownPDUSessionType, "PDU session type %d", requested)
}

// allocate gives the session its addresses: the subscription's static
// ones (TS 23.501 §5.8.2.2.1), reserved from then on, or from the DNN's
// pools. Pools out of addresses give #26; a static address another
// session holds gives #31.
func (s *SMF) allocate(ss *session, sub sbi.SMData) error {
	if ss.pduType != sm.PDUTypeIPv6 {
		var (
			v4  netip.Addr
			err error
		)
		if a := sub.StaticIPv4; a.IsValid() {
			if err = ss.pool.ipv4.Claim(a); err == nil {
				v4 = a
				err = ss.pool.ipv4.Reserve(a)
			}
		} else {
			v4, err = ss.pool.ipv4.Allocate()
		}
		ss.setAddresses(v4, ss.ipv6)
		if err != nil {
			return addressRejection(err)
		}
	}
	if ss.pduType != sm.PDUTypeIPv4 {
		var (
			v6  netip.Prefix
			err error
		)
		if a := sub.StaticIPv6; a.IsValid() {
			if v6, err = ss.pool.ipv6.Claim(a); err == nil {
				err = ss.pool.ipv6.Reserve(a)
			}
		} else {
			v6, err = ss.pool.ipv6.Allocate()
		}
		ss.setAddresses(ss.ipv4, v6)
		if err != nil {
			return addressRejection(err)
		}
	}
	return nil
}

func addressRejection(err error) error {
	if errors.Is(err, ippool.ErrExhausted) {
		return reject(sm.CauseInsufficientResources, "%w", err)
	}
	return reject(sm.CauseRequestRejectedUnspecified, "static address: %w", err)
}

// releaseAddresses returns the session's addresses to their pools.
func (s *SMF) releaseAddresses(ss *session) {
	if ss.ipv4.IsValid() {
		if err := ss.pool.ipv4.Release(ss.ipv4); err != nil {
			ss.log.Error("IPv4 address release", "error", err)
		}
		ss.setAddresses(netip.Addr{}, ss.ipv6)
	}
	if ss.ipv6.IsValid() {
		if err := ss.pool.ipv6.Release(ss.ipv6); err != nil {
			ss.log.Error("IPv6 prefix release", "error", err)
		}
		ss.setAddresses(ss.ipv4, netip.Prefix{})
	}
}

// acceptMessages builds the PDU SESSION ESTABLISHMENT ACCEPT (TS 24.501
// §8.3.2) and the PDU Session Resource Setup Request Transfer (TS 38.413
// §9.3.4.1).
func (s *SMF) acceptMessages(ss *session, er sm.EstablishmentRequest, cause uint8) (accepted, error) {
	cfg := ss.pool.cfg
	a := sm.Accept{
		PDUSessionID: er.PDUSessionID, PTI: er.PTI, PDUType: ss.pduType, SSCMode: sm.SSCMode1,
		QFI: defaultQFI, FiveQI: ss.policy.FiveQI,
		AMBRUplink: ss.policy.SessionAMBRUplink, AMBRDownlink: ss.policy.SessionAMBRDownlink,
		IPv4: ss.ipv4, HasIPv6: ss.ipv6.IsValid(),
		SST: ss.snssai.SST, SD: ss.snssai.SD, HasSD: ss.snssai.HasSD,
		DNN: ss.dnn, Cause: cause,
	}
	if a.HasIPv6 {
		// TS 23.501 §5.8.2.2.2: the SMF gives the UE an interface
		// identifier for its link-local address; the SEID makes it unique
		// among the SMF's sessions and never zero.
		binary.BigEndian.PutUint64(a.IPv6IID[:], ss.seid)
	}
	// Resolvers and P-CSCFs (TS 24.501 §9.11.4.6, TS 24.008 §10.5.6.3)
	// of the families the UE asked for and the session has.
	a.DNS = offered(cfg.DNS, er.WantDNSv4 && ss.ipv4.IsValid(), er.WantDNSv6 && ss.ipv6.IsValid())
	a.PCSCF = offered(cfg.PCSCF, er.WantPCSCFv4 && ss.ipv4.IsValid(), er.WantPCSCFv6 && ss.ipv6.IsValid())
	if er.WantMTU {
		a.MTU = uint16(cfg.MTU)
	}
	acceptQoS(&a, ss.flows)
	n1, err := sm.EstablishmentAccept(nil, a)
	if err != nil {
		return accepted{}, err
	}
	n2, err := setupTransfer(ss)
	if err != nil {
		return accepted{}, err
	}
	return accepted{n1: n1, n2: n2}, nil
}

// offered are the addresses of addrs of the families v4 and v6 select.
func offered(addrs []netip.Addr, v4, v6 bool) []netip.Addr {
	var out []netip.Addr
	for _, d := range addrs {
		if (d.Is4() && v4) || (d.Is6() && v6) {
			out = append(out, d)
		}
	}
	return out
}

// setupTransfer is the PDU Session Resource Setup Request Transfer (TS
// 38.413 §9.3.4.1) of a session: the UPF's N3 tunnel, the QoS flows
// (GBR ones with GBR QoS Flow Information), the session AMBR — at establishment and whenever the user plane is
// reactivated (TS 23.502 §4.2.3.2, §4.2.3.3). Called with ss.mu held.
func setupTransfer(ss *session) ([]byte, error) {
	return ngap.SetupRequestTransfer{
		AMBRUplink: ss.policy.SessionAMBRUplink, AMBRDownlink: ss.policy.SessionAMBRDownlink,
		UL:      ngap.Tunnel{Addr: ss.n3.Addr, TEID: ss.n3.TEID},
		PDUType: ss.pduType,
		Flows:   ngapFlows(ss.flows),
	}.Encode()
}

func pduTypeName(t uint8) string {
	switch t {
	case sm.PDUTypeIPv4:
		return "ipv4"
	case sm.PDUTypeIPv6:
		return "ipv6"
	case sm.PDUTypeIPv4v6:
		return "ipv4v6"
	}
	return ""
}
