package sbihttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/sbi"
)

// BadInputCase is a malformed request body and what the answer must be.
type badInput struct {
	name, contentType, body string
	status                  int
	cause, param            string
}

var badInputs = []badInput{
	{"malformed JSON", ContentJSON, `{"supi":`, 400, "INVALID_MSG_FORMAT", ""},
	{"not an object", ContentJSON, `[1,2]`, 400, "MANDATORY_IE_INCORRECT", "/"},
	{"empty body", ContentJSON, ``, 400, "INVALID_MSG_FORMAT", ""},
	{"two values", ContentJSON, `{"supi":"imsi-1"} {}`, 400, "INVALID_MSG_FORMAT", ""},
	{"unknown field", ContentJSON, `{"supi":"imsi-1","colour":"red"}`, 400, "INVALID_MSG_FORMAT", "/colour"},
	{"wrong type", ContentJSON, `{"supi":17}`, 400, "MANDATORY_IE_INCORRECT", "/supi"},
	{"name in another case", ContentJSON, `{"Supi":"imsi-1"}`, 400, "INVALID_MSG_FORMAT", "/Supi"},
	{"wrong type nested", ContentJSON, `{"supi":"imsi-1","count":"three"}`, 400, "MANDATORY_IE_INCORRECT", "/count"},
	{"wrong content type", "text/plain", `{"supi":"imsi-1"}`, 415, "INVALID_MSG_FORMAT", "Content-Type"},
	{"no content type", "", `{"supi":"imsi-1"}`, 415, "INVALID_MSG_FORMAT", "Content-Type"},
	{"too large", ContentJSON, `{"supi":"` + strings.Repeat("1", DefaultMaxBody) + `"}`, 413, "INVALID_MSG_FORMAT", ""},
}

// TestBadInput posts each bad body over h2c and checks the
// ProblemDetails answer (TS 29.500 §5.2.7.2).
func TestBadInput(t *testing.T) {
	root := start(t, echoServer(ServerConfig{}), "http")
	hc := &http.Client{Transport: NewTransport(nil)}
	defer hc.CloseIdleConnections()
	for _, tc := range badInputs {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", root+"/nkeel-echo/v1/echoes", strings.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != ContentProblem {
				t.Fatalf("status %d, %s, want %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, ContentProblem, body)
			}
			var pd ProblemDetails
			if err := json.Unmarshal(body, &pd); err != nil {
				t.Fatal(err)
			}
			if pd.Status != tc.status || pd.Cause != tc.cause {
				t.Errorf("problem %+v, want status %d cause %s", pd, tc.status, tc.cause)
			}
			if tc.param != "" && (len(pd.InvalidParams) != 1 || pd.InvalidParams[0].Param != tc.param) {
				t.Errorf("invalidParams %+v, want %s", pd.InvalidParams, tc.param)
			}
		})
	}
}

func TestDecodeAcceptsParameters(t *testing.T) {
	req, _ := http.NewRequest("POST", "/", strings.NewReader(`{"supi":"imsi-1"}`))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	var in echoIn
	if err := Decode(req, &in); err != nil || in.Supi != "imsi-1" {
		t.Errorf("Decode = %+v, %v", in, err)
	}
	req, _ = http.NewRequest("PATCH", "/", strings.NewReader(`{"supi":"imsi-1"}`))
	req.Header.Set("Content-Type", ContentJSON)
	if err := Decode(req, &in, ContentMergePatch); !errors.Is(err, sbi.ErrUnsupportedMediaType) {
		t.Errorf("Decode of application/json where merge-patch is wanted: %v", err)
	}
}

// FuzzDecodeBytes: any body gives a value or an sbi Problem with a 4xx
// status, never a panic or a fault.
func FuzzDecodeBytes(f *testing.F) {
	for _, tc := range badInputs {
		if len(tc.body) < 1000 {
			f.Add([]byte(tc.body))
		}
	}
	f.Add([]byte(`{"supi":"imsi-001010000000001","count":3}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in echoIn
		err := DecodeBytes(body, &in)
		if err == nil {
			return
		}
		p := sbi.ProblemOf(err)
		if p == nil || p.Status < 400 || p.Status > 499 {
			t.Fatalf("DecodeBytes(%q) = %v, want a 4xx sbi problem", body, err)
		}
		if pd := problemFor(err); pd.Status != p.Status || pd.Cause == "" {
			t.Fatalf("problem %+v", pd)
		}
	})
}

// FuzzProblemAnswer: any error answer maps to an sbi Problem with the
// answer's status.
func FuzzProblemAnswer(f *testing.F) {
	f.Add(404, []byte(`{"status":404,"cause":"USER_NOT_FOUND"}`))
	f.Add(403, []byte(`{"type":"urn:keel:problem:sync_failure","status":403,"cause":"AUTHENTICATION_REJECTED"}`))
	f.Add(503, []byte(`not json`))
	f.Add(400, []byte(`{"invalidParams":[{"param":"/x"}]}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 300 || status > 599 {
			return
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {ContentProblem}}, Body: io.NopCloser(bytes.NewReader(body))}
		err := answerError(resp.StatusCode, resp.Header, body)
		p := sbi.ProblemOf(err)
		if p == nil || p.Status != status {
			t.Fatalf("answer %d %q: %v", status, body, err)
		}
	})
}
