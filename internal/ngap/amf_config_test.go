package ngap

import (
	"strings"
	"testing"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/ident"
)

// testBackupGUAMI is a second GUAMI of testGUAMI's AMF set, served by
// another AMF (pointer 0x2a).
var testBackupGUAMI = ident.GUAMI{PLMN: testPLMN, RegionID: 0xca, SetID: 0x2a5, Pointer: 0x2a}

func testAMFInfo() AMFInfo {
	return AMFInfo{
		Name: "amf-a", GUAMIs: []ident.GUAMI{testGUAMI, testBackupGUAMI}, Capacity: 200,
		BackupAMFNames: map[ident.GUAMI]string{testGUAMI: "amf-b"},
		PLMNs:          []ident.PLMN{testPLMN}, Slices: []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 0xabcdef, HasSD: true}},
	}
}

// amfConfigGoldenCases pin NG Setup Response with a backup AMF name and
// AMF Status Indication with one, which a gNB of an AMF set reads.
func amfConfigGoldenCases() []goldenCase {
	return []goldenCase{
		{
			name:  "ng_setup_response_backup",
			about: "NG Setup Response (TS 38.413 §9.2.6.2): AMF amf-a, GUAMIs ca/2a5/15 (backup amf-b) and ca/2a5/2a, capacity 200",
			build: built(func() (*message.NGSetupResponse, error) { return NGSetupResponse(testAMFInfo()) }),

			element: "ngap.NGSetupResponse_element",
			want: map[string]string{"ngap.procedureCode": "21", "ngap.AMFName": "amf-a", "ngap.RelativeAMFCapacity": "200",
				"ngap.backupAMFName": "amf-b", "ngap.aMFPointer": "54,a8"},
		},
		{
			name:  "amf_status_indication_backup",
			about: "AMF Status Indication (TS 38.413 §9.2.6.10): GUAMI ca/2a5/15 unavailable, backup amf-b",
			build: built(func() (*message.AMFStatusIndication, error) {
				return AMFStatusIndicationBackups([]ident.GUAMI{testGUAMI}, map[ident.GUAMI]string{testGUAMI: "amf-b"})
			}),
			element: "ngap.AMFStatusIndication_element",
			want:    map[string]string{"ngap.procedureCode": "1", "ngap.backupAMFName": "amf-b", "ngap.aMFPointer": "54"},
		},
	}
}

func TestDecodeNGSetupResponse(t *testing.T) {
	m, err := NGSetupResponse(testAMFInfo())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeNGSetupResponse(dec.(*message.NGSetupResponse))
	if err != nil {
		t.Fatalf("DecodeNGSetupResponse = %v", err)
	}
	if diff := cmp.Diff(testAMFInfo(), got); diff != "" {
		t.Errorf("DecodeNGSetupResponse(NGSetupResponse(info)) differs (-want +got):\n%s", diff)
	}
}

func TestDecodeNGSetupResponseRefuses(t *testing.T) {
	good := func() *message.NGSetupResponse {
		m, err := NGSetupResponse(testAMFInfo())
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, c := range []struct {
		name  string
		spoil func(m *message.NGSetupResponse)
		want  string
	}{
		{"no AMF Name", func(m *message.NGSetupResponse) { m.AMFName = nil }, "AMF Name"},
		{"no capacity", func(m *message.NGSetupResponse) { m.RelativeAMFCapacity = nil }, "Relative AMF Capacity"},
		{"capacity out of range", func(m *message.NGSetupResponse) { m.RelativeAMFCapacity.Value = 256 }, "Relative AMF Capacity"},
		{"no served GUAMIs", func(m *message.NGSetupResponse) { m.ServedGUAMIList = nil }, "Served GUAMI List"},
		{"empty served GUAMIs", func(m *message.NGSetupResponse) { m.ServedGUAMIList.List = nil }, "Served GUAMI List"},
		{"GUAMI without a pointer", func(m *message.NGSetupResponse) { m.ServedGUAMIList.List[1].GUAMI.AMFPointer = nil }, "item 2"},
		{"set ID of 9 bits", func(m *message.NGSetupResponse) {
			m.ServedGUAMIList.List[0].GUAMI.AMFSetID.Value = aper.BitString{Bytes: []byte{0xff, 0x80}, BitLength: 9}
		}, "AMF Set ID"},
		{"PLMN support without PLMN", func(m *message.NGSetupResponse) { m.PLMNSupportList.List[0].PLMNIdentity = nil }, "PLMN Identity"},
	} {
		m := good()
		c.spoil(m)
		_, err := DecodeNGSetupResponse(m)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: DecodeNGSetupResponse = %v, want an error about %s", c.name, err, c.want)
		}
	}
	if _, err := DecodeNGSetupResponse(nil); err == nil {
		t.Error("DecodeNGSetupResponse(nil) = nil error")
	}
}

func TestDecodeAMFStatusIndication(t *testing.T) {
	m, err := AMFStatusIndicationBackups([]ident.GUAMI{testGUAMI, testBackupGUAMI}, map[ident.GUAMI]string{testBackupGUAMI: "amf-c"})
	if err != nil {
		t.Fatal(err)
	}
	guamis, backups, err := DecodeAMFStatusIndication(m)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]ident.GUAMI{testGUAMI, testBackupGUAMI}, guamis); diff != "" {
		t.Errorf("unavailable GUAMIs differ (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[ident.GUAMI]string{testBackupGUAMI: "amf-c"}, backups); diff != "" {
		t.Errorf("backup names differ (-want +got):\n%s", diff)
	}
	for _, bad := range []*message.AMFStatusIndication{nil, {}, {UnavailableGUAMIList: &ie.UnavailableGUAMIList{}},
		{UnavailableGUAMIList: &ie.UnavailableGUAMIList{List: []ie.UnavailableGUAMIItem{{}}}}} {
		if _, _, err := DecodeAMFStatusIndication(bad); err == nil {
			t.Errorf("DecodeAMFStatusIndication(%+v) = nil error", bad)
		}
	}
	if _, err := AMFStatusIndicationBackups([]ident.GUAMI{testGUAMI}, map[ident.GUAMI]string{testGUAMI: strings.Repeat("a", 151)}); err == nil {
		t.Error("AMFStatusIndicationBackups with a backup name of 151 characters = nil error")
	}
}
