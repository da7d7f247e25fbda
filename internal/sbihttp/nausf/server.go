package nausf

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// Service name and API version (TS 29.509 §4.4.1).
const (
	ServiceName = "nausf-auth"
	Version     = "v1"
)

// Register serves a as Nausf_UEAuthentication on srv (TS 29.509 §5.2.2).
func Register(srv *sbihttp.Server, a sbi.NausfUEAuthentication) {
	svc := srv.Service(ServiceName, Version)
	h := handlers{a: a, prefix: svc.Prefix()}
	svc.Handle("POST /ue-authentications", h.authenticate)
	svc.Handle("PUT /ue-authentications/{authCtxId}/5g-aka-confirmation", h.confirm)
	svc.Handle("DELETE /ue-authentications/{authCtxId}/5g-aka-confirmation", h.deleteConfirmation)
}

type handlers struct {
	a      sbi.NausfUEAuthentication
	prefix string
}

// authenticate is UEAuthentication_Authenticate (TS 29.509 §5.2.2.2.2):
// 201 with the context's URI in Location and the 5G SE AV, whose
// _links["5g-aka"] names the confirmation.
func (h handlers) authenticate(w http.ResponseWriter, r *http.Request) error {
	var in authenticationInfo
	if err := sbihttp.Decode(r, &in); err != nil {
		return err
	}
	req := sbi.AuthRequest{ServingNetworkName: in.ServingNetworkName}
	switch {
	case strings.HasPrefix(in.SupiOrSuci, "suci-"):
		s, err := ident.ParseSUCI(in.SupiOrSuci)
		if err != nil {
			return sbihttp.InvalidParamError(sbi.ErrInvalidRequest, "/supiOrSuci", err.Error())
		}
		req.SUCI = &s
	case sbi.ValidSUPI(in.SupiOrSuci):
		req.SUPI = in.SupiOrSuci
	default:
		return sbihttp.InvalidParamError(sbi.ErrInvalidRequest, "/supiOrSuci", fmt.Sprintf("%q is neither a SUCI nor a SUPI of the IMSI type", in.SupiOrSuci))
	}
	var err error
	if req.Resync, err = in.ResynchronizationInfo.Resync(); err != nil {
		return err
	}
	ch, err := h.a.Authenticate(r.Context(), req)
	if err != nil {
		return err
	}
	self := sbihttp.ResourceURI(sbihttp.APIRoot(r), h.prefix, "ue-authentications", ch.AuthCtxID)
	return sbihttp.CreatedAs(w, self, sbihttp.ContentHAL, ueAuthenticationCtx{
		AuthType: "5G_AKA",
		FiveGAuthData: av5gAka{
			Rand:      hex.EncodeToString(ch.RAND[:]),
			HxresStar: hex.EncodeToString(ch.HXRESStar[:]),
			Autn:      hex.EncodeToString(ch.AUTN[:]),
		},
		Links:              map[string]link{linkName: {Href: self + "/5g-aka-confirmation"}},
		ServingNetworkName: in.ServingNetworkName,
	})
}

// confirm is the 5g-aka-confirmation (TS 29.509 §5.2.2.2.2 step 3): 200
// with AUTHENTICATION_SUCCESS, the SUPI and KSEAF, or 200 with
// AUTHENTICATION_FAILURE when RES* does not verify.
func (h handlers) confirm(w http.ResponseWriter, r *http.Request) error {
	var in confirmationData
	if err := sbihttp.Decode(r, &in); err != nil {
		return err
	}
	var resStar [16]byte
	if b, err := hex.DecodeString(in.ResStar); err != nil || len(b) != len(resStar) {
		return sbihttp.InvalidParamError(sbi.ErrInvalidRequest, "/resStar", "want 32 hex digits")
	} else {
		copy(resStar[:], b)
	}
	conf, err := h.a.Confirm(r.Context(), r.PathValue("authCtxId"), resStar)
	if errors.Is(err, sbi.ErrAuthRejected) {
		return sbihttp.Respond(w, http.StatusOK, confirmationDataResponse{AuthResult: resultFailure})
	}
	if errors.Is(err, sbi.ErrAuthContextNotFound) {
		// The document lists no 404 for the PUT (TS 29.509 Rel-17
		// OpenAPI): a context that expired or was used is a bad request.
		return sbihttp.WithStatus(err, http.StatusBadRequest)
	}
	if err != nil {
		return err
	}
	return sbihttp.Respond(w, http.StatusOK, confirmationDataResponse{AuthResult: resultSuccess, Supi: conf.SUPI, Kseaf: hex.EncodeToString(conf.KSEAF.Bytes())})
}

// deleteConfirmation is Delete5gAkaAuthenticationResult: 204. The UE's
// 5GMM cause does not travel (the DELETE has no body).
func (h handlers) deleteConfirmation(w http.ResponseWriter, r *http.Request) error {
	if err := h.a.DeleteConfirmation(r.Context(), r.PathValue("authCtxId"), 0); err != nil {
		return err
	}
	return sbihttp.NoContent(w)
}
