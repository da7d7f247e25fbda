package smf_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// overHTTP serves the world's SMF on an h2c server and returns an AMF's
// Nsmf_PDUSession client of it, with the AMF's callbacks on a server of
// their own; every exchange is validated against the Rel-17 documents.
func (w *world) overHTTP(t *testing.T) sbi.NsmfPDUSession {
	t.Helper()
	v := openapitest.New(t)
	mw := []func(http.Handler) http.Handler{v.Middleware}
	smfSrv, amfSrv := sbihttp.NewServer(sbihttp.ServerConfig{Middleware: mw}), sbihttp.NewServer(sbihttp.ServerConfig{Middleware: mw})
	var roots []string
	for _, s := range []*sbihttp.Server{smfSrv, amfSrv} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		roots = append(roots, "http://"+ln.Addr().String())
		defer s.Start(ln)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			s.Stop(ctx)
		})
	}
	transport := v.Transport(sbihttp.NewTransport(nil))
	sbihttp.ServeNsmf(smfSrv, w.smf, sbihttp.NewClient(sbihttp.ClientConfig{Transport: transport}))
	cb := sbihttp.NewCallbacks(amfSrv, roots[1])
	t.Cleanup(func() {
		if v.Count() == 0 {
			t.Error("the OpenAPI oracle saw no exchange")
		}
	})
	c := sbihttp.NewClient(sbihttp.ClientConfig{Transport: transport, Resolver: sbihttp.StaticResolver{sbihttp.NsmfService: {roots[0]}}})
	return sbihttp.NewNsmfClient(c, cb, sbihttp.Consumer{NFInstanceID: "4f2b7c1e-8d3a-4e5f-9a6b-0c1d2e3f4a5b", PLMN: ident.PLMN{MCC: "001", MNC: "01"}})
}

// TestSMFOverHTTP: the SMF's PDU session lifecycle as an AMF in another
// process drives it over HTTP/2 — establishment (accept and N2 setup
// request as multipart parts), the gNB's setup response, a UE-requested
// release (release command with the N2 release command), its completion
// told by SMContextStatusNotify (Released), a refused establishment with
// its reject, an unknown context — with the answers the SMF gives in one
// process (TS 29.502 §5.2.2.2-§5.2.2.5; TS 23.502 §4.3.2.2.1, §4.3.4.2).
func TestSMFOverHTTP(t *testing.T) {
	w := newWorld(t, worldOptions{})
	s := w.overHTTP(t)
	ctx := context.Background()

	c, err := s.CreateSMContext(ctx, sbi.SmContextCreateData{Supi: supi1, PduSessionID: 3, Dnn: "internet", SNssai: slice1,
		N1SmMsg: sbi.N1SM(request(3, 7, sm.PDUTypeIPv4, sm.SSCMode1, false))})
	if err != nil {
		t.Fatalf("CreateSMContext: %v", err)
	}
	accept, err := sm.ParseEstablishmentAccept(c.N1SmMsg.Bytes())
	if err != nil || accept.PDUSessionID != 3 || accept.PTI != 7 || accept.AMBRDownlink != 300_000_000 {
		t.Errorf("accept = %+v, %v", accept, err)
	}
	if _, err := ngap.DecodeSetupRequestTransfer(c.N2SmInfo.Bytes()); err != nil || c.N2SmInfoType != sbi.N2SetupRequest {
		t.Errorf("N2 SM information %v: %v", c.N2SmInfoType, err)
	}
	if u, err := s.UpdateSMContext(ctx, c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(t, 0xabc))}); err != nil || u.Released {
		t.Fatalf("setup response: %+v, %v", u, err)
	}
	if info, _ := w.session(supi1, 3); info.State != "active" || info.DLTEID != 0xabc {
		t.Errorf("session %+v, want active with the gNB's TEID", info)
	}

	u, err := s.UpdateSMContext(ctx, c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendReleaseRequest(nil, 3, 9, sm.CauseRegularDeactivation))})
	if want := sm.ReleaseCommand(nil, 3, 9, sm.CauseRegularDeactivation); err != nil || string(u.N1SmMsg.Bytes()) != string(want) || u.N2SmInfoType != sbi.N2ReleaseCommand || u.Released {
		t.Fatalf("release request: %+v, %v; want the release command and an N2 release command", u, err)
	}
	if _, err := ngap.DecodeReleaseCommandTransfer(u.N2SmInfo.Bytes()); err != nil {
		t.Errorf("N2 release command: %v", err)
	}
	rr, _ := ngap.ReleaseResponseTransfer{}.Encode()
	if u, err := s.UpdateSMContext(ctx, c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2ReleaseResponse, N2SmInfo: sbi.N2SM(rr)}); err != nil || u.Released || u.N1SmMsg != nil {
		t.Errorf("release response: %+v, %v; want nothing", u, err)
	}
	if u, err := s.UpdateSMContext(ctx, c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendReleaseComplete(nil, 3, 9, 0))}); err != nil || !u.Released {
		t.Errorf("release complete: %+v, %v; want Released", u, err)
	}
	if _, err := s.UpdateSMContext(ctx, c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated}); !errors.Is(err, sbi.ErrSMContextNotFound) {
		t.Errorf("update after the release = %v, want ErrSMContextNotFound", err)
	}

	_, err = s.CreateSMContext(ctx, sbi.SmContextCreateData{Supi: supi1, PduSessionID: 4, Dnn: "nothing", SNssai: slice1,
		N1SmMsg: sbi.N1SM(request(4, 2, sm.PDUTypeIPv4, sm.SSCMode1, false))})
	var refused *sbi.SmContextCreateError
	if !errors.As(err, &refused) || refused.Err.Status != 403 || refused.Err.Cause != "DNN_NOT_SUPPORTED" {
		t.Fatalf("CreateSMContext(unknown DNN) = %v, want 403 DNN_NOT_SUPPORTED", err)
	}
	if want := sm.EstablishmentReject(nil, 4, 2, sm.CauseMissingOrUnknownDNN); string(refused.N1SmMsg.Bytes()) != string(want) {
		t.Errorf("reject = %x, want %x", refused.N1SmMsg.Bytes(), want)
	}
}

// TestPeersOverHTTP: the SMF reaches its PCF and its AMF over HTTP/2 and
// is reached by their notifications at its callbacks: the policy
// association is created at the PCF, the PCF's UpdateNotify after a
// subscription change has the SMF send the PDU SESSION MODIFICATION
// COMMAND and the Modify Request Transfer through N1N2MessageTransfer,
// and the AMF's failure notification (paging failed) ends the
// modification as unreachable (TS 29.512 §4.2.3.2, TS 29.518
// §5.2.2.3.1, TS 23.502 §4.3.3.2).
func TestPeersOverHTTP(t *testing.T) {
	v := openapitest.New(t)
	mw := []func(http.Handler) http.Handler{v.Middleware}
	peers, own := sbihttp.NewServer(sbihttp.ServerConfig{Middleware: mw}), sbihttp.NewServer(sbihttp.ServerConfig{Middleware: mw})
	var lns []net.Listener
	var roots []string
	for range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns, roots = append(lns, ln), append(roots, "http://"+ln.Addr().String())
	}
	transport := v.Transport(sbihttp.NewTransport(nil))
	client := sbihttp.NewClient(sbihttp.ClientConfig{Transport: transport, Timeout: 5 * time.Second,
		Resolver: sbihttp.StaticResolver{sbihttp.NpcfService: {roots[0]}, sbihttp.NamfService: {roots[0]}}})
	cb := sbihttp.NewCallbacks(own, roots[1])
	w := newWorld(t, worldOptions{pcfVia: func(*pcf.PCF) sbi.NpcfSMPolicyControl { return sbihttp.NewNpcfClient(client, cb) }})
	notifier := sbihttp.NewClient(sbihttp.ClientConfig{Transport: transport, Timeout: 5 * time.Second})
	npcf := sbihttp.NewNpcfServer(notifier)
	npcf.Serve(peers, w.pcf)
	w.pcf.SetNotifier(npcf)
	sbihttp.ServeNamf(peers, w.amf, notifier)
	cb.SetPolicyNotifier(w.smf)
	cb.SetN1N2Notifier(w.smf)
	w.smf.SetAMF(sbihttp.NewNamfClient(client, cb))
	for i, s := range []*sbihttp.Server{peers, own} {
		s.Start(lns[i])
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			s.Stop(ctx)
		})
	}

	w.activeSession()
	w.setAMBR(supi1, 50_000_000, 200_000_000)
	w.pcf.SubscriptionDataChanged(t.Context(), supi1)
	w.wantTrace("update qer 1 mbr 200000000/50000000")
	calls := w.amf.taken()
	if len(calls) != 1 || calls[0].supi != supi1 || calls[0].n2Type != sbi.N2ModifyRequest || calls[0].notify == nil {
		t.Fatalf("N1N2 transfers %+v, want one Modify Request Transfer for %s with a failure notifier", calls, supi1)
	}
	cmd, err := sm.ParseModificationCommand(calls[0].n1)
	if err != nil || cmd.PTI != sm.NoPTI || !cmd.HasAMBR || cmd.AMBRDownlink != 200_000_000 || cmd.AMBRUplink != 50_000_000 {
		t.Errorf("command %+v, %v, want the new Session-AMBR without PTI", cmd, err)
	}
	if x, err := ngap.DecodeModifyRequestTransfer(calls[0].n2); err != nil || x.AMBRDownlink != 200_000_000 {
		t.Errorf("Modify Request Transfer %+v, %v, want the new AMBR", x, err)
	}
	// The UE could not be paged: the AMF's notification reaches the SMF.
	calls[0].notify.N1N2TransferFailed(t.Context(), supi1, calls[0].psi, sbi.N1N2UENotResponding)
	w.waitFor("the modification to end unreachable", func() bool { return w.modifications("network", "unreachable") == 1 })
	if v.Count() == 0 {
		t.Error("the OpenAPI oracle saw no exchange")
	}
}
