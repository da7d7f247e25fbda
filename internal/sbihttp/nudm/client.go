package nudm

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/subdata"
	"github.com/keelcore/keel/internal/secret"
)

// Client is the UDM's services over HTTP/2: Nudm_UEAuthentication for
// the AUSF, Nudm_SDM and Nudm_UECM for the AMF, the SMF and the PCF. It
// is safe for concurrent use.
type Client struct {
	c *sbihttp.Client
	// instanceID is the consumer's NF instance ID, which
	// AuthenticationInfoRequest (ausfInstanceId) and AuthEvent
	// (nfInstanceId) carry.
	instanceID string
	now        func() time.Time
}

var (
	_ sbi.NudmUEAuthentication = (*Client)(nil)
	_ sbi.NudmSDM              = (*Client)(nil)
	_ sbi.NudmUECM             = (*Client)(nil)
)

// NewClient returns the services over c for the consumer NF instance
// instanceID (a UUID).
func NewClient(c *sbihttp.Client, instanceID string) *Client {
	return &Client{c: c, instanceID: instanceID, now: time.Now}
}

// GenerateAuthData is POST /{supiOrSuci}/security-information/generate-auth-data.
func (c *Client) GenerateAuthData(ctx context.Context, req sbi.AuthRequest) (sbi.AuthVector, error) {
	id := req.SUPI
	if req.SUCI != nil {
		id = req.SUCI.String()
	}
	in := authenticationInfoRequest{ServingNetworkName: req.ServingNetworkName, ResynchronizationInfo: FromResync(req.Resync), AusfInstanceID: c.instanceID}
	var out authenticationInfoResult
	path := sbihttp.Path(id, "security-information", "generate-auth-data")
	if _, err := c.c.Do(ctx, sbihttp.Request{Service: UEAU, Version: UEAUVer, Method: http.MethodPost, Path: path, Body: in}, &out); err != nil {
		return sbi.AuthVector{}, fmt.Errorf("nudm: GenerateAuthData: %w", err)
	}
	av := out.AuthenticationVector
	if out.AuthType != "5G_AKA" || av == nil || av.AvType != "5G_HE_AKA" {
		return sbi.AuthVector{}, fmt.Errorf("nudm: GenerateAuthData: %w: answer is not a 5G HE AV", sbi.ErrInvalidMsgFormat)
	}
	v := sbi.AuthVector{SUPI: out.Supi}
	var kausf [32]byte
	for _, f := range []struct {
		dst       []byte
		src, attr string
	}{{v.RAND[:], av.Rand, "rand"}, {v.AUTN[:], av.Autn, "autn"}, {v.XRESStar[:], av.XresStar, "xresStar"}, {kausf[:], av.Kausf, "kausf"}} {
		if err := hexInto(f.dst, f.src, "/authenticationVector/"+f.attr); err != nil {
			return sbi.AuthVector{}, fmt.Errorf("nudm: GenerateAuthData: answer: %w", err)
		}
	}
	v.KAUSF = secret.Key256(kausf)
	if !sbi.ValidSUPI(v.SUPI) {
		return sbi.AuthVector{}, fmt.Errorf("nudm: GenerateAuthData: answer: %w: supi %q", sbi.ErrInvalidRequest, v.SUPI)
	}
	return v, nil
}

// ConfirmAuth is POST /{supi}/auth-events.
func (c *Client) ConfirmAuth(ctx context.Context, supi string, event sbi.AuthEvent) error {
	ev := authEvent{NfInstanceID: c.instanceID, Success: event.Success, TimeStamp: c.now().UTC().Format(time.RFC3339Nano), AuthType: "5G_AKA", ServingNetworkName: event.ServingNetworkName}
	if _, err := c.c.Do(ctx, sbihttp.Request{Service: UEAU, Version: UEAUVer, Method: http.MethodPost, Path: sbihttp.Path(supi, "auth-events"), Body: ev}, nil); err != nil {
		return fmt.Errorf("nudm: ConfirmAuth: %w", err)
	}
	return nil
}

// AccessAndMobility is GET /{supi}/am-data.
func (c *Client) AccessAndMobility(ctx context.Context, supi string) (sbi.AMData, error) {
	var w subdata.AccessAndMobilitySubscriptionData
	if _, err := c.c.Do(ctx, sbihttp.Request{Service: SDM, Version: SDMVer, Method: http.MethodGet, Path: sbihttp.Path(supi, "am-data")}, &w); err != nil {
		return sbi.AMData{}, fmt.Errorf("nudm: AccessAndMobility: %w", err)
	}
	am, err := w.AMData()
	if err != nil {
		return sbi.AMData{}, fmt.Errorf("nudm: AccessAndMobility: answer: %w", err)
	}
	return am, nil
}

// SessionManagement is GET /{supi}/sm-data.
func (c *Client) SessionManagement(ctx context.Context, supi string) ([]sbi.SMData, error) {
	var w subdata.SMDataList
	if _, err := c.c.Do(ctx, sbihttp.Request{Service: SDM, Version: SDMVer, Method: http.MethodGet, Path: sbihttp.Path(supi, "sm-data")}, &w); err != nil {
		return nil, fmt.Errorf("nudm: SessionManagement: %w", err)
	}
	sm, err := subdata.SMData(w)
	if err != nil {
		return nil, fmt.Errorf("nudm: SessionManagement: answer: %w", err)
	}
	return sm, nil
}

func regPath(supi string) string { return sbihttp.Path(supi, "registrations", "amf-3gpp-access") }

// RegisterAMF is PUT /{ueId}/registrations/amf-3gpp-access.
func (c *Client) RegisterAMF(ctx context.Context, supi string, reg sbi.AMFRegistration) error {
	if _, err := c.c.Do(ctx, sbihttp.Request{Service: UECM, Version: UECMVer, Method: http.MethodPut, Path: regPath(supi), Body: fromRegistration(reg)}, nil); err != nil {
		return fmt.Errorf("nudm: RegisterAMF: %w", err)
	}
	return nil
}

// DeregisterAMF is the PATCH of amf-3gpp-access setting purgeFlag.
func (c *Client) DeregisterAMF(ctx context.Context, supi string, guami ident.GUAMI) error {
	body := amf3GppAccessRegistrationModification{Guami: guami, PurgeFlag: true}
	if _, err := c.c.Do(ctx, sbihttp.Request{Service: UECM, Version: UECMVer, Method: http.MethodPatch, Path: regPath(supi), Body: body, ContentType: sbihttp.ContentMergePatch}, nil); err != nil {
		return fmt.Errorf("nudm: DeregisterAMF: %w", err)
	}
	return nil
}

// AMF is GET amf-3gpp-access; any failure reads as no registration, as
// sbi.NudmUECM has it.
func (c *Client) AMF(ctx context.Context, supi string) (sbi.AMFRegistration, bool) {
	var w amf3GppAccessRegistration
	if _, err := c.c.Do(ctx, sbihttp.Request{Service: UECM, Version: UECMVer, Method: http.MethodGet, Path: regPath(supi)}, &w); err != nil {
		return sbi.AMFRegistration{}, false
	}
	reg := sbi.AMFRegistration{AMFInstanceID: w.AmfInstanceID, GUAMI: w.Guami, RATType: w.RatType, DeregCallbackURI: w.DeregCallbackURI}
	if reg.DeregCallbackURI == noCallback {
		reg.DeregCallbackURI = ""
	}
	return reg, true
}
