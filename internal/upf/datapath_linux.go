package upf

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"golang.zx2c4.com/wireguard/tun"

	"github.com/keelcore/keel/internal/gtpu"
)

// n3Batch is how many datagrams the N3 reader takes per recvmmsg, and
// the most T-PDUs it hands the TUN device at once.
const n3Batch = 128

// tunDatapath is the Datapath over a TUN device (N6) and a UDP socket
// (N3), in user space.
//
// # Concurrency
//
// NewDatapath starts four goroutines; Close stops them (closing the
// socket and the device wakes the readers) and waits for all four.
//
//   - The N3 reader takes a batch of datagrams from the socket
//     (recvmmsg), processes each (uplinkWorker), answers Echo Requests
//     and sends Error Indications at once, and writes the batch of
//     T-PDUs to the device in one call, which coalesces the T-PDUs of a
//     flow (GRO) into one write.
//   - The TUN reader takes a batch of packets from the device (one read;
//     the tun package splits a GSO packet into its segments), processes
//     each (downlinkWorker), which writes the G-PDU header in place, and
//     sends the batch on the socket (sendmmsg), waiting when the socket's
//     buffer is full.
//   - The reporter calls the function given to SetReporter for the URRs
//     the readers queue when they cross their threshold, and the one
//     given to SetDownlinkNotifier for the first packet of a buffering
//     period (tables_buffer.go), which the TUN reader queues without
//     waiting.
//   - The event drain consumes the tun package's link events, which the
//     package would otherwise block on.
//
// Each reader owns its buffers, allocated once; a buffer is reused as
// soon as its batch is written, so nothing on the packet path allocates
// or takes a lock, and nothing logs but rate-limited I/O errors. The
// readers share only the tables (lock-free reads, see cowTable), the
// URR counters and MBR policers (atomic), and the socket. Apply, Delete
// and Usage take tables.mu, which the packet path never does.
//
// A session's first Router Advertisement is sent by the Apply that
// makes its downlink FAR forward, from the caller's goroutine under
// tables.mu; one answering a Router Solicitation by the N3 reader, like
// an Echo Response.
//
// The one exception is a downlink packet whose FAR buffers: the TUN
// reader copies it into a pooled buffer under its session's own lock,
// and the Apply that makes the FAR forward sends it from the caller's
// goroutine (tables_buffer.go). Lock order: tables.mu, then a session's
// dlBuffer.mu.
type tunDatapath struct {
	log   *slog.Logger
	m     *datapathMetrics
	t     *tables
	n3    *n3Socket
	dev   tun.Device
	batch int // packets per TUN read
	epoch time.Time

	reporter atomic.Pointer[func(seid uint64, u Usage)]
	notifier atomic.Pointer[func(seid uint64, d DownlinkData)]

	done      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// NewDatapath creates the TUN device and the N3 socket and starts the
// datapath's goroutines. It needs CAP_NET_ADMIN.
func NewDatapath(opts DatapathOptions) (Datapath, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	t := newTables(o.N3.Addr().Is6())
	m, err := newDatapathMetrics(o.Registry, func() float64 { return float64(t.count()) }, func() float64 { return float64(t.buffered.Load()) })
	if err != nil {
		return nil, fmt.Errorf("upf: datapath metrics: %w", err)
	}
	dev, err := openTUN(o.TUN, o.MTU, o.Gateways)
	if err != nil {
		return nil, err
	}
	n3, err := listenN3(o.N3)
	if err != nil {
		dev.Close()
		return nil, err
	}
	t.m = m
	t.limits = o.Buffer
	t.sendDL = func(gpdu []byte, to netip.AddrPort) {
		// Apply's goroutine, outside the packet path.
		if err := n3.sendTo(gpdu, to); err != nil {
			m.n3Errors.Inc()
		}
	}
	d := &tunDatapath{
		log: o.Logger, m: m, t: t, n3: n3, dev: dev,
		batch: max(dev.BatchSize(), 1),
		epoch: time.Now(),
		done:  make(chan struct{}),
	}
	t.now = d.now
	d.wg.Go(d.readN3)
	d.wg.Go(d.readTUN)
	d.wg.Go(d.runReports)
	d.wg.Go(func() {
		for range dev.Events() {
		}
	})
	name, _ := dev.Name()
	d.log.Info("upf datapath started", "n3", n3.localAddr(), "tun", name, "mtu", o.MTU,
		"gateways", o.Gateways, "tun_batch", d.batch)
	return d, nil
}

// now is the packet path's clock: monotonic nanoseconds.
func (d *tunDatapath) now() int64 { return int64(time.Since(d.epoch)) }

// backOff waits a little after a failed read, so that a lasting failure
// (a device set down) does not spin; it tells whether to stop.
func (d *tunDatapath) backOff() bool {
	select {
	case <-d.done:
		return true
	case <-time.After(10 * time.Millisecond):
		return false
	}
}

func (d *tunDatapath) closing() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// errLog logs a reader's I/O errors at most once a second.
type errLog struct {
	log  *slog.Logger
	last time.Time
}

func (l *errLog) error(msg string, err error) {
	if now := time.Now(); now.Sub(l.last) >= time.Second {
		l.last = now
		l.log.Warn(msg, "err", err)
	}
}

func (d *tunDatapath) readN3() {
	b := d.n3.newRecvBatch(n3Batch)
	w := newUplinkWorker(d.t, d.n3.localAddr().Addr(), n3Batch)
	el := errLog{log: d.log}
	for {
		n, err := d.n3.recv(b)
		if err != nil {
			if d.closing() {
				return
			}
			w.stats.n3Errors++
			el.error("upf: N3 receive", err)
			if d.m.flush(uplink, &w.stats); d.backOff() {
				return
			}
			continue
		}
		now := d.now()
		w.out = w.out[:0]
		for i := range n {
			raw, size, src := b.message(i)
			switch w.handle(raw, size, now) {
			case n3Reply:
				// TS 29.281 §4.4.2.2: back to the request's address and port.
				if err := d.n3.sendTo(w.reply, src); err != nil {
					w.stats.n3Errors++
				}
			case n3Downlink:
				if err := d.n3.sendTo(w.reply, w.replyTo); err != nil {
					w.stats.n3Errors++
				}
			case n3UnknownTEID:
				// TS 29.281 §4.4.2.4: to the sender's address, port 2152.
				if w.errorIndication(b.dst(i), now) {
					if err := d.n3.sendTo(w.reply, netip.AddrPortFrom(src.Addr(), gtpu.Port)); err != nil {
						w.stats.n3Errors++
					}
				}
			}
		}
		if len(w.out) > 0 {
			if _, err := d.dev.Write(w.out, tunWriteOffset); err != nil {
				if d.closing() {
					return
				}
				w.stats.n6Errors++
				el.error("upf: N6 write", err)
			}
		}
		d.m.flush(uplink, &w.stats)
	}
}

func (d *tunDatapath) readTUN() {
	bufs := make([][]byte, d.batch)
	sizes := make([]int, d.batch)
	for i := range bufs {
		bufs[i] = make([]byte, tunBufSize)
	}
	out := d.n3.newSendBatch(d.batch)
	w := &downlinkWorker{t: d.t}
	el := errLog{log: d.log}
	for {
		n, err := d.dev.Read(bufs, sizes, tunReadOffset)
		if err != nil {
			if d.closing() {
				return
			}
			w.stats.n6Errors++
			el.error("upf: N6 read", err)
			if n == 0 {
				if d.m.flush(downlink, &w.stats); d.backOff() {
					return
				}
				continue
			}
		}
		// The batch in hand, until it is sent (tables.sendEndMarkers).
		d.t.dlPhase.Add(1)
		now := d.now()
		for i := range n {
			if to, ok := w.handle(bufs[i], sizes[i], now); ok {
				out.add(bufs[i][tunReadOffset-gtpu.HeaderLen:tunReadOffset+sizes[i]], to)
			}
		}
		if out.n > 0 {
			failed, err := d.n3.flush(out)
			w.stats.n3Errors += uint64(failed)
			if err != nil && !errors.Is(err, net.ErrClosed) {
				el.error("upf: N3 send", err)
			}
		}
		d.t.dlPhase.Add(1)
		d.m.flush(downlink, &w.stats)
	}
}

func (d *tunDatapath) runReports() {
	for {
		select {
		case <-d.t.reports.wake:
		case e := <-d.t.downlink:
			if f := d.notifier.Load(); f != nil {
				(*f)(e.seid, e.d)
			}
			continue
		case <-d.done:
			return
		}
		d.t.reports.drain(func(u *urrCounter) {
			if f := d.reporter.Load(); f != nil {
				(*f)(u.seid, u.usage())
			}
		})
	}
}

func (d *tunDatapath) Apply(seid uint64, r Rules) error {
	if d.closing() {
		return fmt.Errorf("upf: datapath: %w", net.ErrClosed)
	}
	return d.t.apply(seid, r)
}

func (d *tunDatapath) Delete(seid uint64) ([]Usage, error) {
	rules, err := d.t.remove(seid)
	if err != nil || rules == nil {
		return nil, err
	}
	return rules.usage(), nil
}

func (d *tunDatapath) Usage(seid uint64) ([]Usage, error) {
	rules, err := d.t.rules(seid)
	if err != nil || rules == nil {
		return nil, err
	}
	return rules.usage(), nil
}

func (d *tunDatapath) SetReporter(f func(seid uint64, u Usage)) {
	if f == nil {
		d.reporter.Store(nil)
		return
	}
	d.reporter.Store(&f)
}

func (d *tunDatapath) SetDownlinkNotifier(f func(seid uint64, dd DownlinkData)) {
	if f == nil {
		d.notifier.Store(nil)
		return
	}
	d.notifier.Store(&f)
}

func (d *tunDatapath) DropBuffered(seid uint64) (int, error) {
	return d.t.dropBufferedSession(seid)
}

func (d *tunDatapath) N3Addr() netip.AddrPort { return d.n3.localAddr() }

func (d *tunDatapath) Close() error {
	d.closeOnce.Do(func() {
		close(d.done)
		d.closeErr = errors.Join(d.n3.close(), d.dev.Close())
		d.wg.Wait()
		d.log.Info("upf datapath stopped")
	})
	return d.closeErr
}
