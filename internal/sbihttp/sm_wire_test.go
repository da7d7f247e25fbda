package sbihttp_test

import (
	"context"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/pcaptest"
	"github.com/keelcore/keel/internal/tsharktest"
)

// wireSMF answers a creation with a real PDU SESSION ESTABLISHMENT
// REJECT, so that the N1 part on the wire is a whole 5GSM message.
type wireSMF struct{ scriptedSMF }

func (w *wireSMF) CreateSMContext(ctx context.Context, req sbi.SmContextCreateData) (sbi.SmContextCreatedData, error) {
	return sbi.SmContextCreatedData{}, &sbi.SmContextCreateError{Err: sbi.ProblemDetails{Status: 403, Cause: "DNN_NOT_SUPPORTED"},
		N1SmMsg: sbi.N1SM(sm.EstablishmentReject(nil, req.PduSessionID, 1, sm.CauseMissingOrUnknownDNN))}
}

// TestSMOnTheWire: tshark decodes the session management exchanges over
// h2c, multipart/related bodies with 5GSM and NGAP parts included, with
// no malformed or erroneous frame, and sees each binary part with its
// media type and Content-ID (TS 29.500 §6.1.2.4).
func TestSMOnTheWire(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := pcaptest.Listen(ln)
	srv := sbihttp.NewServer(sbihttp.ServerConfig{})
	c := sbihttp.NewClient(sbihttp.ClientConfig{})
	sbihttp.ServeNsmf(srv, &wireSMF{}, c)
	sbihttp.ServeNamf(srv, &scriptedAMF{}, c)
	cb := sbihttp.NewCallbacks(srv, "http://"+ln.Addr().String())
	srv.Start(rec)
	root := "http://" + ln.Addr().String()
	client := sbihttp.NewClient(sbihttp.ClientConfig{Resolver: sbihttp.StaticResolver{sbihttp.NsmfService: {root}, sbihttp.NamfService: {root}}})
	ctx := context.Background()

	smf := sbihttp.NewNsmfClient(client, cb, sbihttp.Consumer{NFInstanceID: "1a3b8b9e-1b9f-4f3e-8f6a-2b1c0d9e8f7a", PLMN: ident.PLMN{MCC: "001", MNC: "01"}})
	req := sm.AppendEstablishmentRequest(nil, sm.EstablishmentRequest{Header: sm.Header{PDUSessionID: 5, PTI: 1}, PDUType: sm.PDUTypeIPv4, SSCMode: sm.SSCMode1})
	if _, err := smf.CreateSMContext(ctx, sbi.SmContextCreateData{Supi: supi, PduSessionID: 5, Dnn: "nothing", SNssai: ident.SNSSAI{SST: 1}, N1SmMsg: sbi.N1SM(req)}); err == nil {
		t.Fatal("CreateSMContext accepted; want the refusal")
	}
	n2, err := ngap.ReleaseCommandTransfer{Cause: ngap.NASCause(0)}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	amf := sbihttp.NewNamfClient(client, cb)
	if _, err := amf.N1N2MessageTransfer(ctx, supi, sbi.NewN1N2Transfer(5, sm.ReleaseCommand(nil, 5, 0, sm.CauseRegularDeactivation), sbi.NgapPduResRelCmd, n2)); err != nil {
		t.Fatal(err)
	}
	client.CloseIdle()
	stopCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := srv.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}

	pcap := filepath.Join(t.TempDir(), "sm.pcap")
	if err := rec.WritePcap(pcap); err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	run := tsharktest.Runner(t, pcap, "-d", "tcp.port=="+port+",http2", "-o", "tcp.check_checksum:TRUE")
	tsharktest.CheckClean(t, run, "tcp.checksum.status==0 || ip.checksum.status==0 || tcp.analysis.flags")
	// A request's HEADERS and DATA frames may travel in separate TCP
	// segments, so the paths and the bodies are read apart, each in
	// the order they were sent.
	paths := run("-Y", "http2.headers.path", "-T", "fields", "-e", "http2.headers.path")
	wantPaths := []string{"/nsmf-pdusession/v1/sm-contexts", "/namf-comm/v1/ue-contexts/" + supi + "/n1-n2-messages"}
	if got := strings.Fields(paths); strings.Join(got, "\n") != strings.Join(wantPaths, "\n") {
		t.Errorf("tshark's request paths:\n%s\nwant:\n%s", paths, strings.Join(wantPaths, "\n"))
	}
	out := run("-Y", "mime_multipart", "-T", "fields", "-E", "occurrence=a", "-E", "separator=|",
		"-e", "mime_multipart.header.content-type", "-e", "mime_multipart.header.content-id")
	want := []string{
		"application/json,application/vnd.3gpp.5gnas|n1SmMsg",
		"application/json,application/vnd.3gpp.5gnas|n1SmMsg",
		"application/json,application/vnd.3gpp.5gnas,application/vnd.3gpp.ngap|n1Message,n2Info",
	}
	if strings.Join(strings.Fields(out), "\n") != strings.Join(want, "\n") {
		t.Errorf("tshark's multipart bodies:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}
	if status := run("-Y", "http2.headers.status", "-T", "fields", "-e", "http2.headers.status"); !strings.Contains(status, "403") {
		t.Errorf("tshark's answer statuses: %q, want the 403 of the refusal", status)
	}
	if nas := run("-Y", "nas_5gs.sm.message_type", "-T", "fields", "-e", "nas_5gs.sm.message_type"); strings.Join(strings.Fields(nas), ",") != "0xc1,0xc3,0xd3" {
		t.Errorf("tshark's 5GSM messages in the parts: %q, want the request, the reject and the release command", nas)
	}
}
