package ue

import (
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/tsharktest"
)

// TestTsharkDecodesSM has tshark, a NAS-5GS decoder written apart from
// both the UE and free5gc, read the 5GSM messages the UE sends (plain,
// as the network reads them after deciphering) and the golden accept:
// no malformed packet, no expert warning or error, and the message types
// and values the test built.
func TestTsharkDecodesSM(t *testing.T) {
	u, n, request := establish(t)
	accept := dlNASTransport(t, 1, goldenAccept, 0)
	handle(t, u, n.protect(accept, 2))
	up, err := u.ReleasePDUSession(1)
	if err != nil {
		t.Fatal(err)
	}
	release := n.open(up, 2)
	complete := n.open(oneUplink(t, handle(t, u, n.protect(dlNASTransport(t, 1, "2e0102d324", 0), 2))), 2)

	// DLT 147 (USER0), which the option to tshark hands to the nas-5gs
	// dissector.
	pcap := tsharktest.Pcap(t, []string{"-l", "147"}, [][]byte{request, accept, release, complete})
	run := tsharktest.Runner(t, pcap, "-o", `uat:user_dlts:"User 0 (DLT=147)","nas-5gs","0","","0",""`)
	tsharktest.CheckClean(t, run, "")
	got := run("-T", "fields", "-E", "separator=|", "-e", "nas_5gs.mm.message_type", "-e", "nas_5gs.sm.message_type",
		"-e", "nas_5gs.pdu_session_id", "-e", "nas_5gs.sm.pdu_addr_inf_ipv4", "-e", "nas_5gs.sm.5qi", "-e", "nas_5gs.cmn.dnn")
	// The PDU session ID twice: the 5GSM header's and the transport's IE.
	want := strings.Join([]string{
		"0x67|0xc1|1,1|||internet",
		"0x68|0xc2|1,1|10.45.0.2|9|internet",
		"0x67|0xd1|1,1|||",
		"0x67|0xd4|1,1|||",
	}, "\n")
	if got != want {
		t.Errorf("tshark reads\n%s\nwant\n%s", got, want)
	}
}

// TestTsharkDecodesServiceRequest has tshark read a Service Request as
// it goes on the wire with 5G-EA0 (integrity protected, the entire
// message in the NAS message container), the entire message alone, and
// a Service Accept and Reject: no malformed packet, no expert warning or
// error, the service type, the 5G-TMSI and the session bitmaps.
func TestTsharkDecodesServiceRequest(t *testing.T) {
	u, n := newTestUE(t, nil), newNetwork(t)
	register(t, u, n, 0, 2)
	if _, err := u.EstablishPDUSession(1, "internet", testSlice, PDUTypeIPv4); err != nil {
		t.Fatal(err)
	}
	n.ul++
	handle(t, u, n.protect(dlNASTransport(t, 1, goldenAccept, 0), shtIntegrityCiphered))
	u.ConnectionReleased()
	sr, err := u.ServiceRequest(ServiceData, 1)
	if err != nil {
		t.Fatal(err)
	}
	full := unhex(t, goldenServiceRequestFull)
	accept := n.serviceAccept([]byte{0x02, 0}, []byte{0, 0}, nil)
	reject := serviceReject(22, 0x5f, 0x01, 0x22)

	pcap := tsharktest.Pcap(t, []string{"-l", "147"}, [][]byte{sr, full, accept, reject})
	// null_decipher: tshark reads the container as plain, as 5G-EA0 left it.
	run := tsharktest.Runner(t, pcap, "-o", `uat:user_dlts:"User 0 (DLT=147)","nas-5gs","0","","0",""`, "-o", "nas-5gs.null_decipher:TRUE")
	tsharktest.CheckClean(t, run, "")
	got := run("-T", "fields", "-E", "separator=|", "-e", "nas_5gs.mm.message_type", "-e", "nas_5gs.mm.serv_type",
		"-e", "nas_5gs.5g_tmsi", "-e", "nas_5gs.pdu_ses_sts_psi_1_b1", "-e", "nas_5gs.ul_data_sts_psi_1_b1", "-e", "nas_5gs.mm.5gmm_cause")
	// The outer message and the one in its container each give a value.
	want := strings.Join([]string{
		"0x4c,0x4c|1,1|1,1|1|1|",
		"0x4c|1|1|1|1|",
		"0x4e|||1||",
		"0x4d|||||22",
	}, "\n")
	if got != want {
		t.Errorf("tshark reads\n%s\nwant\n%s", got, want)
	}
}
