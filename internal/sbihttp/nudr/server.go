package nudr

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/subdata"
)

// Service name and API version (TS 29.504 §4.4.1, the OpenAPI server
// {apiRoot}/nudr-dr/v2).
const (
	ServiceName = "nudr-dr"
	Version     = "v2"
)

var (
	// errModificationNotAllowed answers a JSON Patch of the
	// authentication subscription other than the two Keel applies
	// (TS 29.500 Table 5.2.7.2-1 MODIFICATION_NOT_ALLOWED).
	errModificationNotAllowed = sbi.NewProblem(http.StatusForbidden, "MODIFICATION_NOT_ALLOWED", "nudr: only the SQN may be patched, by test and replace or by replace")
	// errSQNMoved answers the compare-and-set of NextSQN when the SQN is
	// no longer the one the request tested (RFC 5789 §2.2, 409
	// Conflict): the consumer reads it again.
	errSQNMoved = sbi.NewProblem(http.StatusConflict, "", "nudr: the SQN is no longer the one tested")
)

// servingPLMN is a VarPlmnId (TS 29.505): the servingPlmnId path segment.
var servingPLMN = regexp.MustCompile(`^[0-9]{5,6}$`)

// Register serves r as Nudr_DataRepository on srv: the authentication
// subscription (GET, PATCH of the SQN) and the provisioned am-data and
// sm-data of TS 29.505 §5.2. r's errors become ProblemDetails.
func Register(srv *sbihttp.Server, r sbi.NudrDataRepository) {
	svc := srv.Service(ServiceName, Version)
	h := handlers{r: r}
	svc.Handle("GET /subscription-data/{ueId}/authentication-data/authentication-subscription", h.getAuth)
	svc.Handle("PATCH /subscription-data/{ueId}/authentication-data/authentication-subscription", h.patchAuth)
	svc.Handle("GET /subscription-data/{ueId}/{servingPlmnId}/provisioned-data/am-data", h.amData)
	svc.Handle("GET /subscription-data/{ueId}/{servingPlmnId}/provisioned-data/sm-data", h.smData)
	svc.Handle("GET /subscription-data/{ueId}/{servingPlmnId}/provisioned-data", h.provisioned)
}

type handlers struct{ r sbi.NudrDataRepository }

// supi reads the ueId path segment: Keel's UDR knows subscribers by
// SUPI of the IMSI type (TS 23.003 §2.2A).
func supi(r *http.Request) (string, error) {
	s := r.PathValue("ueId")
	if !sbi.ValidSUPI(s) {
		return "", sbihttp.InvalidParamError(sbi.ErrInvalidRequest, "ueId", fmt.Sprintf("%q is not a SUPI of the IMSI type", s))
	}
	return s, nil
}

// getAuth is QueryAuthSubsData (TS 29.505 §5.2.2.2).
func (h handlers) getAuth(w http.ResponseWriter, r *http.Request) error {
	s, err := supi(r)
	if err != nil {
		return err
	}
	a, err := h.r.AuthenticationSubscription(r.Context(), s)
	if err != nil {
		return err
	}
	return sbihttp.Respond(w, http.StatusOK, fromAuth(a))
}

// patchAuth is ModifyAuthenticationSubscription (TS 29.505 §5.2.2.2)
// for the SQN, the two JSON Patches Keel's UDM sends:
//
//	[{test /sequenceNumber/sqn X}, {replace /sequenceNumber/sqn X+1}]
//	    NextSQN: the SQN advances by one, durably, if it is still X
//	    (204), else 409 and nothing changes for the caller;
//	[{replace /sequenceNumber/sqn V}]
//	    ResyncSQN: the SQN becomes at least V, never lower (204).
func (h handlers) patchAuth(w http.ResponseWriter, r *http.Request) error {
	s, err := supi(r)
	if err != nil {
		return err
	}
	var ops []patchItem
	if err := sbihttp.Decode(r, &ops, sbihttp.ContentJSONPatch); err != nil {
		return err
	}
	switch {
	case len(ops) == 2 && ops[0].Op == "test" && ops[0].Path == sqnPath && ops[1].Op == "replace" && ops[1].Path == sqnPath:
		from, err := sqnValue(ops[0].Value)
		if err != nil {
			return err
		}
		to, err := sqnValue(ops[1].Value)
		if err != nil {
			return err
		}
		if to != from+1 {
			return fmt.Errorf("%w: the SQN advances by one (%s to %s)", errModificationNotAllowed, formatSQN(from), formatSQN(to))
		}
		a, err := h.r.NextSQN(r.Context(), s)
		if err != nil {
			return err
		}
		// The advance took from what the store held: it was the tested
		// value only if it gave the replacement. Otherwise the value it
		// gave goes unused, a gap TS 33.102 Annex C allows.
		if a.SequenceNumber.SQN != to {
			return fmt.Errorf("%w: tested %s, advanced to %s", errSQNMoved, formatSQN(from), formatSQN(a.SequenceNumber.SQN))
		}
	case len(ops) == 1 && ops[0].Op == "replace" && ops[0].Path == sqnPath:
		v, err := sqnValue(ops[0].Value)
		if err != nil {
			return err
		}
		if err := h.r.ResyncSQN(r.Context(), s, v); err != nil {
			return err
		}
	default:
		return errModificationNotAllowed
	}
	return sbihttp.NoContent(w)
}

func sqnValue(v any) (uint64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, sbihttp.InvalidParamError(sbi.ErrInvalidRequest, "/value", "want the SQN as 12 hex digits")
	}
	return parseSQN(s)
}

func (h handlers) servingPLMN(r *http.Request) error {
	if p := r.PathValue("servingPlmnId"); !servingPLMN.MatchString(p) {
		return sbihttp.InvalidParamError(sbi.ErrInvalidRequest, "servingPlmnId", fmt.Sprintf("%q is not an MCC and MNC", p))
	}
	return nil
}

// amData is QueryAmData (TS 29.505 §5.2.2.3): the serving PLMN is checked
// in form only, as Keel keeps one subscription per subscriber.
func (h handlers) amData(w http.ResponseWriter, r *http.Request) error {
	s, err := supi(r)
	if err != nil {
		return err
	}
	if err := h.servingPLMN(r); err != nil {
		return err
	}
	am, err := h.r.AccessAndMobilitySubscription(r.Context(), s)
	if err != nil {
		return err
	}
	return sbihttp.Respond(w, http.StatusOK, subdata.FromAMData(am))
}

// provisioned is QueryProvisionedData (TS 29.505 §5.2.26.3.1): the data
// sets dataset-names lists, all those Keel holds (AM and SM) when it
// lists none.
func (h handlers) provisioned(w http.ResponseWriter, r *http.Request) error {
	s, err := supi(r)
	if err != nil {
		return err
	}
	if err := h.servingPLMN(r); err != nil {
		return err
	}
	am, sm, err := DatasetNames(r.URL.Query())
	if err != nil {
		return err
	}
	var out provisionedDataSets
	if am {
		d, err := h.r.AccessAndMobilitySubscription(r.Context(), s)
		if err != nil {
			return err
		}
		w := subdata.FromAMData(d)
		out.AMData = &w
	}
	if sm {
		d, err := h.r.SessionManagementSubscription(r.Context(), s)
		if err != nil {
			return err
		}
		out.SMData = subdata.FromSMData(d)
	}
	return sbihttp.Respond(w, http.StatusOK, out)
}

// DatasetNames reads the query of QueryProvisionedData: dataset-names,
// a comma-separated list (form style, not exploded) of AM and SM, each
// once; none means both. Another parameter, a name given twice, a name
// Keel does not hold or a parameter repeated is 400 INVALID_QUERY_PARAM
// naming dataset-names (TS 29.500 Table 5.2.7.2-1).
func DatasetNames(q url.Values) (am, sm bool, err error) {
	bad := func(why string) error {
		return sbihttp.InvalidParamError(sbi.ErrInvalidQueryParam, "dataset-names", why)
	}
	for name, vs := range q {
		if name != "dataset-names" {
			return false, false, sbihttp.InvalidParamError(sbi.ErrInvalidQueryParam, name, "not a query parameter of this operation")
		}
		if len(vs) != 1 {
			return false, false, bad("given more than once")
		}
	}
	v, ok := q["dataset-names"]
	if !ok {
		return true, true, nil
	}
	for _, n := range strings.Split(v[0], ",") {
		switch n {
		case DataSetAM:
			if am {
				return false, false, bad("AM named twice")
			}
			am = true
		case DataSetSM:
			if sm {
				return false, false, bad("SM named twice")
			}
			sm = true
		default:
			return false, false, bad(fmt.Sprintf("%q: Keel's UDR holds AM and SM only", n))
		}
	}
	return am, sm, nil
}

// smData is QuerySmData (TS 29.505 §5.2.2.5).
func (h handlers) smData(w http.ResponseWriter, r *http.Request) error {
	s, err := supi(r)
	if err != nil {
		return err
	}
	if err := h.servingPLMN(r); err != nil {
		return err
	}
	sm, err := h.r.SessionManagementSubscription(r.Context(), s)
	if err != nil {
		return err
	}
	return sbihttp.Respond(w, http.StatusOK, subdata.FromSMData(sm))
}
