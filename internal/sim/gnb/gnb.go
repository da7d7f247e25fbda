// Package gnb is the gNB side of Keel's simulator: it opens N2
// associations to one AMF or to several of an AMF set, runs NG Setup with
// each (TS 38.413 §8.7.1) and learns what each serves (Served GUAMI List
// with backup AMF names, Relative AMF Capacity), answers the
// AMF-initiated non-UE-associated procedures (NG Reset, AMF Status
// Indication, AMF Configuration Update, Error Indication), and carries
// simulated UEs' NAS over UE-associated connections (Initial UE Message,
// Uplink and Downlink NAS Transport, Initial Context Setup with its PDU
// sessions, UE Context Release). An Initial UE Message goes to the AMF
// selected for the UE (select.go: by 5G-S-TMSI, the backup AMF, the AMF
// set, relative capacity; TS 23.501 §6.3.5). An association that ends
// releases its UE connections locally and, with Config.Reconnect, is set
// up again after a back-off (amf.go). It passes Paging (§8.5.1) on to the
// idle UEs that camp on it (WatchPaging), by 5G-S-TMSI. With an N3
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
// Connect returns a GNB with one goroutine per AMF, which reads the
// AMF's association and, with Config.Reconnect, sets up the next one
// after it ended, until Close; and, with an N3 address, an N3 reader
// goroutine that runs until Close. Close cancels them all and joins
// them. Events and the GNB's methods are safe for concurrent use.
package gnb

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/free5gc/ngap/ie"

	"github.com/keelcore/keel/internal/ident"
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
	// Reconnect sets up an association again once it ended; zero: the
	// association stays down.
	Reconnect Backoff
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
	// answer to a message sent with Send. A gNB that stays up when an
	// association ends (it has another AMF, or Reconnect) also tells
	// "AMFLost" (Cause: why) and, once set up again, "AMFSetUp".
	Procedure string
	Cause     string
	// AMF names the AMF the event came from, when the gNB knows (AMF
	// Status Indication, AMF Configuration Update, AMFLost, AMFSetUp).
	AMF string
}

// GNB is a connected, set-up gNB.
type GNB struct {
	cfg Config
	tr  sctp.Transport
	log *slog.Logger
	// AMFName is what the first AMF's NG Setup Response announced.
	AMFName string

	// ctx is cancelled by Close: it ends reconnections.
	ctx    context.Context
	cancel context.CancelFunc
	amfs   amfTable
	// running counts the AMF goroutines (run); the last to return closes
	// events and done.
	running atomic.Int32

	events chan Event
	done   chan struct{}  // closed when every AMF goroutine has returned
	wg     sync.WaitGroup // the AMF goroutines and the N3 reader
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
	return ConnectAMFs(ctx, tr, []netip.AddrPort{amf}, cfg, log)
}

// ConnectAMFs is Connect to several AMFs, an AMF set (TS 23.501 §5.21):
// the gNB sets up an association with each, in order. Without
// cfg.Reconnect every NG Setup must succeed; with it, one is enough and
// the gNB keeps trying the others in the background.
func ConnectAMFs(ctx context.Context, tr sctp.Transport, amfs []netip.AddrPort, cfg Config, log *slog.Logger) (*GNB, error) {
	var up *userPlane
	if cfg.N3.IsValid() {
		var err error
		if up, err = listenN3(netip.AddrPortFrom(cfg.N3, gtpuPort), gtpuPort); err != nil {
			return nil, err
		}
	}
	g, err := connect(ctx, tr, amfs, cfg, log, up)
	if err != nil && up != nil {
		up.conn.Close()
	}
	return g, err
}

// connect is ConnectAMFs with the user plane already open (tests give
// one on ports of their own).
func connect(ctx context.Context, tr sctp.Transport, amfs []netip.AddrPort, cfg Config, log *slog.Logger, up *userPlane) (*GNB, error) {
	if len(amfs) == 0 {
		return nil, errors.New("gnb: no AMF address")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := &GNB{cfg: cfg, tr: tr, log: log.With("gnb_id", cfg.ID.String()), events: make(chan Event, 16), done: make(chan struct{}), up: up}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	g.ues.byRAN = map[int64]*UEConn{}
	g.bearers.byTEID = map[uint32]*bearer{}
	g.amfs.backups = map[ident.GUAMI]string{}
	g.amfs.unavailable = map[ident.GUAMI]bool{}
	first := make([]*assoc, len(amfs))
	var firstErr error
	for i, addr := range amfs {
		p := &amfPeer{addr: addr}
		g.amfs.peers = append(g.amfs.peers, p)
		a, info, err := g.setUp(ctx, p)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			if cfg.Reconnect.Initial <= 0 {
				break
			}
			continue
		}
		g.install(a, info)
		first[i] = a
		if g.AMFName == "" {
			g.AMFName = info.Name
		}
	}
	if firstErr != nil && (cfg.Reconnect.Initial <= 0 || g.AMFName == "") {
		for _, a := range first {
			if a != nil {
				a.conn.Abort()
			}
		}
		g.cancel()
		return nil, firstErr
	}
	g.running.Store(int32(len(amfs)))
	for i, p := range g.amfs.peers {
		g.wg.Add(1)
		go g.run(p, first[i])
	}
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

// Events delivers what the AMFs initiate after NG Setup; it is closed
// with Down. Events beyond its buffer are dropped.
func (g *GNB) Events() <-chan Event { return g.events }

// Down is closed once the gNB has no association and sets none up: after
// Close, or when every association has ended without Config.Reconnect;
// every UE connection was then told it is released.
func (g *GNB) Down() <-chan struct{} { return g.done }

// ErrDown reports a UE connection opened on a gNB with no association
// up, or one whose association ended.
var ErrDown = errors.New("gnb: association down")

// Send sends a raw NGAP PDU on stream 0 of the first AMF's association
// (tests use it to misbehave).
func (g *GNB) Send(ctx context.Context, pdu []byte) error {
	return g.Conn().Send(ctx, sctp.Message{Stream: 0, PPID: sctp.PPIDNGAP, Data: pdu})
}

// Conn is the latest association of the first AMF that had one.
func (g *GNB) Conn() sctp.Conn {
	g.amfs.mu.Lock()
	defer g.amfs.mu.Unlock()
	for _, p := range g.amfs.peers {
		if p.last != nil {
			return p.last.conn
		}
	}
	return nil
}

// Close shuts the associations down, stops reconnecting, closes the N3
// socket and waits for the goroutines.
func (g *GNB) Close() error {
	g.cancel()
	g.amfs.mu.Lock()
	g.amfs.closed = true
	var conns []sctp.Conn
	for _, p := range g.amfs.peers {
		if p.last != nil {
			conns = append(conns, p.last.conn)
		}
	}
	g.amfs.mu.Unlock()
	var err error
	for _, c := range conns {
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}
	if g.up != nil {
		g.up.conn.Close()
	}
	g.wg.Wait()
	return err
}

func (g *GNB) emit(e Event) {
	select {
	case g.events <- e:
	default:
	}
}
