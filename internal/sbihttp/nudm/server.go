package nudm

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/subdata"
)

// Service names and API versions (TS 29.503 §4.4.1, the OpenAPI servers).
const (
	UEAU    = "nudm-ueau"
	UEAUVer = "v1"
	SDM     = "nudm-sdm"
	SDMVer  = "v2"
	UECM    = "nudm-uecm"
	UECMVer = "v1"
)

// Register serves the UDM's services on srv; a nil service is not
// served. Their errors become ProblemDetails.
func Register(srv *sbihttp.Server, ueau sbi.NudmUEAuthentication, sdm sbi.NudmSDM, uecm sbi.NudmUECM) {
	if ueau != nil {
		h := ueauHandlers{u: ueau}
		svc := srv.Service(UEAU, UEAUVer)
		h.prefix = svc.Prefix()
		svc.Handle("POST /{supiOrSuci}/security-information/generate-auth-data", h.generateAuthData)
		svc.Handle("POST /{supi}/auth-events", h.authEvents)
	}
	if sdm != nil {
		h := sdmHandlers{s: sdm}
		svc := srv.Service(SDM, SDMVer)
		svc.Handle("GET /{supi}/am-data", h.amData)
		svc.Handle("GET /{supi}/sm-data", h.smData)
	}
	if uecm != nil {
		h := uecmHandlers{u: uecm}
		svc := srv.Service(UECM, UECMVer)
		h.prefix = svc.Prefix()
		svc.Handle("PUT /{ueId}/registrations/amf-3gpp-access", h.register)
		svc.Handle("PATCH /{ueId}/registrations/amf-3gpp-access", h.purge)
		svc.Handle("GET /{ueId}/registrations/amf-3gpp-access", h.get)
	}
}

// supiParam reads a SUPI path segment (TS 23.003 §2.2A, IMSI type).
func supiParam(r *http.Request, name string) (string, error) {
	s := r.PathValue(name)
	if !sbi.ValidSUPI(s) {
		return "", sbihttp.InvalidParamError(sbi.ErrInvalidRequest, name, fmt.Sprintf("%q is not a SUPI of the IMSI type", s))
	}
	return s, nil
}

type ueauHandlers struct {
	u      sbi.NudmUEAuthentication
	prefix string
}

// generateAuthData is Nudm_UEAuthentication_Get (TS 29.503 §5.4.2.2):
// the path names a SUPI or a SUCI (TS 29.571 SupiOrSuci).
func (h ueauHandlers) generateAuthData(w http.ResponseWriter, r *http.Request) error {
	var in authenticationInfoRequest
	if err := sbihttp.Decode(r, &in); err != nil {
		return err
	}
	req := sbi.AuthRequest{ServingNetworkName: in.ServingNetworkName}
	id := r.PathValue("supiOrSuci")
	if strings.HasPrefix(id, "suci-") {
		s, err := ident.ParseSUCI(id)
		if err != nil {
			return sbihttp.InvalidParamError(sbi.ErrInvalidRequest, "supiOrSuci", err.Error())
		}
		req.SUCI = &s
	} else {
		var err error
		if req.SUPI, err = supiParam(r, "supiOrSuci"); err != nil {
			return err
		}
	}
	var err error
	if req.Resync, err = in.ResynchronizationInfo.Resync(); err != nil {
		return err
	}
	v, err := h.u.GenerateAuthData(r.Context(), req)
	if err != nil {
		return err
	}
	return sbihttp.Respond(w, http.StatusOK, authenticationInfoResult{
		AuthType: "5G_AKA",
		Supi:     v.SUPI,
		AuthenticationVector: &av5GHeAka{
			AvType:   "5G_HE_AKA",
			Rand:     hex.EncodeToString(v.RAND[:]),
			XresStar: hex.EncodeToString(v.XRESStar[:]),
			Autn:     hex.EncodeToString(v.AUTN[:]),
			Kausf:    hex.EncodeToString(v.KAUSF.Bytes()),
		},
	})
}

// authEvents is Nudm_UEAuthentication_ResultConfirmation (TS 29.503
// §5.4.2.3): 201 with the event's resource URI.
func (h ueauHandlers) authEvents(w http.ResponseWriter, r *http.Request) error {
	supi, err := supiParam(r, "supi")
	if err != nil {
		return err
	}
	var ev authEvent
	if err := sbihttp.Decode(r, &ev); err != nil {
		return err
	}
	if err := h.u.ConfirmAuth(r.Context(), supi, sbi.AuthEvent{Success: ev.Success, ServingNetworkName: ev.ServingNetworkName}); err != nil {
		return err
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	return sbihttp.Created(w, sbihttp.ResourceURI(sbihttp.APIRoot(r), h.prefix, supi, "auth-events", hex.EncodeToString(id[:])), ev)
}

type sdmHandlers struct{ s sbi.NudmSDM }

// amData is the Get of am-data (TS 29.503 §5.2.2.2.3).
func (h sdmHandlers) amData(w http.ResponseWriter, r *http.Request) error {
	supi, err := supiParam(r, "supi")
	if err != nil {
		return err
	}
	am, err := h.s.AccessAndMobility(r.Context(), supi)
	if err != nil {
		return err
	}
	return sbihttp.Respond(w, http.StatusOK, subdata.FromAMData(am))
}

// smData is the Get of sm-data (TS 29.503 §5.2.2.2.5); the single-nssai
// and dnn filters are left to the consumer, as sbi.NudmSDM says.
func (h sdmHandlers) smData(w http.ResponseWriter, r *http.Request) error {
	supi, err := supiParam(r, "supi")
	if err != nil {
		return err
	}
	sm, err := h.s.SessionManagement(r.Context(), supi)
	if err != nil {
		return err
	}
	return sbihttp.Respond(w, http.StatusOK, subdata.FromSMData(sm))
}

// checkGUAMI refuses an absent or malformed guami, which every AMF
// registration and purge carries (TS 29.503 Amf3GppAccessRegistration).
func checkGUAMI(g ident.GUAMI) error {
	if g == (ident.GUAMI{}) {
		return sbihttp.InvalidParamError(sbi.ErrMandatoryIEMissing, "/guami", "absent")
	}
	if err := g.Validate(); err != nil {
		return sbihttp.InvalidParamError(sbi.ErrInvalidRequest, "/guami", err.Error())
	}
	return nil
}

type uecmHandlers struct {
	u      sbi.NudmUECM
	prefix string
}

// register is the AMF's Registration for 3GPP access (TS 29.503
// §5.3.2.2.2): 201 with Location for a new registration, 200 when it
// replaces one.
func (h uecmHandlers) register(w http.ResponseWriter, r *http.Request) error {
	supi, err := supiParam(r, "ueId")
	if err != nil {
		return err
	}
	var in amf3GppAccessRegistration
	if err := sbihttp.Decode(r, &in); err != nil {
		return err
	}
	for attr, v := range map[string]string{"/amfInstanceId": in.AmfInstanceID, "/deregCallbackUri": in.DeregCallbackURI, "/ratType": in.RatType} {
		if v == "" {
			return sbihttp.InvalidParamError(sbi.ErrMandatoryIEMissing, attr, "absent")
		}
	}
	if err := checkGUAMI(in.Guami); err != nil {
		return err
	}
	_, existed := h.u.AMF(r.Context(), supi)
	reg := sbi.AMFRegistration{AMFInstanceID: in.AmfInstanceID, GUAMI: in.Guami, RATType: in.RatType, DeregCallbackURI: in.DeregCallbackURI}
	if err := h.u.RegisterAMF(r.Context(), supi, reg); err != nil {
		return err
	}
	if existed {
		return sbihttp.Respond(w, http.StatusOK, in)
	}
	return sbihttp.Created(w, sbihttp.ResourceURI(sbihttp.APIRoot(r), h.prefix, supi, "registrations", "amf-3gpp-access"), in)
}

// purge is the AMF's deregistration (TS 29.503 §5.3.2.4.2): a merge
// patch setting purgeFlag, with the purging AMF's GUAMI.
func (h uecmHandlers) purge(w http.ResponseWriter, r *http.Request) error {
	supi, err := supiParam(r, "ueId")
	if err != nil {
		return err
	}
	var in amf3GppAccessRegistrationModification
	if err := sbihttp.Decode(r, &in, sbihttp.ContentMergePatch); err != nil {
		return err
	}
	if err := checkGUAMI(in.Guami); err != nil {
		return err
	}
	if !in.PurgeFlag {
		return sbihttp.InvalidParamError(sbi.ErrInvalidRequest, "/purgeFlag", "Keel modifies a registration only to purge it")
	}
	if err := h.u.DeregisterAMF(r.Context(), supi, in.Guami); err != nil {
		return err
	}
	return sbihttp.NoContent(w)
}

// get is the Get of the AMF registration for 3GPP access (TS 29.503
// §5.3.2.5.2); 404 CONTEXT_NOT_FOUND when there is none.
func (h uecmHandlers) get(w http.ResponseWriter, r *http.Request) error {
	supi, err := supiParam(r, "ueId")
	if err != nil {
		return err
	}
	reg, ok := h.u.AMF(r.Context(), supi)
	if !ok {
		return fmt.Errorf("%w: no AMF registration for %s", errNoRegistration, supi)
	}
	return sbihttp.Respond(w, http.StatusOK, fromRegistration(reg))
}

// errNoRegistration answers the Get of a registration that does not
// exist (TS 29.503 Table 6.2.7.3-1: 404 CONTEXT_NOT_FOUND).
var errNoRegistration = sbi.NewProblem(http.StatusNotFound, "CONTEXT_NOT_FOUND", "nudm: no AMF registration")

// noCallback stands for the deregCallbackUri of a registration made in
// one process, which has none: the UDM-initiated deregistration
// notification is not implemented. "invalid" is a reserved name
// (RFC 6761 §6.4).
const noCallback = "http://callback.invalid/namf-callback/v1/deregistration"

func fromRegistration(reg sbi.AMFRegistration) amf3GppAccessRegistration {
	cb := reg.DeregCallbackURI
	if cb == "" {
		cb = noCallback
	}
	return amf3GppAccessRegistration{AmfInstanceID: reg.AMFInstanceID, DeregCallbackURI: cb, Guami: reg.GUAMI, RatType: reg.RATType}
}
