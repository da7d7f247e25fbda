package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/cli"
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// runSim runs `keel sim` in process against the core and decodes its
// JSON summary.
func runSim(t *testing.T, apiAddr, token string, args ...string) (cli.SimSummary, int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string {
		switch k {
		case "KEEL_TOKEN":
			return token
		case "KEEL_API":
			return "http://" + apiAddr
		}
		return ""
	}}
	code := cli.Main(context.Background(), env, append([]string{"sim", "--sctp", "userspace", "--json"}, args...))
	var sum cli.SimSummary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		t.Fatalf("keel sim exit %d, summary %q: %v\n%s", code, stdout.String(), err, stderr.String())
	}
	return sum, code, stderr.String()
}

// TestRegistrationOnTheWire registers 20 UEs (SUCI profile A) over two
// gNBs with NEA0 configured, then has tshark decode every NGAP and
// NAS-5GS message of the capture: no malformed frame, no expert error,
// and every step of TS 23.502 §4.2.2.2.2 present for every UE.
func TestRegistrationOnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	stop := capture(t)
	core, token := startCoreWith(t, func(c *config.Config) { c.AMF.Ciphering = []string{"NEA0"} })

	sum, code, stderr := runSim(t, core.HTTPAddr().String(), token,
		"--amf", core.N2Addr().String(), "--gnbs", "2", "--ues", "20", "--provision")
	if code != 0 || sum.Registered != 20 || sum.UEs != 20 {
		t.Fatalf("keel sim = exit %d, %+v\n%s", code, sum, stderr)
	}
	if sum.LatencyMS == nil || sum.LatencyMS.P50 <= 0 || sum.LatencyMS.P99 < sum.LatencyMS.P50 {
		t.Errorf("latency = %+v, want positive, ordered percentiles", sum.LatencyMS)
	}

	// The UEs are registered in the AMF and visible through the API (the
	// last Registration Completes may still be on their way).
	var list struct {
		UEs []api.UEInfo `json:"ues"`
	}
	registered := 0
	for deadline := time.Now().Add(5 * time.Second); registered != 20 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		req, _ := http.NewRequest("GET", "http://"+core.HTTPAddr().String()+"/api/v1/ues", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		list.UEs = nil
		json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		registered = 0
		for _, u := range list.UEs {
			if u.State == "registered" && strings.HasPrefix(u.GUTI, "5g-guti-00101-") {
				registered++
			}
		}
	}
	if registered != 20 {
		t.Errorf("GET /api/v1/ues lists %d registered UEs with a GUTI, want 20: %+v", registered, list.UEs)
	}

	pcap := stop()
	nas := []string{"-o", "nas-5gs.null_decipher:TRUE"}
	bad := tshark(t, pcap, append(nas, "-Y", "_ws.malformed || _ws.expert.severity==error || sctp.checksum.status==0")...)
	if bad != "" {
		t.Errorf("tshark found malformed frames, expert errors or bad checksums:\n%s", bad)
	}
	// Every UE went through every step, decoded by tshark (message type
	// values of TS 24.501 §9.7).
	for name, mt := range map[string]int{
		"Registration Request": 0x41, "Authentication Request": 0x56, "Authentication Response": 0x57,
		"Security Mode Command": 0x5d, "Security Mode Complete": 0x5e, "Registration Accept": 0x42,
		"Registration Complete": 0x43,
	} {
		// A Registration Request appears twice per UE: the initial one,
		// and the whole one inside the Security Mode Complete.
		want := 20
		if mt == 0x41 {
			want = 40
		}
		n := strings.Count(tshark(t, pcap, append(nas, "-Y", fmt.Sprintf("nas_5gs.mm.message_type == 0x%02x", mt), "-T", "fields", "-e", "nas_5gs.mm.message_type")...), fmt.Sprintf("0x%02x", mt))
		if n != want {
			t.Errorf("tshark decoded %d %s messages, want %d", n, name, want)
		}
	}
	// One frame may bundle several NGAP messages: count procedure codes.
	// Initial Context Setup (code 14): a request and a response per UE.
	codes := tshark(t, pcap, "-Y", "ngap", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-e", "ngap.procedureCode")
	ics := 0
	for _, f := range strings.FieldsFunc(codes, func(r rune) bool { return r == ',' || r == '\n' }) {
		if f == "14" {
			ics++
		}
	}
	if ics != 40 {
		t.Errorf("tshark decoded %d Initial Context Setup messages, want 40", ics)
	}
}
