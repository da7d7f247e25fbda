// Package gnb is the gNB side of Keel's simulator: it opens an N2
// association to an AMF, runs NG Setup (TS 38.413 §8.7.1), answers the
// AMF-initiated non-UE-associated procedures (NG Reset, AMF Status
// Indication, Error Indication), and carries simulated UEs' NAS over
// UE-associated connections (Initial UE Message, Uplink and Downlink NAS
// Transport, Initial Context Setup, UE Context Release).
//
// # Concurrency
//
// Connect returns a GNB whose reader goroutine runs until Close or until
// the association goes down; Close joins it. Events and the GNB's methods
// are safe for concurrent use.
package gnb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"

	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sctp"
)

// Config describes one simulated gNB.
type Config struct {
	ID   ngap.RANNodeID
	Name string
	TAs  []ngap.TA
}

// SetupError is an NG Setup the AMF refused.
type SetupError struct {
	Cause string
}

func (e *SetupError) Error() string { return "gnb: NG Setup refused, cause " + e.Cause }

// Event is something the AMF did after NG Setup.
type Event struct {
	// Procedure is "NGReset", "AMFStatusIndication" or "ErrorIndication".
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
	done   chan struct{}
	wg     sync.WaitGroup
	ues    ueTable
}

// Connect dials the AMF and runs NG Setup.
func Connect(ctx context.Context, tr sctp.Transport, amf netip.AddrPort, cfg Config, log *slog.Logger) (*GNB, error) {
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
	g := &GNB{cfg: cfg, conn: conn, log: log.With("gnb_id", cfg.ID.String()), events: make(chan Event, 16), done: make(chan struct{})}
	g.ues.byRAN = map[int64]*UEConn{}
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
		return nil, &SetupError{Cause: ngap.CauseString(resp.Cause)}
	case *message.ErrorIndication:
		conn.Close()
		return nil, &SetupError{Cause: ngap.CauseString(resp.Cause)}
	default:
		conn.Abort()
		return nil, fmt.Errorf("gnb %s: NG Setup answered with %T", cfg.ID, m)
	}
	g.wg.Add(1)
	go g.read()
	return g, nil
}

// Events delivers what the AMF initiates after NG Setup; it is closed when
// the association ends. Events beyond its buffer are dropped.
func (g *GNB) Events() <-chan Event { return g.events }

// Send sends a raw NGAP PDU on stream 0 (tests use it to misbehave).
func (g *GNB) Send(ctx context.Context, pdu []byte) error {
	return g.conn.Send(ctx, sctp.Message{Stream: 0, PPID: sctp.PPIDNGAP, Data: pdu})
}

// Conn is the gNB's association.
func (g *GNB) Conn() sctp.Conn { return g.conn }

// Close shuts the association down and waits for the reader.
func (g *GNB) Close() error {
	err := g.conn.Close()
	g.wg.Wait()
	return err
}

func (g *GNB) read() {
	defer g.wg.Done()
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
		case *message.AMFStatusIndication:
			g.emit(Event{Procedure: "AMFStatusIndication"})
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
