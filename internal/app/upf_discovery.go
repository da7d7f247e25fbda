package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nrf/nfclient"
	"github.com/keelcore/keel/internal/nrf/nnrf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/smf"
)

// pfcpPort is the UDP port of PFCP requests (TS 29.244 §4.2.2): a UPF
// found at the NRF is reached there, at the address of its profile.
const pfcpPort = 8805

// maxUPFDiscoveryInterval bounds the period of the SMF's UPF discovery
// until its status subscription at the NRF is made.
const maxUPFDiscoveryInterval = 5 * time.Second

// upfResyncInterval is the period of the SMF's UPF discovery once the
// NRF notifies it of the UPFs' changes: it makes up for a notification
// lost (the NRF sends each once, and drops those its queue has no room
// for).
const upfResyncInterval = time.Minute

// upfStatusPath is the path, below the process's callback service
// (sbihttp.CallbackService), where the NRF notifies the SMF of UPFs
// registered, changed and deregistered.
const upfStatusPath = "/nf-status/upf"

// upfWatch keeps a split SMF's UPFs in step with the UPFs registered at
// the NRF (TS 23.501 §6.3.3.2: the SMF may discover UPFs through the
// NRF; TS 29.510 §5.3.2.2 NFDiscovery with target-nf-type UPF): it asks
// the NRF, adds each UPF newly listed (smf.AddUPF: associated, then
// selected by the DNNs, slices and TAIs of its upfInfo, with the UE
// address pools of its ipv4AddressRanges) and retires each one no
// longer listed (smf.RetireUPF: no new session there; removed once it
// holds none). It asks when it starts, then whenever the NRF notifies a
// UPF registered, changed or deregistered: once the SMF's NRF client is
// registered the watch subscribes to the status of UPFs
// (NFStatusSubscribe with an nfType condition, TS 29.510 §5.2.2.5;
// NFStatusNotify to upfStatusPath, §5.2.2.6), and asks again every
// upfResyncInterval in case a notification was lost. Until the
// subscription is made it asks every interval (smf.n4.heartbeat_interval,
// at most 5 s), trying to subscribe each time. A failed discovery
// changes nothing. Only the UPFs it added are retired: a configured one
// stays whatever the NRF says.
//
// Concurrency: start runs one goroutine; stop cancels and joins it. It
// is the only user of known, the N4 addresses of the UPFs it added, and
// of refused. The notification handler, on the SBI server's goroutines,
// only nudges it through wake.
type upfWatch struct {
	disc  *nfclient.Client
	smf   *smf.SMF
	plmn  ident.PLMN
	every time.Duration
	// resync is the period once subscribed (upfResyncInterval).
	resync time.Duration
	// notifyURI is where the NRF notifies the watch (upfStatusPath on
	// the process's SBI); empty: no subscription, the watch polls.
	notifyURI string
	wake      chan struct{}
	log       *slog.Logger
	metrics   upfWatchMetrics

	known map[netip.AddrPort]bool
	// refused are the UPFs AddUPF refused, with its error: logged once.
	refused map[netip.AddrPort]string
	cancel  context.CancelFunc
	done    sync.WaitGroup
}

// upfWatchMetrics count the SMF's UPF discoveries by what asked for
// them, and the NRF's status notifications about UPFs.
type upfWatchMetrics struct {
	discoveries   *prometheus.CounterVec
	notifications *prometheus.CounterVec
}

func newUPFWatchMetrics(reg prometheus.Registerer) (upfWatchMetrics, error) {
	m := upfWatchMetrics{
		discoveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_smf_upf_discoveries_total",
			Help: "UPF discoveries at the NRF, by trigger: start, notification (an NFStatusNotify about a UPF), resync (the period; before the status subscription is made, every discovery).",
		}, []string{"trigger"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_smf_upf_status_notifications_total",
			Help: "NF status notifications about UPFs received from the NRF (TS 29.510 NFStatusNotify), by event.",
		}, []string{"event"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.discoveries, m.notifications} {
		if err := reg.Register(c); err != nil {
			return upfWatchMetrics{}, err
		}
	}
	return m, nil
}

// serve registers the watch's notification callback on srv, whose
// apiRoot is apiRoot, and sets notifyURI.
func (w *upfWatch) serve(srv *sbihttp.Server, apiRoot string) {
	svc := srv.Service(sbihttp.CallbackService, "v1")
	svc.Handle("POST "+upfStatusPath, w.handleNotify)
	w.notifyURI = sbihttp.ResourceURI(apiRoot, svc.Prefix()) + upfStatusPath
}

// handleNotify is NFStatusNotify (TS 29.510 §5.2.2.6) for the watch's
// subscription: it nudges the watch and answers 204. A notification
// about an NF of another type (the NRF filters them) is answered and
// ignored.
func (w *upfWatch) handleNotify(rw http.ResponseWriter, r *http.Request) error {
	var n nnrf.NotificationData
	if err := sbihttp.Decode(r, &n); err != nil {
		return err
	}
	if n.Event == "" || n.NFInstanceURI == "" {
		return sbihttp.InvalidParamError(sbi.ErrMandatoryIEMissing, "/event", "event and nfInstanceUri are mandatory")
	}
	if t, ok := n.NFProfile["nfType"].(string); ok && sbi.NFType(t) != sbi.NFTypeUPF {
		return sbihttp.NoContent(rw)
	}
	if n.Event == nnrf.EventRegistered || n.Event == nnrf.EventDeregistered || n.Event == nnrf.EventProfileChanged {
		w.metrics.notifications.WithLabelValues(n.Event).Inc()
	}
	select {
	case w.wake <- struct{}{}:
	default: // a discovery is due already
	}
	return sbihttp.NoContent(rw)
}

func (w *upfWatch) start() {
	if w == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	w.done.Go(func() {
		subscribed := false
		trigger := "start"
		for {
			if !subscribed {
				subscribed = w.subscribe(ctx)
			}
			w.metrics.discoveries.WithLabelValues(trigger).Inc()
			w.poll(ctx)
			wait := w.every
			if subscribed {
				wait = w.resync
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-w.wake:
				trigger = "notification"
			case <-t.C:
				trigger = "resync"
			}
			t.Stop()
		}
	})
}

// subscribe makes the watch's status subscription at the NRF once the
// SMF's NRF client is registered, and reports whether it is made. The
// client keeps it from then on (nfclient.Client.Subscribe).
func (w *upfWatch) subscribe(ctx context.Context) bool {
	if w.notifyURI == "" || !w.disc.Registered() {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, w.every)
	defer cancel()
	if err := w.disc.Subscribe(ctx, &nnrf.SubscrCond{NFType: sbi.NFTypeUPF}, w.notifyURI); err != nil {
		if ctx.Err() == nil {
			w.log.Warn("UPF status subscription at the NRF failed: discovering UPFs every interval meanwhile", "interval", w.every, "error", err)
		}
		return false
	}
	w.log.Info("subscribed to the UPFs' status at the NRF", "resync", w.resync)
	return true
}

func (w *upfWatch) stop() {
	if w == nil || w.cancel == nil {
		return
	}
	w.cancel()
	w.done.Wait()
}

// poll asks the NRF for the UPFs once and applies the answer.
func (w *upfWatch) poll(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, w.every)
	defer cancel()
	profiles, err := w.disc.DiscoverFresh(ctx, nnrf.Query{TargetNFType: sbi.NFTypeUPF})
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("UPF discovery at the NRF failed: the SMF's UPFs stay as they are", "error", err)
		}
		return
	}
	listed := map[netip.AddrPort]bool{}
	for i := range profiles {
		c, ok := upfConfigOf(&profiles[i], w.plmn)
		if !ok {
			continue
		}
		listed[c.N4] = true
		added, err := w.smf.AddUPF(c)
		switch {
		case err != nil:
			if w.refused[c.N4] != err.Error() {
				w.refused[c.N4] = err.Error()
				w.log.Warn("UPF registered at the NRF not used", "upf", c.Name, "n4", c.N4, "error", err)
			}
		case added:
			w.known[c.N4] = true
			w.log.Info("UPF registered at the NRF added", "upf", c.Name, "n4", c.N4)
		}
	}
	for addr := range w.known {
		if !listed[addr] && w.smf.RetireUPF(addr) {
			w.log.Info("UPF no longer registered at the NRF retired", "n4", addr)
		}
	}
}

// upfConfigOf reads a UPF's NF profile: its N4 address (the first of
// ipv4Addresses, on the PFCP port), and from upfInfo the DNNs per slice
// with their IPv4 pools, and its TAIs. A profile without an IPv4
// address or upfInfo is no UPF Keel can use.
func upfConfigOf(p *nnrf.Profile, plmn ident.PLMN) (smf.UPFConfig, bool) {
	if p.UPFInfo == nil || len(p.IPv4Addresses) == 0 {
		return smf.UPFConfig{}, false
	}
	ip, err := netip.ParseAddr(p.IPv4Addresses[0])
	if err != nil || !ip.Is4() || ip.IsUnspecified() {
		return smf.UPFConfig{}, false
	}
	c := smf.UPFConfig{Name: p.NFInstanceName, N4: netip.AddrPortFrom(ip, pfcpPort), TAIs: p.UPFInfo.TAIList}
	if c.Name == "keel-upf" {
		c.Name = "" // every Keel UPF's: its N4 address names it
	}
	for _, it := range p.UPFInfo.SNSSAIUPFInfoList {
		sn := it.SNSSAI.SNSSAI
		c.SNSSAIs = append(c.SNSSAIs, sn)
		for _, d := range it.DNNUPFInfoList {
			dc := smf.DNNConfig{Name: d.DNN, SNSSAI: &sn}
			for _, r := range d.IPv4AddressRanges {
				if pfx, err := r.Prefix(); err == nil {
					dc.IPv4Pool = pfx
					break
				}
			}
			c.DNNs = append(c.DNNs, dc)
		}
	}
	return c, len(c.DNNs) > 0
}

// upfSpec adds to a UPF's NF profile what the SMFs select it by: its N4
// address, the configured slices with the DNNs and their IPv4 pools,
// and its N3 address.
func upfSpec(s *nfclient.Spec, cfg config.Config, n3 netip.Addr) {
	s.N4 = cfg.N4.Address.Addr().Unmap()
	var dnns []nfclient.UPFDNN
	for _, d := range cfg.DNNs {
		u := nfclient.UPFDNN{Name: d.Name}
		if d.IPv4Pool.IsValid() {
			u.IPv4Pools = []netip.Prefix{d.IPv4Pool.Masked()}
		}
		dnns = append(dnns, u)
	}
	for _, sn := range s.SNSSAIs {
		s.UPFSlices = append(s.UPFSlices, nfclient.UPFSlice{SNSSAI: sn, DNNs: dnns})
	}
	if n3.Is4() && !n3.IsUnspecified() {
		s.N3 = []netip.Addr{n3}
	}
}

// upfRegistration is the NRF client of a UPF running alone, with sbi.nrf
// set: its NF profile (no services; its N4 address, upfInfo with the
// configured slices, DNNs and pools, its N3 address) registered at
// Start, kept by heartbeats and deregistered at Stop, for the SMFs to
// find it (upfWatch). nil without sbi.nrf, or when the UPF's N4 address
// is not one an SMF can reach from the profile (a specific IPv4 address
// on port 8805), which is logged.
func upfRegistration(cfg config.Config, n3 netip.Addr, reg prometheus.Registerer, log *slog.Logger) (*nfclient.Client, error) {
	if cfg.SBI.NRF == "" {
		return nil, nil
	}
	n4 := cfg.N4.Address
	if !n4.Addr().Unmap().Is4() || n4.Addr().IsUnspecified() || n4.Port() != pfcpPort {
		log.Warn("UPF not registered at the NRF: SMFs find a UPF there at a specific IPv4 address on port 8805 only", "component", "upf", "n4", n4.String())
		return nil, nil
	}
	p := profile(cfg, sbi.NFTypeUPF)
	spec := nfclient.Spec{InstanceID: p.InstanceID, Type: sbi.NFTypeUPF, Name: "keel-upf", PLMNs: []ident.PLMN{cfg.PLMN},
		SNSSAIs: p.SNSSAIs, Locality: p.Locality}
	upfSpec(&spec, cfg, n3)
	prof, err := nfclient.Profile(spec)
	if err != nil {
		return nil, fmt.Errorf("app: UPF profile: %w", err)
	}
	_, clientTLS, err := sbiTLS(cfg.SBI.TLS)
	if err != nil {
		return nil, err
	}
	return nfclient.New(nfclient.Options{
		NRF:       strings.TrimSuffix(cfg.SBI.NRF, "/"),
		Profile:   prof,
		Transport: sbihttp.NewTransport(clientTLS),
		Timeout:   cfg.SBI.Timeout,
		Logger:    log.With("component", "nrf-client"),
		Registry:  reg,
	})
}
