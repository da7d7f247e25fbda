package smf

import (
	"github.com/keelcore/keel/internal/pfcp"
)

// The rules of a PDU session with its one QoS flow (TS 23.501 §5.8.2.11,
// TS 29.244 §5.2): an uplink PDR matching the UPF's N3 TEID and the QFI,
// removing the GTP-U header, whose FAR forwards to the core; a downlink
// PDR matching the UE's address, whose FAR buffers, forwards to the gNB
// or drops; one QER with the session AMBR as MBR and the QFI; one URR
// measuring volume.
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
	// precedence of both PDRs: the only ones of the session.
	precedence uint32 = 255

	interfaceAccess uint8 = 0
	interfaceCore   uint8 = 1
)

// sessionRules are the rules to establish for ss. A zero n3 asks the UPF
// to choose the F-TEID (CHOOSE); otherwise the UPF is given it (after a
// UPF restart the gNB still sends to the old one).
func (s *SMF) sessionRules(ss *session, n3 tunnel) pfcp.Rules {
	ul := pfcp.PDR{
		ID: pdrUplink, Precedence: precedence, SourceInterface: interfaceAccess,
		FTEID:             &pfcp.FTEID{Choose: true},
		NetworkInstance:   ss.pool.cfg.Name,
		QFI:               defaultQFI,
		RemoveOuterHeader: true,
		FARID:             farUplink, QERIDs: []uint32{qerSession}, URRIDs: []uint32{urrSession},
	}
	if n3.TEID != 0 {
		ul.FTEID = &pfcp.FTEID{TEID: n3.TEID, IPv4: n3.Addr}
	}
	dl := pfcp.PDR{
		ID: pdrDownlink, Precedence: precedence, SourceInterface: interfaceCore,
		UEIPv4: ss.ipv4, UEIPv6Prefix: ss.ipv6,
		NetworkInstance: ss.pool.cfg.Name,
		FARID:           farDownlink, QERIDs: []uint32{qerSession}, URRIDs: []uint32{urrSession},
	}
	return pfcp.Rules{
		PDRs: []pfcp.PDR{ul, dl},
		FARs: []pfcp.FAR{
			{ID: farUplink, Forward: true, DestinationInterface: interfaceCore, NetworkInstance: ss.pool.cfg.Name},
			downlinkFAR(ss.state, ss.gnb),
		},
		QERs: []pfcp.QER{{ID: qerSession, GateUL: true, GateDL: true,
			MBRUL: ss.policy.SessionAMBRUplink, MBRDL: ss.policy.SessionAMBRDownlink, QFI: defaultQFI}},
		URRs: []pfcp.URR{{ID: urrSession, VolumeThreshold: s.opts.UsageThreshold}},
		BARs: []pfcp.BAR{{ID: barSession}},
	}
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
