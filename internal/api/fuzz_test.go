package api

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/store"
)

var fuzzDefaults = Defaults{
	AMF: [2]byte{0x80, 0}, UEAMBR: store.AMBR{Uplink: 1e9, Downlink: 1e9},
	SessionAMBR: store.AMBR{Uplink: 1e9, Downlink: 1e9}, FiveQI: 9, ARPPriority: 8,
	NSSAI: []ident.SNSSAI{{SST: 1}}, DNNs: []string{"internet"},
}

// FuzzImport feeds the import row readers (CSV and JSON, which also
// decodes single subscriber requests) arbitrary bodies. They must never
// panic, a refusal must be an *Error with a message or a *RowError naming
// its row, and every request they accept
// must either turn into a subscriber the store would take or be refused
// with a *FieldError naming the field.
func FuzzImport(f *testing.F) {
	const k, opc = "465b5ce8b199b49faa5f0a2ee238a6bc", "cd63cb71954a9f4e48a5994e37a02baf"
	f.Add(true, []byte("supi,k,opc\nimsi-001010000000001,"+k+","+opc+"\n"))
	f.Add(true, []byte("supi,k,op,sst,sd,dnn,5qi,arp_priority,session_ambr_uplink,session_ambr_downlink,static_ipv4,static_ipv6\n"+
		"imsi-001010000000001,"+k+","+opc+",1,000001,internet,9,8,100 Mbps,1 Gbps,10.45.0.7,2001:db8::7\n"))
	f.Add(true, []byte("supi,k,opc,dnn\nimsi-001010000000001,"+k+","+opc+",internet\n\"unterminated\n"))
	f.Add(false, []byte(`[{"supi":"imsi-001010000000001","k":"`+k+`","opc":"`+opc+`","nssai":[{"sst":1,"sd":"000001"}],`+
		`"dnns":[{"dnn":"internet","sst":1,"sd":"000001","5qi":9,"session_ambr":{"uplink":"1 Gbps","downlink":"2 Gbps"}}]}]`))
	f.Add(false, []byte(`{"subscribers":[{"supi":"imsi-001010000000001","k":"`+k+`","op":"`+opc+`","sqn":"000000000020","amf":"8000","ue_ambr":{"uplink":"1 Kbps","downlink":"1 Tbps"}}]}`))
	f.Add(false, []byte(`[{"supi":"imsi-001010000000001","dnns":[{"dnn":"ims"}]}]`))
	f.Add(true, []byte("\uFEFFsupi,k,opc\r\nimsi-001010000000001,"+k+","+opc+"\r\nimsi-001010000000002,"+k+","+opc+"\r\n"))
	f.Add(false, []byte("\uFEFF[{\"supi\":\"imsi-001010000000001\",\"k\":\""+k+"\",\"opc\":\""+opc+"\"}]\r\n"))
	// Rows over maxRowBytes are in the committed corpus (long-line-csv,
	// long-element-json).
	f.Fuzz(func(t *testing.T, csv bool, body []byte) {
		var rows rowReader = newJSONRows(bytes.NewReader(body))
		if csv {
			rows = newCSVRows(bytes.NewReader(body))
		}
		if e := rows.start(); e != nil {
			if e.Message == "" {
				t.Fatalf("refusal of %q has no message: %+v", body, e)
			}
			return
		}
		for n := 0; ; n++ {
			if n > len(body)+1 {
				t.Fatalf("%q: more rows than bytes", body)
			}
			req, row, err := rows.next()
			if errors.Is(err, io.EOF) {
				return
			}
			var (
				re    *RowError
				fatal *Error
			)
			switch {
			case errors.As(err, &re):
				if re.Row < 1 || re.Reason == "" {
					t.Fatalf("refusal of %q lists row %+v", body, re)
				}
				continue
			case errors.As(err, &fatal):
				if fatal.Message == "" {
					t.Fatalf("refusal of %q has no message: %+v", body, fatal)
				}
				return
			case err != nil:
				t.Fatalf("%q: next() = %v, want a *RowError or an *Error", body, err)
			}
			if row < 1 {
				t.Fatalf("%q: row number %d", body, row)
			}
			sub, err := req.Apply(nil, fuzzDefaults)
			if err != nil {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field == "" {
					t.Fatalf("row %d of %q refused without naming a field: %v", row, body, err)
				}
				continue
			}
			if !ValidSUPI(sub.SUPI) {
				t.Fatalf("row %d of %q accepted with SUPI %q", row, body, sub.SUPI)
			}
			if len(sub.NSSAI) == 0 {
				t.Fatalf("row %d of %q accepted without a slice", row, body)
			}
		}
	})
}
