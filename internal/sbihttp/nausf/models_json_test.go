package nausf

import (
	"testing"

	"github.com/keelcore/keel/internal/sbihttp/subdata/subdatatest"
)

// The references: the same types without codecs of their own, which
// DecodeBytes reads with encoding/json and json.Marshal writes.
type (
	refInfo         authenticationInfo
	refCtx          ueAuthenticationCtx
	refConfirmation confirmationData
	refConfirmed    confirmationDataResponse
)

var infoSeeds = []string{
	`{"supiOrSuci":"suci-0-001-01-0000-0-0-0000000001","servingNetworkName":"5G:mnc001.mcc001.3gppnetwork.org"}`,
	`{"supiOrSuci":"imsi-001010000000001","servingNetworkName":"5G:mnc001.mcc001.3gppnetwork.org","resynchronizationInfo":{"rand":"00","auts":"11"}}`,
	`{}`, `null`, `{"SupiOrSuci":"x"}`, `{"resynchronizationInfo":{"auts":true}}`, `{"supiOrSuci":1,"x":1}`, `{"a":1}{}`,
}

var ctxSeeds = []string{
	`{"authType":"5G_AKA","5gAuthData":{"rand":"00112233445566778899aabbccddeeff","hxresStar":"00112233445566778899aabbccddeeff","autn":"00112233445566778899aabbccddeeff"},"_links":{"5g-aka":{"href":"http://10.0.0.3:7777/nausf-auth/v1/ue-authentications/1/5g-aka-confirmation"}},"servingNetworkName":"5G:mnc001.mcc001.3gppnetwork.org"}`,
	`{}`, `null`, `{"_links":null}`, `{"_links":{}}`, `{"_links":{"b":{"href":"1"},"a":null,"b":{"href":"2"}}}`, `{"_links":{"a":{"Href":"x"}}}`,
	`{"5gAuthData":null,"_links":[]}`, `{"5gAuthData":{"rand":"a"},"5gAuthData":{"autn":"b"}}`, `{"_links":{"<":{"href":"&"}}}`,
}

var confirmationSeeds = []string{`{"resStar":"00112233445566778899aabbccddeeff"}`, `{}`, `null`, `{"resStar":null}`, `{"ResStar":"a"}`, `{"resStar":1}`, `{"resStar":"a","x":[]}`}

var confirmedSeeds = []string{
	`{"authResult":"AUTHENTICATION_SUCCESS","supi":"imsi-001010000000001","kseaf":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}`,
	`{"authResult":"AUTHENTICATION_FAILURE"}`, `{}`, `null`, `{"kseaf":1}`, `{"Kseaf":"x","supi":""}`,
}

func TestAuthenticationJSONAgreesWithReference(t *testing.T) {
	for _, s := range infoSeeds {
		subdatatest.Compare(t, []byte(s), new(authenticationInfo), new(refInfo))
	}
	for _, s := range ctxSeeds {
		subdatatest.Compare(t, []byte(s), new(ueAuthenticationCtx), new(refCtx))
	}
	for _, s := range confirmationSeeds {
		subdatatest.Compare(t, []byte(s), new(confirmationData), new(refConfirmation))
	}
	for _, s := range confirmedSeeds {
		subdatatest.Compare(t, []byte(s), new(confirmationDataResponse), new(refConfirmed))
	}
}

func FuzzAuthenticationInfoJSON(f *testing.F) {
	for _, s := range infoSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		subdatatest.Compare(t, body, new(authenticationInfo), new(refInfo))
	})
}

func FuzzUEAuthenticationCtxJSON(f *testing.F) {
	for _, s := range ctxSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		subdatatest.Compare(t, body, new(ueAuthenticationCtx), new(refCtx))
	})
}

func FuzzConfirmationDataJSON(f *testing.F) {
	for _, s := range confirmationSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		subdatatest.Compare(t, body, new(confirmationData), new(refConfirmation))
	})
}

func FuzzConfirmationDataResponseJSON(f *testing.F) {
	for _, s := range confirmedSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		subdatatest.Compare(t, body, new(confirmationDataResponse), new(refConfirmed))
	})
}
