package gnb

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/secret"
)

// Downlink is what the AMF sent one UE.
type Downlink struct {
	// NAS is a NAS PDU, from Downlink NAS Transport or Initial Context
	// Setup Request; nil for a release.
	NAS []byte
	// ContextSetup is set when the NAS PDU came in an Initial Context
	// Setup Request, which the gNB has answered; KgNB is its key.
	ContextSetup bool
	KgNB         secret.Key256
	// Released is set when the AMF released the UE's connection (UE
	// Context Release Command, answered with Complete).
	Released bool
	// Cause is the UE Context Release Command's cause (ngap.CauseString);
	// "" when the association went down instead.
	Cause string
	// UERadioCapability is the UE Radio Capability an Initial Context
	// Setup Request carried (TS 38.413 §9.2.2.1), nil if none.
	UERadioCapability []byte
	// PathSwitch is the AMF's answer to the Path Switch Request of an Xn
	// handover to this gNB (handover.go): the acknowledge, or nil with
	// PathSwitchFailed and Cause for a failure.
	PathSwitch       *ngap.PathSwitchAck
	PathSwitchFailed bool
	// HandoverCommand is the AMF's answer to the Handover Required of an
	// N2 handover from this gNB (n2handover.go), or HandoverFailed with
	// Cause for a Handover Preparation Failure; RANStatus is set when a
	// Downlink RAN Status Transfer came for a UE handed over to it.
	HandoverCommand *ngap.HandoverCommand
	HandoverFailed  bool
	RANStatus       bool
}

// UEConn is one UE-associated logical NG connection (TS 38.413 §3.1) of
// a simulated UE. Its methods are safe for concurrent use.
type UEConn struct {
	g *GNB
	// a is the association the connection is bound to (its NGAP UE-TNLA
	// binding, TS 23.502 §4.2.7.2).
	a     *assoc
	ranID int64
	amfID atomic.Int64 // -1 until the AMF names it
	down  chan Downlink
	// gone is closed, once, when the connection is released or forgotten.
	gone     chan struct{}
	goneOnce sync.Once
	// ambr is the UE-AMBR of the last UE Context Modification, nil
	// before one (modify.go).
	ambr atomic.Pointer[[2]uint64]

	// security holds what the Initial Context Setup (or a handover's
	// acknowledge) gave the gNB for the UE's AS security: its security
	// capabilities, KgNB and the {NH, NCC} of its next handover.
	security atomic.Pointer[asSecurity]

	// Guarded by g.bearers.mu.
	sessions map[uint8]*bearer // by PDU session ID
	pingSeq  uint16            // last ICMP sequence number used
	// added is closed, and replaced, when a bearer is added: WaitSession
	// waits on it.
	added chan struct{}
}

// ErrNoAMFID means the AMF has not yet sent the UE anything, so an
// uplink message cannot name the connection.
var ErrNoAMFID = errors.New("gnb: AMF UE NGAP ID not known yet")

// ueTable routes downlink messages to UE connections by RAN UE NGAP ID.
type ueTable struct {
	mu     sync.Mutex
	byRAN  map[int64]*UEConn
	nextID int64
}

// downlinkBuffer bounds the messages waiting for one UE. Each waits for
// the UE's answer to the one before, but for a release or a
// configuration update that may follow a message at once: a UE never has
// more than a few outstanding. A slot is some 140 bytes, held for as
// long as the UE's connection lasts (at a million UEs, 32 slots each
// were 4.3 GiB of the simulator's memory).
const downlinkBuffer = 8

// Attach opens a UE connection with an Initial UE Message carrying the
// UE's first NAS PDU (TS 38.413 §8.6.1) and the RRC establishment cause
// mo-Signalling. tmsi is the 5G-S-TMSI of a UE that has one, or nil.
func (g *GNB) Attach(ctx context.Context, nasPDU []byte, tmsi *ngap.FiveGSTMSI) (*UEConn, error) {
	return g.AttachCause(ctx, nasPDU, tmsi, ngap.RRCCauseMOSignalling)
}

// AttachCause is Attach with the RRC establishment cause the UE gave the
// gNB (TS 38.413 §9.3.1.111, TS 38.331 EstablishmentCause): mo-Data for
// a Service Request for user data, mt-Access for one answering paging.
func (g *GNB) AttachCause(ctx context.Context, nasPDU []byte, tmsi *ngap.FiveGSTMSI, cause aper.Enumerated) (*UEConn, error) {
	select {
	case <-g.done:
		return nil, ErrDown
	default:
	}
	g.amfs.mu.Lock()
	a, _ := g.amfs.selectAMF(tmsi)
	if a != nil {
		a.peer.initial++
	}
	g.amfs.mu.Unlock()
	if a == nil {
		return nil, ErrDown
	}
	c := g.newConn(a)
	select {
	case <-a.down:
		// The association ended between the selection and now, and its
		// release may have missed c.
		g.forgetUE(c)
		return nil, ErrDown
	default:
	}
	msg, err := ngap.InitialUEMessage(c.ranID, nasPDU, g.location(c.ranID), cause, tmsi)
	if err != nil {
		g.forgetUE(c)
		return nil, err
	}
	if err := a.sendUE(ctx, c.ranID, msg); err != nil {
		g.forgetUE(c)
		return nil, err
	}
	return c, nil
}

// AMF returns the address and name of the AMF the connection is bound to.
func (c *UEConn) AMF() (netip.AddrPort, string) {
	c.g.amfs.mu.Lock()
	defer c.g.amfs.mu.Unlock()
	return c.a.peer.addr, c.a.peer.name
}

// location is where the gNB says its UEs are: its first TA, and a cell
// of its own (NR Cell Identity = gNB ID followed by a 14-bit cell number).
func (g *GNB) location(ranID int64) ngap.UELocation {
	ta := g.cfg.TAs[0]
	cell := uint64(g.cfg.ID.ID)<<(36-g.cfg.ID.Bits) | uint64(ranID%4)
	return ngap.UELocation{TAI: ident.TAI{PLMN: ta.PLMNs[0], TAC: ta.TAC}, CellID: cell & ngap.MaxNRCellID, CellPLMN: ta.PLMNs[0]}
}

// Downlink delivers what the AMF sends the UE.
func (c *UEConn) Downlink() <-chan Downlink { return c.down }

// Released is closed once the connection is gone: released by the AMF,
// by the end of its association, by Close, or handed over to another
// gNB.
func (c *UEConn) Released() <-chan struct{} { return c.gone }

// RANUENGAPID returns the gNB's ID for the connection.
func (c *UEConn) RANUENGAPID() int64 { return c.ranID }

// AMFUENGAPID returns the AMF's ID for the connection, -1 until the AMF
// has sent the UE anything.
func (c *UEConn) AMFUENGAPID() int64 { return c.amfID.Load() }

// Send sends an uplink NAS PDU (Uplink NAS Transport, TS 38.413 §8.6.3).
func (c *UEConn) Send(ctx context.Context, nasPDU []byte) error {
	amf := c.amfID.Load()
	if amf < 0 {
		return ErrNoAMFID
	}
	msg, err := ngap.UplinkNASTransport(amf, c.ranID, nasPDU, c.g.location(c.ranID))
	if err != nil {
		return err
	}
	return c.a.sendUE(ctx, c.ranID, msg)
}

// RequestRelease asks the AMF to release the connection, as a gNB does
// when the UE goes inactive (UE Context Release Request, §8.3.2).
func (c *UEConn) RequestRelease(ctx context.Context) error {
	amf := c.amfID.Load()
	if amf < 0 {
		return ErrNoAMFID
	}
	return c.a.sendUE(ctx, c.ranID, ngap.UEContextReleaseRequest(amf, c.ranID, ngap.RadioNetworkCause(20))) // user-inactivity
}

// Close forgets the connection without telling the AMF (the radio link
// is simply gone).
func (c *UEConn) Close() { c.g.forgetUE(c) }

// forgetUE drops the connection and its bearers.
func (g *GNB) forgetUE(c *UEConn) {
	g.ues.mu.Lock()
	if g.ues.byRAN[c.ranID] == c {
		delete(g.ues.byRAN, c.ranID)
	}
	g.ues.mu.Unlock()
	g.removeBearers(c)
	c.goneOnce.Do(func() { close(c.gone) })
}

func (g *GNB) ueByRAN(id int64) *UEConn {
	g.ues.mu.Lock()
	defer g.ues.mu.Unlock()
	return g.ues.byRAN[id]
}

// ueOn returns the UE connection with RAN UE NGAP ID id bound to
// association a, nil if there is none.
func (g *GNB) ueOn(a *assoc, id int64) *UEConn {
	c := g.ueByRAN(id)
	if c == nil || c.a != a {
		return nil
	}
	return c
}

// deliver hands a downlink message to its UE; it reports false when no
// UE connection has the IDs.
func (g *GNB) deliver(a *assoc, amfID, ranID int64, d Downlink) bool {
	c := g.ueOn(a, ranID)
	if c == nil {
		return false
	}
	c.amfID.Store(amfID)
	if d.Released {
		g.forgetUE(c)
	}
	select {
	case c.down <- d:
	default:
		g.log.Warn("gnb: UE downlink buffer full: message dropped", "ran_ue_ngap_id", ranID)
	}
	return true
}

// handleUE runs the UE-associated downlink messages; it reports false
// for messages that are not.
func (g *GNB) handleUE(ctx context.Context, a *assoc, m message.Message) bool {
	switch x := m.(type) {
	case *message.DownlinkNASTransport:
		if x.AMFUENGAPID == nil || x.RANUENGAPID == nil || x.NASPDU == nil {
			return true
		}
		g.deliver(a, x.AMFUENGAPID.Value, x.RANUENGAPID.Value, Downlink{NAS: append([]byte(nil), x.NASPDU.Value...)})
	case *message.InitialContextSetupRequest:
		ic, err := ngap.DecodeInitialContextSetupRequest(x)
		if err != nil {
			g.log.Warn("gnb: Initial Context Setup Request", "err", err)
			return true
		}
		// TS 38.413 §8.3.1.2: set up the sessions, answer, then the NAS
		// PDUs go to the UE.
		c := g.ueOn(a, ic.RANUE)
		if c == nil {
			fail, err := ngap.InitialContextSetupFailure(ic.AMFUE, ic.RANUE, ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentUnknownLocalUENGAPID), nil)
			if err == nil {
				a.sendUE(ctx, ic.RANUE, fail)
			}
			return true
		}
		var results []ngap.SessionResult
		var nas [][]byte
		if len(ic.Sessions) > 0 {
			results, nas = g.setupSessions(c, ic.Sessions)
		}
		resp, err := ngap.InitialContextSetupResponse(ic.AMFUE, ic.RANUE, results)
		if err != nil {
			g.log.Warn("gnb: Initial Context Setup Response", "err", err)
			return true
		}
		a.sendUE(ctx, ic.RANUE, resp)
		if len(ic.UERadioCapability) == 0 && !g.cfg.NoRadioCapability {
			// §8.14.1: the capability the gNB learnt from the UE, for
			// the AMF to keep.
			a.sendUE(ctx, ic.RANUE, ngap.UERadioCapabilityInfoIndication(ic.AMFUE, ic.RANUE, g.radioCapability()))
		}
		c.security.Store(&asSecurity{caps: ic.Security, kgnb: ic.SecurityKey})
		g.deliver(a, ic.AMFUE, ic.RANUE, Downlink{NAS: append([]byte(nil), ic.NASPDU...), ContextSetup: true, KgNB: ic.SecurityKey,
			UERadioCapability: append([]byte(nil), ic.UERadioCapability...)})
		for _, pdu := range nas {
			g.deliver(a, ic.AMFUE, ic.RANUE, Downlink{NAS: pdu})
		}
	case *message.PathSwitchRequestAcknowledge:
		ack, err := ngap.DecodePathSwitchRequestAcknowledge(x)
		if err != nil {
			g.log.Warn("gnb: Path Switch Request Acknowledge", "err", err)
			return true
		}
		// A connection no handover waits on: an event for the test.
		return g.deliver(a, ack.AMFUE, ack.RANUE, Downlink{PathSwitch: &ack})
	case *message.PathSwitchRequestFailure:
		if x.AMFUENGAPID == nil || x.RANUENGAPID == nil {
			return true
		}
		_, cause, _ := ngap.DecodePathSwitchRequestFailure(x)
		return g.deliver(a, x.AMFUENGAPID.Value, x.RANUENGAPID.Value, Downlink{PathSwitchFailed: true, Cause: ngap.CauseString(cause)})
	case *message.HandoverRequest:
		g.handleHandoverRequest(ctx, a, x)
	case *message.HandoverCommand:
		// The event as well, for tests that drive the UE by hand.
		g.emit(Event{Procedure: "HandoverCommand"})
		if cmd, err := ngap.DecodeHandoverCommand(x); err == nil {
			g.deliver(a, cmd.AMFUE, cmd.RANUE, Downlink{HandoverCommand: &cmd})
		}
	case *message.HandoverPreparationFailure:
		g.emit(Event{Procedure: "HandoverPreparationFailure", Cause: ngap.CauseString(x.Cause)})
		if x.AMFUENGAPID != nil && x.RANUENGAPID != nil {
			g.deliver(a, x.AMFUENGAPID.Value, x.RANUENGAPID.Value, Downlink{HandoverFailed: true, Cause: ngap.CauseString(x.Cause)})
		}
	case *message.DownlinkRANStatusTransfer:
		if x.AMFUENGAPID == nil || x.RANUENGAPID == nil {
			return true
		}
		if _, err := ngap.DecodeRANStatusTransfer(x.RANStatusTransferTransparentContainer); err != nil {
			g.log.Warn("gnb: Downlink RAN Status Transfer", "err", err)
		}
		g.deliver(a, x.AMFUENGAPID.Value, x.RANUENGAPID.Value, Downlink{RANStatus: true})
	case *message.PDUSessionResourceSetupRequest:
		g.handleSessionSetup(ctx, a, x)
	case *message.PDUSessionResourceReleaseCommand:
		g.handleSessionRelease(ctx, a, x)
	case *message.PDUSessionResourceModifyRequest:
		g.handleSessionModify(ctx, a, x)
	case *message.UEContextModificationRequest:
		g.handleContextModify(ctx, a, x)
	case *message.UEContextReleaseCommand:
		amfID, _, ranID, hasRAN := ngap.UEIDs(x)
		if !hasRAN {
			ranID = g.ranIDOf(a, amfID)
		}
		a.sendUE(ctx, ranID, ngap.UEContextReleaseComplete(amfID, ranID))
		g.deliver(a, amfID, ranID, Downlink{Released: true, Cause: ngap.CauseString(x.Cause)})
	default:
		return false
	}
	return true
}

// ranIDOf finds the connection the AMF names by its own ID only.
func (g *GNB) ranIDOf(a *assoc, amfID int64) int64 {
	g.ues.mu.Lock()
	defer g.ues.mu.Unlock()
	for id, c := range g.ues.byRAN {
		if c.a == a && c.amfID.Load() == amfID {
			return id
		}
	}
	return -1
}

// releaseAll tells every UE connection bound to association a that it
// is gone (the association ended): the NGAP UE-TNLA bindings of an AMF
// that failed are released (TS 23.501 §5.21.2), so the UE's next NAS
// message opens a new connection with an Initial UE Message.
func (g *GNB) releaseAll(a *assoc) {
	g.ues.mu.Lock()
	var list []*UEConn
	for id, c := range g.ues.byRAN {
		if c.a == a {
			list = append(list, c)
			delete(g.ues.byRAN, id)
		}
	}
	g.ues.mu.Unlock()
	for _, c := range list {
		g.removeBearers(c)
		c.goneOnce.Do(func() { close(c.gone) })
		select {
		case c.down <- Downlink{Released: true}:
		default:
		}
	}
}

func (c *UEConn) String() string { return fmt.Sprintf("ran-ue-%d", c.ranID) }
