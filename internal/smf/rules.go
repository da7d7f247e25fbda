package smf

import (
	"github.com/keelcore/keel/internal/pfcp"
)

// The rules of a PDU session (TS 23.501 §5.8.2.11, TS 29.244 §5.2),
// per QoS flow (qos.go) with QFI q: an uplink PDR, ID 2q-1, matching the
// UPF's N3 TEID (one F-TEID for all, CHOOSE with CHID) and the QFI,
// removing the GTP-U header, and a downlink PDR, ID 2q, matching the
// UE's address and, for a flow other than the default one, its PCC
// rule's flow descriptions as SDF filters at a precedence before the
// default flow's; all uplink PDRs forward through one FAR to the core,
// all downlink PDRs through one FAR that buffers, forwards to the gNB or
// drops (so switching the path or going idle updates that FAR alone).
// Each PDR applies its flow's QER (ID q+1: the QFI to mark, the MFBR
// and GFBR of a GBR flow) and the session QER (the session AMBR, TS
// 23.501 §5.7.2.6), and counts in the one URR.
const (
	pdrUplink   uint16 = 1
	pdrDownlink uint16 = 2
	farUplink   uint32 = 1
	farDownlink uint32 = 2
	qerSession  uint32 = 1
	urrSession  uint32 = 1
	// barSession is the session's BAR (TS 29.244 §7.5.2.6), named by the
	// downlink FAR while it buffers.
	barSession uint8 = 1
	// defaultQFI is the QFI of the default QoS flow.
	defaultQFI uint8 = 1
	// precedence of the default flow's PDRs: after every other flow's.
	precedence uint32 = 255
	// chooseN3 is the CHOOSE ID (CHID) of the uplink PDRs: the UPF
	// gives them one F-TEID (TS 29.244 §5.2.1A).
	chooseN3 uint8 = 1

	interfaceAccess uint8 = 0
	interfaceCore   uint8 = 1
)

// PDR and QER IDs of the flow with QFI q.
func pdrUplinkOf(q uint8) uint16   { return 2*uint16(q) - 1 }
func pdrDownlinkOf(q uint8) uint16 { return 2 * uint16(q) }
func qerOf(q uint8) uint32         { return uint32(q) + 1 }

// sessionRules are the rules to establish for ss. A zero n3 asks the UPF
// to choose the F-TEID (CHOOSE); otherwise the UPF is given it (after a
// UPF restart the gNB still sends to the old one).
func (s *SMF) sessionRules(ss *session, n3 tunnel) pfcp.Rules {
	r := pfcp.Rules{
		FARs: []pfcp.FAR{
			{ID: farUplink, Forward: true, DestinationInterface: interfaceCore, NetworkInstance: ss.pool.cfg.Name},
			downlinkFAR(ss.state, ss.gnb),
		},
		QERs: []pfcp.QER{{ID: qerSession, GateUL: true, GateDL: true,
			MBRUL: ss.policy.SessionAMBRUplink, MBRDL: ss.policy.SessionAMBRDownlink}},
		URRs: []pfcp.URR{{ID: urrSession, VolumeThreshold: s.opts.UsageThreshold}},
		BARs: []pfcp.BAR{{ID: barSession}},
	}
	for i := range ss.flows {
		fr := flowRules(ss, &ss.flows[i], n3)
		r.PDRs = append(r.PDRs, fr.PDRs...)
		r.QERs = append(r.QERs, fr.QERs...)
	}
	return r
}

// flowRules are the PDRs and QER of one QoS flow of ss (the FARs, the
// session QER and the URR are the session's).
func flowRules(ss *session, f *qosFlow, n3 tunnel) pfcp.Rules {
	prec := precedence
	if f.qfi != defaultQFI {
		prec = uint32(f.precedence)
	}
	qers := []uint32{qerOf(f.qfi), qerSession}
	ul := pfcp.PDR{
		ID: pdrUplinkOf(f.qfi), Precedence: prec, SourceInterface: interfaceAccess,
		FTEID:             &pfcp.FTEID{Choose: true, ChooseID: chooseN3},
		NetworkInstance:   ss.pool.cfg.Name,
		QFI:               f.qfi,
		RemoveOuterHeader: true,
		FARID:             farUplink, QERIDs: qers, URRIDs: []uint32{urrSession},
	}
	if n3.TEID != 0 {
		ul.FTEID = &pfcp.FTEID{TEID: n3.TEID, IPv4: n3.Addr}
	}
	dl := pfcp.PDR{
		ID: pdrDownlinkOf(f.qfi), Precedence: prec, SourceInterface: interfaceCore,
		UEIPv4: ss.ipv4, UEIPv6Prefix: ss.ipv6,
		NetworkInstance: ss.pool.cfg.Name,
		FARID:           farDownlink, QERIDs: qers, URRIDs: []uint32{urrSession},
	}
	for i := range f.filters {
		dl.SDFFilters = append(dl.SDFFilters, f.filters[i].String())
	}
	q := pfcp.QER{ID: qerOf(f.qfi), GateUL: true, GateDL: true, QFI: f.qfi}
	if f.gbr {
		// TS 29.244 §7.5.2.5: MBR and GBR of the QoS flow; Keel's UPF
		// polices the MBR (the GBR is the RAN's to guarantee).
		q.MBRUL, q.MBRDL = f.mfbrUL, f.mfbrDL
	}
	return pfcp.Rules{PDRs: []pfcp.PDR{ul, dl}, QERs: []pfcp.QER{q}}
}

// downlinkFAR is the downlink FAR for a session in state st: forward with
// outer header creation towards the gNB when active; buffer while the
// gNB's tunnel is not known yet; buffer and notify the SMF (BUFF|NOCP,
// TS 29.244 §5.2.1) when the user plane is deactivated, so that the
// first downlink packet for the idle UE comes back as a Downlink Data
// Report and the UE is paged (TS 23.502 §4.2.3.3). A buffering FAR names
// the session's BAR, created with the session without parameters of its
// own: the UPF's bounds apply.
func downlinkFAR(st state, gnb tunnel) pfcp.FAR {
	far := pfcp.FAR{ID: farDownlink, DestinationInterface: interfaceAccess}
	switch st {
	case active:
		far.Forward = true
		far.Outer = &pfcp.OuterHeader{TEID: gnb.TEID, IPv4: gnb.Addr}
	case inactive:
		far.Buffer, far.NotifyCP, far.BARID = true, true, barSession
	default:
		far.Buffer, far.BARID = true, barSession
	}
	return far
}
