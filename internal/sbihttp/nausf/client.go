package nausf

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/nudm"
	"github.com/keelcore/keel/internal/secret"
)

// Client is Nausf_UEAuthentication over HTTP/2, for the AMF. The
// AuthCtxID it gives is the URI of the context's 5g-aka-confirmation
// (the _links["5g-aka"] of the answer), so the confirmation goes to the
// AUSF instance holding the context. It is safe for concurrent use.
type Client struct {
	c *sbihttp.Client
}

var _ sbi.NausfUEAuthentication = (*Client)(nil)

// NewClient returns the service over c.
func NewClient(c *sbihttp.Client) *Client { return &Client{c: c} }

// Authenticate is POST /ue-authentications.
func (c *Client) Authenticate(ctx context.Context, req sbi.AuthRequest) (sbi.AuthChallenge, error) {
	in := authenticationInfo{SupiOrSuci: req.SUPI, ServingNetworkName: req.ServingNetworkName, ResynchronizationInfo: nudm.FromResync(req.Resync)}
	if req.SUCI != nil {
		in.SupiOrSuci = req.SUCI.String()
	}
	var out ueAuthenticationCtx
	if _, err := c.c.Do(ctx, sbihttp.Request{Service: ServiceName, Version: Version, Method: http.MethodPost, Path: "/ue-authentications", Body: in}, &out); err != nil {
		return sbi.AuthChallenge{}, fmt.Errorf("nausf: Authenticate: %w", err)
	}
	ch := sbi.AuthChallenge{AuthCtxID: out.Links[linkName].Href}
	if out.AuthType != "5G_AKA" || !strings.HasSuffix(ch.AuthCtxID, "/5g-aka-confirmation") {
		return sbi.AuthChallenge{}, fmt.Errorf("nausf: Authenticate: %w: not a 5G AKA context with its confirmation link", sbi.ErrInvalidMsgFormat)
	}
	for _, f := range []struct {
		dst       []byte
		src, attr string
	}{{ch.RAND[:], out.FiveGAuthData.Rand, "rand"}, {ch.AUTN[:], out.FiveGAuthData.Autn, "autn"}, {ch.HXRESStar[:], out.FiveGAuthData.HxresStar, "hxresStar"}} {
		if b, err := hex.DecodeString(f.src); err != nil || len(b) != 16 {
			return sbi.AuthChallenge{}, fmt.Errorf("nausf: Authenticate: %w: 5gAuthData/%s", sbi.ErrInvalidMsgFormat, f.attr)
		} else {
			copy(f.dst, b)
		}
	}
	return ch, nil
}

// target is where a context's confirmation is: the link the AUSF gave,
// or, for a bare context ID, the path below any AUSF instance.
func target(authCtxID string) sbihttp.Request {
	if strings.HasPrefix(authCtxID, "http://") || strings.HasPrefix(authCtxID, "https://") {
		return sbihttp.Request{URI: authCtxID}
	}
	return sbihttp.Request{Service: ServiceName, Version: Version, Path: sbihttp.Path("ue-authentications", authCtxID, "5g-aka-confirmation")}
}

// Confirm is PUT .../5g-aka-confirmation. AUTHENTICATION_FAILURE is
// sbi.ErrAuthRejected, as in one process.
func (c *Client) Confirm(ctx context.Context, authCtxID string, resStar [16]byte) (sbi.AuthConfirmation, error) {
	req := target(authCtxID)
	req.Method, req.Body = http.MethodPut, confirmationData{ResStar: hex.EncodeToString(resStar[:])}
	var out confirmationDataResponse
	if _, err := c.c.Do(ctx, req, &out); err != nil {
		return sbi.AuthConfirmation{}, fmt.Errorf("nausf: Confirm: %w", err)
	}
	switch out.AuthResult {
	case resultFailure:
		return sbi.AuthConfirmation{}, fmt.Errorf("nausf: Confirm: %w", sbi.ErrAuthRejected)
	case resultSuccess:
	default:
		return sbi.AuthConfirmation{}, fmt.Errorf("nausf: Confirm: %w: authResult %q", sbi.ErrInvalidMsgFormat, out.AuthResult)
	}
	k, err := hex.DecodeString(out.Kseaf)
	if err != nil || len(k) != 32 || !sbi.ValidSUPI(out.Supi) {
		return sbi.AuthConfirmation{}, fmt.Errorf("nausf: Confirm: %w: success without a SUPI and a KSEAF", sbi.ErrInvalidMsgFormat)
	}
	return sbi.AuthConfirmation{SUPI: out.Supi, KSEAF: secret.Key256(k)}, nil
}

// DeleteConfirmation is DELETE .../5g-aka-confirmation; cause does not
// travel (the DELETE has no body, TS 29.509).
func (c *Client) DeleteConfirmation(ctx context.Context, authCtxID string, _ uint8) error {
	req := target(authCtxID)
	req.Method = http.MethodDelete
	if _, err := c.c.Do(ctx, req, nil); err != nil {
		return fmt.Errorf("nausf: DeleteConfirmation: %w", err)
	}
	return nil
}
