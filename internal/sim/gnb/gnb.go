// Package gnb is the gNB side of Keel's simulator: it opens an N2
// association to an AMF, runs NG Setup (TS 38.413 §8.7.1), answers the
// AMF-initiated non-UE-associated procedures (NG Reset, AMF Status
// Indication, AMF Configuration Update, Error Indication), and carries simulated UEs' NAS over
// UE-associated connections (Initial UE Message, Uplink and Downlink NAS
// Transport, Initial Context Setup with its PDU sessions, UE Context
// Release). It passes Paging (§8.5.1) on to the idle UEs that camp on it
// (WatchPaging), by 5G-S-TMSI. With an N3
// address it sets up and releases PDU session resources (§8.2.1, §8.2.2)
// and carries the UEs' user traffic in GTP-U (TS 29.281) with its own
// minimal codec: G-PDUs with a PDU Session Container (TS 38.415), Echo
// Responses. There is no TUN device: the traffic is the UEs' ICMP echo
// requests (Ping). It hands UEs over to another gNB by Xn handover
// (handover.go: Path Switch Request) or N2 handover (n2handover.go:
// Handover Required to Notify, §8.4.1–8.4.3, 8.4.6, 8.4.7).
//
// # Concurrency
//
// Connect returns a GNB whose NGAP reader goroutine runs until Close or
// until the association goes down, and, with an N3 address, whose N3
// reader goroutine runs until Close; Close joins both. Events and the
// GNB's methods are safe for concurrent use.
package gnb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sctp"
)

// Config describes one simulated gNB.
type Config struct {
	// RefuseGBR makes the gNB refuse every GBR QoS flow of a PDU
	// Session Resource Setup Request (QoS Flow Failed to Setup List,
	// radio resources not available, TS 38.413 §9.3.4.2), for the test of
	// a flow the RAN cannot admit; the other flows are set up.
	RefuseGBR bool
	ID        ngap.RANNodeID
	Name      string
	TAs       []ngap.TA
	// N3 is the gNB's GTP-U address (TS 29.281): with a valid one the
	// gNB listens on N3 port 2152, sets up PDU session resources with
	// N3 as the downlink tunnel address and carries user traffic (Ping).
	// It must differ from the UPF's address when both run on one host,
	// as both use port 2152. Without one, PDU session resource setup
	// fails.
	N3 netip.Addr
	// NoRadioCapability stops the gNB from reporting its UEs' radio
	// capability: by default, after an Initial Context Setup Request
	// that carried none, it sends UE Radio Capability Info Indication
	// (TS 38.413 §8.14.1), as a gNB does after asking the UE
	// (UECapabilityEnquiry, TS 38.331 §5.6.1).
	NoRadioCapability bool
	// FailModify makes the gNB fail every PDU Session Resource Modify
	// (radio-network/radio-resources-not-available) and UE Context
	// Modification (radio-network/unspecified), as a gNB short of
	// resources does (TS 38.413 §8.2.3.2, §8.3.4.3).
	FailModify bool
	// RadioCapability is what the gNB reports; nil means the capability
	// of a UE of NR bands 78, 1 and 3 (UERadioCapability).
	RadioCapability []byte
}

// SetupError is an NG Setup the AMF refused.
type SetupError struct {
	Cause string
	// TimeToWait is the wait the AMF asked for before another NG Setup
	// (TS 38.413 §8.7.1.3), zero when it asked for none.
	TimeToWait time.Duration
}

func (e *SetupError) Error() string { return "gnb: NG Setup refused, cause " + e.Cause }

// Event is something the AMF did after NG Setup.
type Event struct {
	// Procedure is "NGReset", "AMFStatusIndication", "AMFConfigurationUpdate",
	// "ErrorIndication", "Paging" (for no UE that camps on the gNB; Cause
	// is then the 5G-S-TMSI, or why the Paging was not usable), or the
	// answer to a message sent with Send.
	Procedure string
	Cause     string
}

// GNB is a connected, set-up gNB.
type GNB struct {
	cfg  Config
	conn sctp.Conn
	log  *slog.Logger
	// AMFName is what NG Setup Response announced.
	AMFName string

	events chan Event
	done   chan struct{}  // closed when the NGAP reader has returned
	wg     sync.WaitGroup // the NGAP reader and the N3 reader
	ues    ueTable
	paging pagingTable
	n2     n2Table

	up      *userPlane // nil without an N3 address
	bearers bearerTable
	// endMarkers counts the GTP-U End Markers received on the tunnels of
	// UEs handed over (TS 29.281 §7.3.2); forwarded the downlink packets
	// sent on to the target gNB before them.
	endMarkers, forwarded atomic.Int64
	// discards counts the downlink UDP datagrams to the discard port
	// (RFC 863: the data network's test traffic) the gNB took for one of
	// its UEs, forwarded ones included, and unknown the G-PDUs that came
	// for a TEID it has no tunnel for.
	discards, unknown atomic.Int64
}

// Connect opens the gNB's N3 socket when cfg.N3 is valid, dials the AMF
// and runs NG Setup.
func Connect(ctx context.Context, tr sctp.Transport, amf netip.AddrPort, cfg Config, log *slog.Logger) (*GNB, error) {
	var up *userPlane
	if cfg.N3.IsValid() {
		var err error
		if up, err = listenN3(netip.AddrPortFrom(cfg.N3, gtpuPort), gtpuPort); err != nil {
			return nil, err
		}
	}
	g, err := connect(ctx, tr, amf, cfg, log, up)
	if err != nil && up != nil {
		up.conn.Close()
	}
	return g, err
}

// connect is Connect with the user plane already open (tests give one on
// ports of their own).
func connect(ctx context.Context, tr sctp.Transport, amf netip.AddrPort, cfg Config, log *slog.Logger, up *userPlane) (*GNB, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	req, err := ngap.NGSetupRequest(ngap.GNBInfo{ID: cfg.ID, Name: cfg.Name, TAs: cfg.TAs})
	if err != nil {
		return nil, err
	}
	pdu, err := ngap.Encode(req)
	if err != nil {
		return nil, err
	}
	conn, err := tr.Dial(ctx, netip.Addr{}, amf)
	if err != nil {
		return nil, fmt.Errorf("gnb %s: N2 association to %s: %w", cfg.ID, amf, err)
	}
	g := &GNB{cfg: cfg, conn: conn, log: log.With("gnb_id", cfg.ID.String()), events: make(chan Event, 16), done: make(chan struct{}), up: up}
	g.ues.byRAN = map[int64]*UEConn{}
	g.bearers.byTEID = map[uint32]*bearer{}
	if err := conn.Send(ctx, sctp.Message{Stream: 0, PPID: sctp.PPIDNGAP, Data: pdu}); err != nil {
		conn.Abort()
		return nil, fmt.Errorf("gnb %s: sending NG Setup Request: %w", cfg.ID, err)
	}
	in, err := conn.Recv(ctx)
	if err != nil {
		conn.Abort()
		return nil, fmt.Errorf("gnb %s: waiting for NG Setup answer: %w", cfg.ID, err)
	}
	m, err := ngap.Decode(in.Data)
	if err != nil {
		conn.Abort()
		return nil, fmt.Errorf("gnb %s: NG Setup answer: %w", cfg.ID, err)
	}
	switch resp := m.(type) {
	case *message.NGSetupResponse:
		if resp.AMFName != nil {
			g.AMFName = string(resp.AMFName.Value)
		}
	case *message.NGSetupFailure:
		conn.Close()
		return nil, &SetupError{Cause: ngap.CauseString(resp.Cause), TimeToWait: timeToWait(resp.TimeToWait)}
	case *message.ErrorIndication:
		conn.Close()
		return nil, &SetupError{Cause: ngap.CauseString(resp.Cause)}
	default:
		conn.Abort()
		return nil, fmt.Errorf("gnb %s: NG Setup answered with %T", cfg.ID, m)
	}
	g.wg.Add(1)
	go g.read()
	if up != nil {
		g.wg.Add(1)
		go g.readN3()
	}
	return g, nil
}

// timeToWait reads the Time to Wait IE of an NG SETUP FAILURE (TS 38.413
// §9.2.6.3).
func timeToWait(t *ie.TimeToWait) time.Duration {
	if t == nil {
		return 0
	}
	waits := []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 20 * time.Second, 60 * time.Second}
	if v := int(t.Value); v >= 0 && v < len(waits) {
		return waits[v]
	}
	return 60 * time.Second
}

// Events delivers what the AMF initiates after NG Setup; it is closed when
// the association ends. Events beyond its buffer are dropped.
func (g *GNB) Events() <-chan Event { return g.events }

// Down is closed once the association has ended, by Close or from the
// AMF's side, and every UE connection on it was told it is released.
func (g *GNB) Down() <-chan struct{} { return g.done }

// ErrDown reports a UE connection opened on a gNB whose association has
// ended.
var ErrDown = errors.New("gnb: association down")

// Send sends a raw NGAP PDU on stream 0 (tests use it to misbehave).
func (g *GNB) Send(ctx context.Context, pdu []byte) error {
	return g.conn.Send(ctx, sctp.Message{Stream: 0, PPID: sctp.PPIDNGAP, Data: pdu})
}

// Conn is the gNB's association.
func (g *GNB) Conn() sctp.Conn { return g.conn }

// Close shuts the association down, closes the N3 socket and waits for
// the readers.
func (g *GNB) Close() error {
	err := g.conn.Close()
	if g.up != nil {
		g.up.conn.Close()
	}
	g.wg.Wait()
	return err
}

func (g *GNB) read() {
	defer g.wg.Done()
	defer close(g.done)
	defer close(g.events)
	defer g.releaseAll()
	ctx := context.Background()
	for {
		in, err := g.conn.Recv(ctx)
		if err != nil {
			if !errors.Is(err, sctp.ErrClosed) {
				g.log.Info("gnb: association down", "err", err)
			}
			return
		}
		m, err := ngap.Decode(in.Data)
		if err != nil {
			g.emit(Event{Procedure: "Undecodable", Cause: err.Error()})
			continue
		}
		if g.handleUE(ctx, m) {
			continue
		}
		switch x := m.(type) {
		case *message.NGReset:
			// TS 38.413 §8.7.4.2.1: release, then acknowledge.
			if b, err := ngap.Encode(&message.NGResetAcknowledge{}); err == nil {
				g.conn.Send(ctx, sctp.Message{Stream: 0, PPID: sctp.PPIDNGAP, Data: b})
			}
			g.emit(Event{Procedure: "NGReset", Cause: ngap.CauseString(x.Cause)})
		case *message.Paging:
			g.handlePaging(x)
		case *message.AMFStatusIndication:
			g.emit(Event{Procedure: "AMFStatusIndication"})
		case *message.AMFConfigurationUpdate:
			// TS 38.413 §8.7.3.2: take what changed (the simulator keeps
			// nothing of the AMF's configuration) and acknowledge.
			if b, err := ngap.Encode(&message.AMFConfigurationUpdateAcknowledge{}); err == nil {
				g.conn.Send(ctx, sctp.Message{Stream: 0, PPID: sctp.PPIDNGAP, Data: b})
			}
			g.emit(Event{Procedure: "AMFConfigurationUpdate"})
		case *message.ErrorIndication:
			g.emit(Event{Procedure: "ErrorIndication", Cause: ngap.CauseString(x.Cause)})
		case *message.RANConfigurationUpdateAcknowledge:
			g.emit(Event{Procedure: "RANConfigurationUpdateAcknowledge"})
		case *message.RANConfigurationUpdateFailure:
			g.emit(Event{Procedure: "RANConfigurationUpdateFailure", Cause: ngap.CauseString(x.Cause)})
		case *message.NGResetAcknowledge:
			g.emit(Event{Procedure: "NGResetAcknowledge"})
		case *message.NGSetupResponse:
			g.emit(Event{Procedure: "NGSetupResponse"})
		case *message.NGSetupFailure:
			g.emit(Event{Procedure: "NGSetupFailure", Cause: ngap.CauseString(x.Cause)})
		case *message.HandoverCancelAcknowledge:
			g.emit(Event{Procedure: "HandoverCancelAcknowledge"})
		default:
			g.emit(Event{Procedure: fmt.Sprintf("%T", m)})
		}
	}
}

func (g *GNB) emit(e Event) {
	select {
	case g.events <- e:
	default:
	}
}
