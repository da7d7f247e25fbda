package nausf

import (
	"context"
	"testing"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// FuzzClientAnswers: no answer of an AUSF makes the client panic; an
// answer it takes is well formed.
func FuzzClientAnswers(f *testing.F) {
	f.Add(201, []byte(`{"authType":"5G_AKA","5gAuthData":{"rand":"00112233445566778899aabbccddeeff","autn":"00112233445566778899aabbccddeeff","hxresStar":"00112233445566778899aabbccddeeff"},"_links":{"5g-aka":{"href":"http://127.0.0.1/nausf-auth/v1/ue-authentications/1/5g-aka-confirmation"}}}`))
	f.Add(200, []byte(`{"authResult":"AUTHENTICATION_SUCCESS","supi":"imsi-001010000000001","kseaf":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}`))
	f.Add(403, []byte(`{"status":403,"cause":"SERVING_NETWORK_NOT_AUTHORIZED"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		c := NewClient(sbihttp.NewClient(sbihttp.ClientConfig{
			Resolver:    sbihttp.StaticResolver{ServiceName: {"http://127.0.0.1:1"}},
			Transport:   openapitest.Answering{Status: status, ContentType: "application/json", Body: body},
			MaxAttempts: 1,
		}))
		ctx := context.Background()
		suci := ident.SUCI{MCC: "001", MNC: "01", RoutingIndicator: "0", SchemeOutput: []byte{0x10}}
		if ch, err := c.Authenticate(ctx, sbi.AuthRequest{SUCI: &suci, ServingNetworkName: "5G:mnc001.mcc001.3gppnetwork.org"}); err == nil && ch.AuthCtxID == "" {
			t.Fatal("a challenge without a context")
		}
		if conf, err := c.Confirm(ctx, "http://127.0.0.1/x/5g-aka-confirmation", [16]byte{}); err == nil && !sbi.ValidSUPI(conf.SUPI) {
			t.Fatalf("a confirmation with SUPI %q", conf.SUPI)
		}
		_ = c.DeleteConfirmation(ctx, "ctx", 0)
	})
}
