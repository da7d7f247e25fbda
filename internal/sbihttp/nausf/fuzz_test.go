package nausf

import (
	"context"
	"fmt"
	"testing"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/openapitest"
)

// fakeAUSF accepts every well-formed request: what reaches it passed the
// binding's decoding.
type fakeAUSF struct{}

func (fakeAUSF) Authenticate(_ context.Context, req sbi.AuthRequest) (sbi.AuthChallenge, error) {
	if req.SUPI == "" && req.SUCI == nil {
		return sbi.AuthChallenge{}, fmt.Errorf("fake: %w", sbi.ErrInvalidRequest)
	}
	return sbi.AuthChallenge{AuthCtxID: "ctx1"}, nil
}

func (fakeAUSF) Confirm(_ context.Context, id string, _ [16]byte) (sbi.AuthConfirmation, error) {
	if id != "ctx1" {
		return sbi.AuthConfirmation{}, sbi.ErrAuthContextNotFound
	}
	return sbi.AuthConfirmation{SUPI: "imsi-001010000000001"}, nil
}

func (fakeAUSF) DeleteConfirmation(context.Context, string, uint8) error { return nil }

func server() *sbihttp.Server {
	srv := sbihttp.NewServer(sbihttp.ServerConfig{})
	Register(srv, fakeAUSF{})
	return srv
}

// FuzzAuthenticate: POST /ue-authentications never faults on its body.
func FuzzAuthenticate(f *testing.F) {
	f.Add([]byte(`{"supiOrSuci":"imsi-001010000000001","servingNetworkName":"5G:mnc001.mcc001.3gppnetwork.org"}`))
	h := server().Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		openapitest.CheckHandler(t, h, "POST", "/nausf-auth/v1/ue-authentications", sbihttp.ContentJSON, body)
	})
}

// FuzzConfirm: PUT .../5g-aka-confirmation never faults on its body.
func FuzzConfirm(f *testing.F) {
	f.Add([]byte(`{"resStar":"00112233445566778899aabbccddeeff"}`))
	h := server().Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		openapitest.CheckHandler(t, h, "PUT", "/nausf-auth/v1/ue-authentications/ctx1/5g-aka-confirmation", sbihttp.ContentJSON, body)
	})
}
