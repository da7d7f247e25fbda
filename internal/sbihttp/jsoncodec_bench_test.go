package sbihttp_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// discardWriter is a ResponseWriter that keeps nothing: the answer's
// encoding alone is measured.
type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header       { return d.h }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}

// BenchmarkPolicyJSON: the SMF's reading of SmContextCreateData and
// the AMF's writing of it (with its N1 part), the PCF's reading of SmPolicyContextData and
// writing of SmPolicyDecision (with two PCC rules), and the SMF's
// reading of the decision, as the servers and clients do them.
func BenchmarkPolicyJSON(b *testing.B) {
	ctxData := sbi.SmPolicyContextData{Supi: "imsi-001010000000001", PduSessionID: 1, PduSessionType: "IPV4", Dnn: "internet",
		SliceInfo: ident.SNSSAI{SST: 1}, NotificationURI: "http://10.0.0.1:7777/npcf-callback/v1/sm-policy/imsi-001010000000001-1",
		SmfID: "9b4f0f4e-6f43-4c43-9a5e-3d1d1f5f1a01", SubsSessAmbr: &sbi.Ambr{Uplink: "100 Mbps", Downlink: "300 Mbps"},
		SubsDefQos: &sbi.SubscribedDefaultQos{FiveQI: 9, Arp: sbi.Arp{PriorityLevel: 8, PreemptCap: "NOT_PREEMPT", PreemptVuln: "PREEMPTABLE"}}}
	dec := sbi.SmPolicyDecision{SessionAMBRUplink: 100e6, SessionAMBRDownlink: 300e6, FiveQI: 9, ARPPriority: 8, PCCRules: []sbi.PCCRule{
		{ID: "voice", FlowDescriptions: []string{"permit out 17 from any 5000-5010 to assigned"}, FiveQI: 1, ARP: sbi.ARP{PriorityLevel: 2}, GFBRUplink: 64e3, GFBRDownlink: 64e3, MFBRUplink: 128e3, MFBRDownlink: 128e3},
		{ID: "video", FlowDescriptions: []string{"permit out 17 from any 6000 to assigned", "permit out 6 from any 443 to assigned"}, FiveQI: 2, ARP: sbi.ARP{PriorityLevel: 4}, GFBRUplink: 1e6, GFBRDownlink: 1e6, MFBRUplink: 2e6, MFBRDownlink: 2e6},
	}}
	plmn := ident.PLMN{MCC: "001", MNC: "01"}
	create := sbi.SmContextCreateData{Supi: "imsi-001010000000001", PduSessionID: 1, Dnn: "internet", SNssai: ident.SNSSAI{SST: 1},
		ServingNfID: "6b0e1a52-8c1e-4d2f-9b0a-2f3c4d5e6f70", ServingNetwork: plmn, AnType: "3GPP_ACCESS", RatType: sbi.RatNR,
		UeLocation:         &sbi.UserLocation{NrLocation: &sbi.NrLocation{Tai: ident.TAI{PLMN: plmn, TAC: 1}, Ncgi: sbi.Ncgi{PLMN: plmn, NrCellID: "000000010"}}},
		SmContextStatusURI: "http://10.0.0.2:7777/namf-callback/v1/sm-context-status/imsi-001010000000001/1",
		N1SmMsg:            &sbi.RefToBinaryData{ContentID: sbi.ContentIDN1SM, Content: []byte{0x2e, 0x01, 0x01, 0xc1, 0xff, 0xff, 0x91, 0xa1}}}
	createBody, err := json.Marshal(create)
	if err != nil {
		b.Fatal(err)
	}
	ctxBody, err := json.Marshal(ctxData)
	if err != nil {
		b.Fatal(err)
	}
	decBody, err := json.Marshal(dec)
	if err != nil {
		b.Fatal(err)
	}
	w := discardWriter{h: http.Header{}}
	b.Run("SmPolicyContextData/decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v sbi.SmPolicyContextData
			if err := sbihttp.DecodeBytes(ctxBody, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SmPolicyContextData/encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = sbihttp.Respond(w, http.StatusOK, ctxData)
		}
	})
	b.Run("SmPolicyDecision/decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v sbi.SmPolicyDecision
			if err := sbihttp.DecodeBytes(decBody, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SmPolicyDecision/encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = sbihttp.Respond(w, http.StatusOK, dec)
		}
	})
	b.Run("SmContextCreateData/decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v sbi.SmContextCreateData
			if err := sbihttp.DecodeBytes(createBody, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SmContextCreatedData+N1+N2/DecodeParts", func(b *testing.B) {
		v := sbi.SmContextCreatedData{PduSessionID: 1, SNssai: &ident.SNSSAI{SST: 1}, UpCnxState: sbi.UpCnxActivated,
			N1SmMsg: sbi.N1SM(make([]byte, 40)), N2SmInfo: sbi.N2SM(make([]byte, 60)), N2SmInfoType: sbi.N2SetupRequest}
		body, ct, err := sbihttp.EncodeParts(v, []sbihttp.Ref{{Ref: v.N1SmMsg, ContentType: sbihttp.ContentNAS}, {Ref: v.N2SmInfo, ContentType: sbihttp.ContentNGAP}})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			var out sbi.SmContextCreatedData
			if err := sbihttp.DecodeParts(ct, body, &out, func() []sbihttp.Ref {
				return []sbihttp.Ref{{Ref: out.N1SmMsg, ContentType: sbihttp.ContentNAS}, {Ref: out.N2SmInfo, ContentType: sbihttp.ContentNGAP}}
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SmContextCreateData/encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := sbihttp.EncodeParts(create, []sbihttp.Ref{{Ref: create.N1SmMsg, ContentType: sbihttp.ContentNAS}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
