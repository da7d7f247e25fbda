package sbihttp_test

import (
	"encoding/json"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp/subdata/subdatatest"
)

// refCreate is sbi.SmContextCreateData without codecs of its own.
type refCreate struct {
	Supi               string               `json:"supi,omitempty"`
	PduSessionID       uint8                `json:"pduSessionId,omitempty"`
	Dnn                string               `json:"dnn,omitempty"`
	SNssai             ident.SNSSAI         `json:"sNssai"`
	ServingNfID        string               `json:"servingNfId"`
	ServingNetwork     ident.PLMN           `json:"servingNetwork"`
	AnType             string               `json:"anType"`
	RatType            string               `json:"ratType,omitempty"`
	UeLocation         *sbi.UserLocation    `json:"ueLocation,omitempty"`
	SmContextStatusURI string               `json:"smContextStatusUri"`
	N1SmMsg            *sbi.RefToBinaryData `json:"n1SmMsg,omitempty"`
}

func createSeeds(t testing.TB) []string {
	plmn := ident.PLMN{MCC: "001", MNC: "01"}
	real, err := json.Marshal(refCreate{Supi: "imsi-001010000000001", PduSessionID: 1, Dnn: "internet", SNssai: ident.SNSSAI{SST: 1},
		ServingNfID: "6b0e1a52-8c1e-4d2f-9b0a-2f3c4d5e6f70", ServingNetwork: plmn, AnType: "3GPP_ACCESS", RatType: sbi.RatNR,
		UeLocation:         &sbi.UserLocation{NrLocation: &sbi.NrLocation{Tai: ident.TAI{PLMN: plmn, TAC: 1}, Ncgi: sbi.Ncgi{PLMN: plmn, NrCellID: "000000010"}}},
		SmContextStatusURI: "http://10.0.0.2:7777/namf-callback/v1/sm-context-status/imsi-001010000000001/1",
		N1SmMsg:            &sbi.RefToBinaryData{ContentID: sbi.ContentIDN1SM}})
	if err != nil {
		t.Fatal(err)
	}
	return []string{string(real),
		`{"sNssai":{"sst":1},"servingNfId":"","servingNetwork":{"mcc":"001","mnc":"01"},"anType":"","smContextStatusUri":""}`,
		`{}`, `null`, `{"pduSessionId":16}`, `{"pduSessionId":256}`, `{"pduSessionId":"1"}`, `{"sNssai":{"sst":1,"sd":"zz"}}`,
		`{"servingNetwork":{"mcc":"1","mnc":"01"}}`, `{"servingNetwork":{"mcc":"001","mnc":"01","x":1}}`, `{"ueLocation":{}}`, `{"ueLocation":{"nrLocation":null}}`,
		`{"ueLocation":{"nrLocation":{"tai":{"plmnId":{"mcc":"001","mnc":"01"},"tac":"zz"}}}}`, `{"ueLocation":{"eutraLocation":{}}}`,
		`{"ueLocation":{"nrLocation":{"ncgi":{"nrCellId":5}}}}`, `{"n1SmMsg":{"contentId":"n1SmMsg","content":"x"}}`, `{"n1SmMsg":null,"N1SmMsg":{}}`,
		`{"supi":"<&>\u2028","dnn":"a\\b"}`, `{"ratType":"NR"} 1`, `{"ueLocation":[]}`,
	}
}

func TestSmContextCreateDataJSONAgreesWithReference(t *testing.T) {
	for _, s := range createSeeds(t) {
		subdatatest.Compare(t, []byte(s), new(sbi.SmContextCreateData), new(refCreate))
	}
}

func FuzzSmContextCreateDataJSON(f *testing.F) {
	for _, s := range createSeeds(f) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		subdatatest.Compare(t, body, new(sbi.SmContextCreateData), new(refCreate))
	})
}

// The references of the SMF's answers and the AMF's updates: the same
// types without codecs of their own.
type (
	refCreated sbi.SmContextCreatedData
	refUpdate  sbi.SmContextUpdateData
	refUpdated sbi.SmContextUpdatedData
)

var createdSeeds = []string{
	`{"pduSessionId":1,"sNssai":{"sst":1},"upCnxState":"ACTIVATED","n1SmMsg":{"contentId":"n1SmMsg"},"n2SmInfo":{"contentId":"n2SmInfo"},"n2SmInfoType":"PDU_RES_SETUP_REQ"}`,
	`{}`, `null`, `{"sNssai":null,"n1SmMsg":null}`, `{"upCnxState":"NOPE"}`, `{"upCnxState":1}`, `{"upCnxState":null,"n2SmInfoType":null}`,
	`{"n2SmInfoType":["x"]}`, `{"sNssai":{"sst":"x"}}`, `{"UpCnxState":"ACTIVATED"}`, `{"pduSessionId":300,"x":1}`, `{"n2SmInfoType":"PDU_RES_SETUP_REQ"}x`,
}

var updateSeeds = []string{
	`{"n2SmInfo":{"contentId":"n2SmInfo"},"n2SmInfoType":"PDU_RES_SETUP_RSP"}`,
	`{"upCnxState":"DEACTIVATED"}`, `{"upCnxState":"ACTIVATING","ueLocation":{"nrLocation":{"tai":{"plmnId":{"mcc":"001","mnc":"01"},"tac":"000001"},"ncgi":{"plmnId":{"mcc":"001","mnc":"01"},"nrCellId":"000000010"}}}}`,
	`{"hoState":"CANCELLED","cause":"HO_CANCEL"}`, `{"hoState":"X"}`, `{"cause":1}`, `{"n1SmMsg":{"contentId":"n1SmMsg"}}`, `{}`, `null`, `{"HoState":"PREPARING"}`,
	`{"ueLocation":{"nrLocation":{"tai":1}}}`, `{"cause":"\u003c"}`,
}

var updatedSeeds = []string{
	`{"n1SmMsg":{"contentId":"n1SmMsg"},"n2SmInfo":{"contentId":"n2SmInfo"},"n2SmInfoType":"PDU_RES_REL_CMD"}`,
	`{"upCnxState":"ACTIVATING","n2SmInfo":{"contentId":"n2SmInfo"},"n2SmInfoType":"PDU_RES_SETUP_REQ"}`, `{}`, `null`, `{"n2SmInfoType":""}`, `{"released":true}`,
}

func TestNsmfJSONAgreesWithReference(t *testing.T) {
	for _, s := range createdSeeds {
		subdatatest.Compare(t, []byte(s), new(sbi.SmContextCreatedData), new(refCreated))
	}
	for _, s := range updateSeeds {
		subdatatest.Compare(t, []byte(s), new(sbi.SmContextUpdateData), new(refUpdate))
	}
	for _, s := range updatedSeeds {
		subdatatest.Compare(t, []byte(s), new(sbi.SmContextUpdatedData), new(refUpdated))
	}
}

func FuzzSmContextCreatedDataJSON(f *testing.F) {
	for _, s := range createdSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		subdatatest.Compare(t, body, new(sbi.SmContextCreatedData), new(refCreated))
	})
}

func FuzzSmContextUpdateDataJSON(f *testing.F) {
	for _, s := range updateSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		subdatatest.Compare(t, body, new(sbi.SmContextUpdateData), new(refUpdate))
	})
}

func FuzzSmContextUpdatedDataJSON(f *testing.F) {
	for _, s := range updatedSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		subdatatest.Compare(t, body, new(sbi.SmContextUpdatedData), new(refUpdated))
	})
}
