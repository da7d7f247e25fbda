package nas

import (
	"testing"
	"time"

	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/secret"
	"github.com/keelcore/keel/internal/tsharktest"
)

// TestTsharkServiceMessages has tshark, a decoder written independently
// of this package, read a SERVICE REQUEST (integrity protected, with a
// NAS message container) in an NGAP Initial UE Message, and SERVICE
// ACCEPT (protected with 128-NEA0) and SERVICE REJECT in Downlink NAS
// Transports: no frame may be flagged, and the fields must decode to the
// values the builders were given.
func TestTsharkServiceMessages(t *testing.T) {
	loc := ngap.UELocation{TAI: ident.TAI{PLMN: ident.PLMN{MCC: "001", MNC: "01"}, TAC: 1}, CellID: 0x10}
	c := &Context{IntAlg: 2, EncAlg: 0, KInt: secret.RandomKey128(), KEnc: secret.RandomKey128()}
	stmsi := STMSI{SetID: 0x3fe, Pointer: 0x15, TMSI: 0xc0ffee01}
	inner := AppendServiceRequest(nil, ServiceRequest{NgKSI: 1, Type: ServiceData, STMSI: stmsi,
		UplinkData: PSISet(0).Add(5), HasUplinkData: true, SessionStatus: PSISet(0).Add(5).Add(6), HasSessionStatus: true})
	// 128-NEA0: the container's ciphered value is the message itself.
	sr := uplinkPDU(t, c, 4, AppendServiceRequest(nil, ServiceRequest{NgKSI: 1, Type: ServiceData, STMSI: stmsi, Container: inner}))
	accept, err := c.Protect(ServiceAccept(nil, Accepted{SessionStatus: PSISet(0).Add(5), HasSessionStatus: true,
		Reactivation: PSISet(0).Add(6), HasReactivation: true, ReactivationErrors: []SessionCause{{6, CauseInvalidPDUSessionIdentity}}}), IntegrityCiphered)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		msg  func() (message.Message, error)
		want map[string]string
	}{
		{"service request", func() (message.Message, error) {
			return ngap.InitialUEMessage(9, sr, loc, 3, &ngap.FiveGSTMSI{SetID: stmsi.SetID, Pointer: stmsi.Pointer, TMSI: stmsi.TMSI})
		}, map[string]string{
			// The outer message and the one in the container.
			"nas_5gs.mm.message_type":      "0x4c,0x4c",
			"nas_5gs.mm.serv_type":         "1,1",
			"nas_5gs.5g_tmsi":              "3237998081,3237998081", // 0xc0ffee01
			"nas_5gs.ul_data_sts_psi_5_b5": "1",
			"nas_5gs.ul_data_sts_psi_6_b6": "0",
			"nas_5gs.pdu_ses_sts_psi_5_b5": "1",
			"nas_5gs.pdu_ses_sts_psi_6_b6": "1",
		}},
		{"service accept", func() (message.Message, error) { return ngap.DownlinkNASTransport(7, 9, accept), nil }, map[string]string{
			"nas_5gs.mm.message_type":           "0x4e",
			"nas_5gs.mm.5gmm_cause":             "43",
			"nas_5gs.pdu_session_id":            "6",
			"nas_5gs.pdu_ses_sts_psi_5_b5":      "1",
			"nas_5gs.pdu_ses_sts_psi_6_b6":      "0",
			"nas_5gs.pdu_ses_rect_res_psi_6_b6": "1",
			"nas_5gs.pdu_ses_rect_res_psi_5_b5": "0",
		}},
		{"service reject #9", func() (message.Message, error) {
			return ngap.DownlinkNASTransport(7, 9, ServiceReject(nil, Rejected{Cause: CauseUEIdentityCannotBeDerived})), nil
		}, map[string]string{
			"nas_5gs.mm.message_type": "0x4d",
			"nas_5gs.mm.5gmm_cause":   "9",
		}},
		{"service reject #22", func() (message.Message, error) {
			return ngap.DownlinkNASTransport(7, 9, ServiceReject(nil, Rejected{Cause: CauseCongestion, SessionStatus: PSISet(0).Add(1), HasSessionStatus: true, T3346: 2 * time.Minute})), nil
		}, map[string]string{
			"nas_5gs.mm.message_type":        "0x4d",
			"nas_5gs.mm.5gmm_cause":          "22",
			"nas_5gs.pdu_ses_sts_psi_1_b1":   "1",
			"gsm_a.gm.gmm.gprs_timer2_unit":  "1",
			"gsm_a.gm.gmm.gprs_timer2_value": "2",
		}},
	}
	var pdus [][]byte
	for _, c := range cases {
		m, err := c.msg()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		pdu, err := ngap.Encode(m)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		pdus = append(pdus, pdu)
	}
	run := tsharktest.Runner(t, tsharktest.Pcap(t, []string{"-S", "40000,38412,60"}, pdus),
		"-o", "sctp.checksum:CRC 32c", "-o", "nas-5gs.null_decipher:TRUE")
	tsharktest.CheckClean(t, run, "sctp.checksum.status==0")
	var fields []string
	for _, c := range cases {
		for f := range c.want {
			fields = append(fields, f)
		}
	}
	for i, got := range tsharktest.Fields(t, run, len(cases), fields) {
		c := cases[i]
		for f, want := range c.want {
			if got[f] != want {
				t.Errorf("%s: tshark %s = %q, want %q", c.name, f, got[f], want)
			}
		}
	}
	if t.Failed() {
		t.Logf("tshark:\n%s", run("-V"))
	}
}
