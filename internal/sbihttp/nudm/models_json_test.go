package nudm

import (
	"testing"

	"github.com/keelcore/keel/internal/sbihttp/subdata/subdatatest"
)

// The references: the same types without codecs of their own, which
// DecodeBytes reads with encoding/json and json.Marshal writes.
type (
	refInfoRequest  authenticationInfoRequest
	refInfoResult   authenticationInfoResult
	refAuthEvent    authEvent
	refRegistration amf3GppAccessRegistration
)

var authEventSeeds = []string{
	`{"nfInstanceId":"3f1a0c1e-2b7d-4c5e-8f90-1a2b3c4d5e6f","success":true,"timeStamp":"2026-12-07T15:00:00.123456789Z","authType":"5G_AKA","servingNetworkName":"5G:mnc001.mcc001.3gppnetwork.org"}`,
	`{}`, `null`, `{"success":null}`, `{"success":"true"}`, `{"success":1}`, `{"Success":true}`, `{"timeStamp":true,"x":1}`, `{"success":false,"success":true}`,
}

var registrationSeeds = []string{
	`{"amfInstanceId":"6b0e1a52-8c1e-4d2f-9b0a-2f3c4d5e6f70","deregCallbackUri":"http://10.0.0.2:7777/namf-callback/v1/imsi-001010000000001/dereg-notify","guami":{"plmnId":{"mcc":"001","mnc":"01"},"amfId":"cafe00"},"ratType":"NR"}`,
	`{"guami":{"plmnId":{"mcc":"001","mnc":"01"},"amfId":"cafe00"},"purgeFlag":true}`, `{"guami":{"plmnId":{"mcc":"001","mnc":"01"},"amfId":"xyz"}}`,
	`{}`, `null`, `{"guami":null}`, `{"purgeFlag":"yes"}`, `{"Guami":{}}`, `{"ratType":1,"guami":[]}`,
}

var infoRequestSeeds = []string{
	`{"servingNetworkName":"5G:mnc001.mcc001.3gppnetwork.org","ausfInstanceId":"3f1a0c1e-2b7d-4c5e-8f90-1a2b3c4d5e6f"}`,
	`{"servingNetworkName":"5G:mnc001.mcc001.3gppnetwork.org","resynchronizationInfo":{"rand":"00112233445566778899aabbccddeeff","auts":"0011223344556677889900112233"},"ausfInstanceId":"x"}`,
	`{}`, `null`, `{"resynchronizationInfo":null}`, `{"resynchronizationInfo":{"rand":1}}`, `{"ResynchronizationInfo":{}}`,
	`{"resynchronizationInfo":{"rand":"a","x":1}}`, `{"servingNetworkName":"<&>"} `, `{"servingNetworkName":"a"}]`, `[]`,
}

var infoResultSeeds = []string{
	`{"authType":"5G_AKA","authenticationVector":{"avType":"5G_HE_AKA","rand":"00112233445566778899aabbccddeeff","xresStar":"00112233445566778899aabbccddeeff","autn":"00112233445566778899aabbccddeeff","kausf":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"},"supi":"imsi-001010000000001"}`,
	`{}`, `null`, `{"authenticationVector":null}`, `{"authenticationVector":{}}`, `{"authenticationVector":{"AvType":"x"}}`,
	`{"authenticationVector":{"rand":[]},"supi":2}`, `{"authType":"5G_AKA","extra":{"a":[1,2]}}`, `{"supi":"\ud800"}`,
}

func TestAuthenticationJSONAgreesWithReference(t *testing.T) {
	for _, s := range infoRequestSeeds {
		subdatatest.Compare(t, []byte(s), new(authenticationInfoRequest), new(refInfoRequest))
	}
	for _, s := range infoResultSeeds {
		subdatatest.Compare(t, []byte(s), new(authenticationInfoResult), new(refInfoResult))
	}
}

func TestUECMJSONAgreesWithReference(t *testing.T) {
	for _, s := range authEventSeeds {
		subdatatest.Compare(t, []byte(s), new(authEvent), new(refAuthEvent))
	}
	for _, s := range registrationSeeds {
		subdatatest.Compare(t, []byte(s), new(amf3GppAccessRegistration), new(refRegistration))
	}
}

func FuzzAuthEventJSON(f *testing.F) {
	for _, s := range authEventSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		subdatatest.Compare(t, body, new(authEvent), new(refAuthEvent))
	})
}

func FuzzAmf3GppAccessRegistrationJSON(f *testing.F) {
	for _, s := range registrationSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		subdatatest.Compare(t, body, new(amf3GppAccessRegistration), new(refRegistration))
	})
}

func FuzzAuthenticationInfoRequestJSON(f *testing.F) {
	for _, s := range infoRequestSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		subdatatest.Compare(t, body, new(authenticationInfoRequest), new(refInfoRequest))
	})
}

func FuzzAuthenticationInfoResultJSON(f *testing.F) {
	for _, s := range infoResultSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		subdatatest.Compare(t, body, new(authenticationInfoResult), new(refInfoResult))
	})
}
