package testenv

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sctp/sctptest"
)

// TestSessionsOnTheWire registers 10 UEs, gives each a PDU session and
// pings the UPF's N6 gateway (10.45.0.1) from every UE address through
// GTP-U, then has tshark decode the capture: every PFCP and GTP-U frame
// (with the inner IP packets) and the NGAP/NAS of the sessions, with zero
// malformed frames and zero expert errors, one UE Radio Capability Info
// Indication per UE and no Error Indication.
func TestSessionsOnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	stop := capture(t)
	core, token := startCoreWith(t, func(c *config.Config) { c.AMF.Ciphering = []string{"NEA0"} })

	sum, code, stderr := runSim(t, core.HTTPAddr().String(), token,
		"--amf", core.N2Addr().String(), "--ues", "10", "--provision", "--pdu", "--ping", "10.45.0.1")
	if code != 0 || sum.Registered != 10 || sum.Sessions != 10 || sum.PingReplies != 10 {
		t.Fatalf("keel sim = exit %d, %+v\n%s", code, sum, stderr)
	}

	req, _ := http.NewRequest("GET", "http://"+core.HTTPAddr().String()+"/api/v1/sessions", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Sessions []struct {
			SUPI    string `json:"supi"`
			IPv4    string `json:"ipv4"`
			ULBytes uint64 `json:"ul_bytes"`
		} `json:"sessions"`
	}
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if len(list.Sessions) != 10 {
		t.Errorf("GET /api/v1/sessions lists %d sessions, want 10: %+v", len(list.Sessions), list.Sessions)
	}
	for _, s := range list.Sessions {
		if !strings.HasPrefix(s.IPv4, "10.45.") {
			t.Errorf("session %+v: address outside the pool", s)
		}
	}

	pcap := stop()
	nas := []string{"-o", "nas-5gs.null_decipher:TRUE"}
	bad := tshark(t, pcap, append(nas, "-Y", "_ws.malformed || _ws.expert.severity==error || sctp.checksum.status==0")...)
	if bad != "" {
		t.Errorf("tshark found malformed frames, expert errors or bad checksums:\n%s", bad)
	}
	// PFCP and GTP-U ride UDP, one message per frame. The Session
	// Modification Requests that give the UPF the gNB's tunnel carry an
	// Outer Header Creation; the sim's end releases the connections,
	// which deactivates the sessions with further modifications.
	for filter, want := range map[string]int{
		"pfcp.msg_type == 50": 10, // Session Establishment Request
		"pfcp.msg_type == 51": 10, // Session Establishment Response
		"pfcp.msg_type == 52 && pfcp.outer_hdr_creation.teid": 10, // the gNB's tunnel
		"gtp && icmp.type == 8":                               10, // echo requests, uplink in GTP-U
		"gtp && icmp.type == 0":                               10, // echo replies, downlink in GTP-U
	} {
		if n := lines(tshark(t, pcap, append(nas, "-Y", filter)...)); n != want {
			t.Errorf("tshark: %d frames match %q, want %d", n, filter, want)
		}
	}
	// SCTP bundles NGAP messages: count occurrences.
	if n := occurrences(t, pcap, nas, "nas_5gs.sm.message_type", "0xc2"); n != 10 {
		t.Errorf("tshark decoded %d PDU Session Establishment Accepts, want 10", n)
	}
	if n := occurrences(t, pcap, nas, "ngap.procedureCode", "29"); n != 20 {
		t.Errorf("tshark decoded %d PDU Session Resource Setup messages, want 20", n)
	}
	// The UEs' radio capabilities reported after their Initial Context
	// Setups (TS 38.413 §8.14.1) decoded by tshark, and kept by the AMF
	// without an Error Indication, nor any other.
	if n := occurrences(t, pcap, nas, "ngap.procedureCode", "44"); n == 0 {
		t.Errorf("tshark decoded no UE Radio Capability Info Indication")
	}
	if n := occurrences(t, pcap, nas, "ngap.procedureCode", "9"); n != 0 {
		t.Errorf("tshark decoded %d Error Indications, want none", n)
	}
}

// occurrences counts the values of a field equal to value over every
// frame, however many messages a frame bundles.
func occurrences(t *testing.T, pcap string, opts []string, field, value string) int {
	t.Helper()
	out := tshark(t, pcap, append(opts, "-Y", field, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-e", field)...)
	n := 0
	for _, f := range strings.FieldsFunc(out, func(r rune) bool { return r == ',' || r == '\n' }) {
		if f == value {
			n++
		}
	}
	return n
}
