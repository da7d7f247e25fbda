package ue

import (
	"errors"
	"fmt"
	"github.com/keelcore/keel/internal/ident"
	"net/netip"
	"slices"
)

// 5GSM message types and IEs of PDU session modification (TS 24.501
// §8.3.7 to §8.3.11).
const (
	smModificationRequest       = 0xC9
	smModificationReject        = 0xCA
	smModificationComplete      = 0xCC
	smModificationCommandReject = 0xCD
	ieiSessionAMBR              = 0x2A // TLV 8
	ieiQoSRules                 = 0x7A // TLV-E
	// causeQoSSemantic is 5GSM cause #83 "semantic error in the QoS
	// operation" (§6.3.2.4).
	causeQoSSemantic = 83
	flowDelete       = 2 // QoS flow description operation codes, §9.11.4.12
	flowModify       = 3
)

// FlowRequest is a QoS flow the UE asks for (TS 24.501 §6.4.2.2): a
// packet filter for the traffic to and from Remote (an IPv4 prefix) and,
// when nonzero, RemotePort, and the flow's 5QI with its GFBR and MFBR in
// bit/s, the same both ways.
type FlowRequest struct {
	Remote     netip.Prefix
	RemotePort uint16
	FiveQI     uint8
	GFBR, MFBR uint64
}

// RequestQoSFlow starts a UE-requested PDU session modification (TS
// 24.501 §6.4.2.2) of active session psi for a new QoS flow and returns
// the UL NAS TRANSPORT to send: the PDU SESSION MODIFICATION REQUEST with
// one QoS rule to create (a bidirectional packet filter, precedence 16)
// and its QoS flow description, under a rule identifier and QFI the UE
// proposes (the network assigns its own). The network answers with PDU
// SESSION MODIFICATION COMMAND, which Handle applies and answers COMPLETE
// (EventPDUSessionModified), or with REJECT
// (EventPDUSessionModificationRejected).
func (u *UE) RequestQoSFlow(psi uint8, r FlowRequest) ([]byte, error) {
	if err := u.canSendSM(psi); err != nil {
		return nil, err
	}
	s := u.sm.at(psi)
	if s.state != SessionActive {
		return nil, fmt.Errorf("ue: modification of PDU session %d in %s", psi, s.state)
	}
	if !r.Remote.Addr().Is4() || r.FiveQI == 0 {
		return nil, errors.New("ue: a QoS flow request needs an IPv4 remote prefix and a 5QI")
	}
	qfi, ruleID := uint8(2), uint8(2)
	for _, x := range s.info.QoSRules {
		qfi, ruleID = max(qfi, x.QFI+1), max(ruleID, x.ID+1)
	}
	// Packet filter components (§9.11.4.13, table 9.11.4.13.1): IPv4
	// remote address (0x10) with its mask, single remote port (0x50).
	a := r.Remote.Masked().Addr().As4()
	comps := append([]byte{0x10}, a[:]...)
	bits := r.Remote.Bits()
	m := ^uint32(0) << (32 - bits)
	if bits == 0 {
		m = 0
	}
	comps = append(comps, byte(m>>24), byte(m>>16), byte(m>>8), byte(m))
	if r.RemotePort != 0 {
		comps = append(comps, 0x50, byte(r.RemotePort>>8), byte(r.RemotePort))
	}
	rule := []byte{ruleCreate<<5 | 1, 0x30 | 1, byte(len(comps))}
	rule = append(rule, comps...)
	rule = append(rule, 16, qfi&0x3F)
	rules := append([]byte{ruleID, byte(len(rule) >> 8), byte(len(rule))}, rule...)
	uu, uv := encodeBitRate(r.GFBR)
	mu, mv := encodeBitRate(r.MFBR)
	flows := []byte{qfi & 0x3F, flowCreate << 5, 0x40 | 5, flowParam5QI, 1, r.FiveQI,
		flowParamGFBRUplink, 3, uu, byte(uv >> 8), byte(uv), flowParamGFBRDownlnk, 3, uu, byte(uv >> 8), byte(uv),
		flowParamMFBRUplink, 3, mu, byte(mv >> 8), byte(mv), flowParamMFBRDownlnk, 3, mu, byte(mv >> 8), byte(mv)}
	pti := u.sm.nextPTI()
	req := smHeader(psi, pti, smModificationRequest)
	req = append(req, ieiQoSRules, byte(len(rules)>>8), byte(len(rules)))
	req = append(req, rules...)
	req = append(req, ieiQoSFlowDescs, byte(len(flows)>>8), byte(len(flows)))
	req = append(req, flows...)
	out, err := u.ctx.protect(ulNASTransport(psi, req, 0, ident.SNSSAI{}, nil), shtIntegrityCiphered)
	if err != nil {
		return nil, err
	}
	s.pti = pti
	return out, nil
}

// encodeBitRate is the inverse of bitRate: the finest unit of TS 24.501
// table 9.11.4.14.1 whose 16-bit value holds bps, rounded down.
func encodeBitRate(bps uint64) (uint8, uint16) {
	for unit := uint8(1); unit <= 25; unit++ {
		if v := bps / bitRate(unit, 1); v <= 0xFFFF {
			return unit, uint16(v)
		}
	}
	return 25, 0xFFFF
}

// handleModificationCommand applies a PDU SESSION MODIFICATION COMMAND
// (TS 24.501 §6.3.2.3): the new Session-AMBR, the authorized QoS rules
// (created, or replacing the rule of their identifier) and QoS flow
// descriptions, and answers PDU SESSION MODIFICATION COMPLETE with the
// command's PTI. A command whose rules or flows do not parse is answered
// COMMAND REJECT #83 and changes nothing (§6.3.2.4).
func (u *UE) handleModificationCommand(s *smSession, m smMessage) (Result, error) {
	if m.pti != 0 && m.pti != s.pti {
		return Result{}, errPTIMismatch
	}
	info := s.info
	info.QoSRules = slices.Clone(info.QoSRules)
	info.QoSFlows = slices.Clone(info.QoSFlows)
	err := walkIEs(m.body, func(iei uint8, v []byte) error {
		switch iei {
		case ieiSessionAMBR:
			if len(v) != 6 {
				return errors.New("Session-AMBR is not 6 octets")
			}
			info.AMBRDownlink = bitRate(v[0], uint16(be16(v[1:])))
			info.AMBRUplink = bitRate(v[3], uint16(be16(v[4:])))
		case ieiQoSRules:
			return applyRules(&info, v)
		case ieiQoSFlowDescs:
			return applyFlows(&info, v)
		}
		return nil
	})
	answer := smHeader(m.psi, m.pti, smModificationComplete)
	ev := EventPDUSessionModified
	if err != nil || u.rejectMod {
		answer = append(smHeader(m.psi, m.pti, smModificationCommandReject), causeQoSSemantic)
		ev = EventPDUSessionModificationCommandRejected
	}
	out, perr := u.send(ulNASTransport(m.psi, answer, 0, ident.SNSSAI{}, nil))
	if perr != nil {
		return Result{}, perr
	}
	s.pti = 0
	if ev == EventPDUSessionModified {
		s.info = info
		return Result{Uplink: [][]byte{out}, Event: ev, PDUSessionID: m.psi}, nil
	}
	return Result{Uplink: [][]byte{out}, Event: ev, Cause: causeQoSSemantic, PDUSessionID: m.psi}, nil
}

// handleModificationReject ends the UE's request with the network's
// 5GSM cause and back-off timer (TS 24.501 §6.4.2.4).
func (u *UE) handleModificationReject(s *smSession, m smMessage) (Result, error) {
	if m.pti != s.pti {
		return Result{}, errPTIMismatch
	}
	if len(m.body) < 1 {
		return Result{}, errors.New("ue: PDU Session Modification Reject without a 5GSM cause")
	}
	backOff, err := rejectBackOff(m.body[1:])
	if err != nil {
		return Result{}, err
	}
	s.pti = 0
	return Result{Event: EventPDUSessionModificationRejected, Cause: m.body[0], PDUSessionID: m.psi, BackOff: backOff}, nil
}

// applyRules applies the QoS rules of a command (TS 24.501 §9.11.4.13)
// to a session: "delete existing QoS rule" removes the rule of its
// identifier; "create new QoS rule" and "modify existing QoS rule and
// replace all packet filters" put the rule in place of the one of its
// identifier. Any other operation is an error (#83).
func applyRules(s *PDUSession, v []byte) error {
	for len(v) > 0 {
		if len(v) < 4 || len(v) < 3+be16(v[1:]) {
			return errors.New("QoS rule truncated")
		}
		n := 3 + be16(v[1:])
		chunk := v[:n]
		v = v[n:]
		id := chunk[0]
		switch op := chunk[3] >> 5; op {
		case ruleDelete:
			s.QoSRules = slices.DeleteFunc(s.QoSRules, func(x QoSRule) bool { return x.ID == id })
		case ruleCreate, ruleReplaceFilters:
			c := slices.Clone(chunk)
			c[3] = c[3]&0x1F | ruleCreate<<5
			rules, err := parseQoSRules(c)
			if err != nil {
				return err
			}
			s.QoSRules = slices.DeleteFunc(s.QoSRules, func(x QoSRule) bool { return x.ID == id })
			s.QoSRules = append(s.QoSRules, rules...)
		default:
			return fmt.Errorf("QoS rule %d: operation code %d", id, op)
		}
	}
	return nil
}

// applyFlows applies the QoS flow descriptions of a command (TS 24.501
// §9.11.4.12): delete removes the flow of its QFI, create and modify
// put the description in place of the flow's.
func applyFlows(s *PDUSession, v []byte) error {
	for len(v) > 0 {
		if len(v) < 3 {
			return errors.New("QoS flow description truncated")
		}
		n, params := 3, int(v[2]&0x3F)
		for range params {
			if len(v) < n+2 || len(v) < n+2+int(v[n+1]) {
				return errors.New("QoS flow parameter truncated")
			}
			n += 2 + int(v[n+1])
		}
		chunk := v[:n]
		v = v[n:]
		qfi := chunk[0] & 0x3F
		s.QoSFlows = slices.DeleteFunc(s.QoSFlows, func(x QoSFlow) bool { return x.QFI == qfi })
		switch op := chunk[1] >> 5; op {
		case flowDelete:
		case flowCreate, flowModify:
			c := slices.Clone(chunk)
			c[1] = flowCreate << 5
			flows, err := parseQoSFlows(c)
			if err != nil {
				return err
			}
			s.QoSFlows = append(s.QoSFlows, flows...)
		default:
			return fmt.Errorf("QoS flow description %d: operation code %d", qfi, op)
		}
	}
	return nil
}
