package sbihttp_test

import (
	"bytes"
	"mime"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/sbihttp"
)

// smServer is every session management operation and callback of
// Keel's bindings on one server, for the fuzz targets: the SMF and AMF
// scripted, the PCF real. It makes no outgoing call a fuzz input can
// wait on (no context is created, so no release is notified; the PCF
// notifies nobody).
func smServer(t testing.TB) http.Handler {
	srv := sbihttp.NewServer(sbihttp.ServerConfig{MaxBody: 64 << 10})
	c := sbihttp.NewClient(sbihttp.ClientConfig{})
	sbihttp.ServeNsmf(srv, &scriptedSMF{}, c)
	sbihttp.ServeNamf(srv, &scriptedAMF{}, c)
	p, err := pcf.New(pcf.Options{SDM: &subscriberSDM{}})
	if err != nil {
		t.Fatal(err)
	}
	sbihttp.NewNpcfServer(c).Serve(srv, p)
	cb := sbihttp.NewCallbacks(srv, "http://127.0.0.1:1")
	cb.SetN1N2Notifier(&failures{})
	cb.SetPolicyNotifier(&policyInbox{})
	return srv.Handler()
}

// fuzzOperation posts (content type, body) to path: whatever the input,
// the answer is a success or a 4xx ProblemDetails, never a fault or a
// panic (TS 29.500 §5.2.7.2).
func fuzzOperation(f *testing.F, path string) {
	h := smServer(f)
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q %q: answered %d %s", path, contentType, body, rec.Code, rec.Body)
		}
		// An error answer is a ProblemDetails, or an SmContextCreateError
		// (with the N1 SM message as a part) or SmContextUpdateError.
		if mt, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type")); rec.Code >= 400 &&
			mt != sbihttp.ContentProblem && mt != sbihttp.ContentJSON && mt != sbihttp.ContentMultipartRelated {
			t.Fatalf("%s: error answer %d of type %q", path, rec.Code, mt)
		}
	})
}

// The decode entry points of the session management servers, JSON and
// multipart/related (seed corpora in testdata/fuzz).
func FuzzNsmfCreate(f *testing.F) { fuzzOperation(f, "/nsmf-pdusession/v1/sm-contexts") }
func FuzzNsmfModify(f *testing.F) { fuzzOperation(f, "/nsmf-pdusession/v1/sm-contexts/ctx-5/modify") }
func FuzzNsmfRelease(f *testing.F) {
	fuzzOperation(f, "/nsmf-pdusession/v1/sm-contexts/ctx-5/release")
}
func FuzzNamfTransfer(f *testing.F) {
	fuzzOperation(f, "/namf-comm/v1/ue-contexts/"+supi+"/n1-n2-messages")
}
func FuzzNpcfCreate(f *testing.F) { fuzzOperation(f, "/npcf-smpolicycontrol/v1/sm-policies") }
func FuzzNpcfUpdate(f *testing.F) { fuzzOperation(f, "/npcf-smpolicycontrol/v1/sm-policies/1/update") }
func FuzzPolicyNotify(f *testing.F) {
	fuzzOperation(f, "/callbacks/v1/sm-policy/update")
}
func FuzzN1N2FailureNotify(f *testing.F) {
	fuzzOperation(f, "/callbacks/v1/n1n2-failure/"+supi+"/1")
}
func FuzzSMContextStatusNotify(f *testing.F) {
	fuzzOperation(f, "/callbacks/v1/sm-context-status/1")
}
