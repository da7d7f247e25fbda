// Package nssftest is the behaviour suite of the NSSF's services: the
// same tests run against the NSSF called directly and through every
// transport that carries sbi.NnssfNSSelection and
// sbi.NnssfNSSAIAvailability, so a transport cannot change what the NSSF
// answers. Every request the suite sends is well formed on the wire
// (valid against TS 29.531's OpenAPI); refusals of malformed input are
// each transport's own tests.
package nssftest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nssf"
	"github.com/keelcore/keel/internal/sbi"
)

// Services are the NSSF's services as a transport offers them.
type Services struct {
	Selection    sbi.NnssfNSSelection
	Availability sbi.NnssfNSSAIAvailability
}

// Factory builds an NSSF with cfg and returns its services through the
// transport under test; it cleans up through t.
type Factory func(t *testing.T, cfg nssf.Config) Services

// The identities the suite uses.
var (
	PLMN = ident.PLMN{MCC: "001", MNC: "01"}
	TA1  = ident.TAI{PLMN: PLMN, TAC: 1}
	TA2  = ident.TAI{PLMN: PLMN, TAC: 2}
	// TA9 is a TA no configuration lists.
	TA9 = ident.TAI{PLMN: PLMN, TAC: 9}
	// AMF1 and AMF2 are NF instance IDs.
	AMF1 = "6f3f8d1e-7b7a-4c1e-9a57-0c2b6a3e0001"
	AMF2 = "6f3f8d1e-7b7a-4c1e-9a57-0c2b6a3e0002"
)

func sn(sst uint8) ident.SNSSAI { return ident.SNSSAI{SST: sst} }

func snd(sst uint8, sd uint32) ident.SNSSAI { return ident.SNSSAI{SST: sst, SD: sd, HasSD: true} }

// config has TA1 and TA2 each with SST 1 and 2:000001, and TA2 also SST 3.
func config() nssf.Config {
	return nssf.Config{TAs: []nssf.TASlices{
		{TAI: TA1, Slices: []ident.SNSSAI{sn(1), snd(2, 1)}},
		{TAI: TA2, Slices: []ident.SNSSAI{sn(1), snd(2, 1), sn(3)}},
	}}
}

// query is a registration query from AMF1 in tai (nil: none).
func query(tai *ident.TAI, requested []ident.SNSSAI, subscribed ...sbi.SubscribedSNSSAI) sbi.NSSelectionQuery {
	return sbi.NSSelectionQuery{NFType: "AMF", NFID: AMF1, TAI: tai,
		SliceInfoForRegistration: &sbi.SliceInfoForRegistration{SubscribedNSSAI: subscribed, RequestedNSSAI: requested}}
}

func sub(s ident.SNSSAI, def bool) sbi.SubscribedSNSSAI {
	return sbi.SubscribedSNSSAI{SubscribedSNSSAI: s, DefaultIndication: def}
}

func allowed(s ...ident.SNSSAI) []sbi.AllowedNSSAI {
	l := sbi.AllowedNSSAI{AccessType: sbi.AccessType3GPP}
	for _, x := range s {
		l.AllowedSNSSAIList = append(l.AllowedSNSSAIList, sbi.AllowedSNSSAI{AllowedSNSSAI: x})
	}
	return []sbi.AllowedNSSAI{l}
}

func configured(s ...ident.SNSSAI) []sbi.ConfiguredSNSSAI {
	var out []sbi.ConfiguredSNSSAI
	for _, x := range s {
		out = append(out, sbi.ConfiguredSNSSAI{ConfiguredSNSSAI: x})
	}
	return out
}

func ptr(t ident.TAI) *ident.TAI { return &t }

// Run runs the suite against the services newServices builds.
func Run(t *testing.T, newServices Factory) {
	t.Run("Selection", func(t *testing.T) { testSelection(t, newServices) })
	t.Run("Availability", func(t *testing.T) { testAvailability(t, newServices) })
	t.Run("Refusals", func(t *testing.T) { testRefusals(t, newServices) })
}

func check(t *testing.T, name string, got, want any) {
	t.Helper()
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

// TS 29.531 §5.2.2.2.2, TS 23.501 §5.15.5.2.1: the registration query's
// answer from the configuration alone.
func testSelection(t *testing.T, newServices Factory) {
	s := newServices(t, config())
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		q    sbi.NSSelectionQuery
		want sbi.AuthorizedNetworkSliceInfo
	}{{
		name: "requested partly rejected in the PLMN",
		q:    query(ptr(TA1), []ident.SNSSAI{sn(1), sn(4)}, sub(sn(1), true), sub(snd(2, 1), false)),
		want: sbi.AuthorizedNetworkSliceInfo{AllowedNSSAIList: allowed(sn(1)), ConfiguredNSSAI: configured(sn(1), snd(2, 1)),
			RejectedNSSAIInPLMN: []ident.SNSSAI{sn(4)}},
	}, {
		name: "none requested: the defaults",
		q:    query(ptr(TA1), nil, sub(sn(1), false), sub(snd(2, 1), true)),
		want: sbi.AuthorizedNetworkSliceInfo{AllowedNSSAIList: allowed(snd(2, 1)), ConfiguredNSSAI: configured(sn(1), snd(2, 1))},
	}, {
		name: "rejected in the TA",
		q:    query(ptr(TA1), []ident.SNSSAI{sn(1), sn(3)}, sub(sn(1), true), sub(sn(3), false)),
		want: sbi.AuthorizedNetworkSliceInfo{AllowedNSSAIList: allowed(sn(1)), RejectedNSSAIInTA: []ident.SNSSAI{sn(3)}},
	}, {
		name: "allowed in another TA",
		q:    query(ptr(TA2), []ident.SNSSAI{sn(1), sn(3)}, sub(sn(1), true), sub(sn(3), false)),
		want: sbi.AuthorizedNetworkSliceInfo{AllowedNSSAIList: allowed(sn(1), sn(3))},
	}, {
		name: "a TA the NSSF does not know: the PLMN's slices",
		q:    query(ptr(TA9), []ident.SNSSAI{sn(3)}, sub(sn(1), true), sub(sn(3), false)),
		want: sbi.AuthorizedNetworkSliceInfo{AllowedNSSAIList: allowed(sn(3))},
	}, {
		name: "no TAI: the PLMN's slices",
		q:    query(nil, []ident.SNSSAI{snd(3, 0xffffff)}, sub(sn(3), true)),
		want: sbi.AuthorizedNetworkSliceInfo{AllowedNSSAIList: allowed(sn(3))},
	}, {
		name: "nothing allowed",
		q:    query(ptr(TA1), []ident.SNSSAI{sn(5)}, sub(sn(5), true)),
		want: sbi.AuthorizedNetworkSliceInfo{RejectedNSSAIInPLMN: []ident.SNSSAI{sn(5)}},
	}, {
		name: "kept on update",
		q: func() sbi.NSSelectionQuery {
			q := query(ptr(TA1), nil, sub(sn(1), true), sub(snd(2, 1), false))
			q.SliceInfoForRegistration.AllowedNSSAICurrentAccess = &allowed(snd(2, 1))[0]
			return q
		}(),
		want: sbi.AuthorizedNetworkSliceInfo{AllowedNSSAIList: allowed(snd(2, 1))},
	}} {
		got, err := s.Selection.NetworkSliceInformation(ctx, tt.q)
		if err != nil {
			t.Errorf("%s: NetworkSliceInformation: %v", tt.name, err)
			continue
		}
		check(t, tt.name, got, tt.want)
	}
}

// TS 29.531 §5.3.2.2, §5.3.2.6; TS 23.501 §5.15.8: what an AMF reports
// is authorized against the configuration, and decides what its TAs
// support until it is deleted.
func testAvailability(t *testing.T, newServices Factory) {
	s := newServices(t, config())
	ctx := context.Background()
	got, err := s.Availability.UpdateNSSAIAvailability(ctx, AMF1, sbi.NSSAIAvailabilityInfo{SupportedNSSAIAvailabilityData: []sbi.SupportedNSSAIAvailabilityData{
		{TAI: TA1, SupportedSNSSAIList: []ident.SNSSAI{sn(1), sn(3)}},
		{TAI: TA9, SupportedSNSSAIList: []ident.SNSSAI{sn(1)}},
	}})
	if err != nil {
		t.Fatalf("UpdateNSSAIAvailability: %v", err)
	}
	// SST 3 is not configured in TA1, TA9 not at all.
	check(t, "authorized", got, sbi.AuthorizedNSSAIAvailabilityInfo{AuthorizedNSSAIAvailabilityData: []sbi.AuthorizedNSSAIAvailabilityData{
		{TAI: TA1, SupportedSNSSAIList: []ident.SNSSAI{sn(1)}},
	}})
	// TA1 now supports SST 1 only; 2:000001 is still in TA2.
	q := query(ptr(TA1), []ident.SNSSAI{snd(2, 1)}, sub(sn(1), true), sub(snd(2, 1), false))
	info, err := s.Selection.NetworkSliceInformation(ctx, q)
	if err != nil {
		t.Fatalf("NetworkSliceInformation: %v", err)
	}
	check(t, "in TA1 after the update", info, sbi.AuthorizedNetworkSliceInfo{AllowedNSSAIList: allowed(sn(1)), RejectedNSSAIInTA: []ident.SNSSAI{snd(2, 1)}})

	// A second AMF supporting 2:000001 in TA1 makes it available again.
	if _, err := s.Availability.UpdateNSSAIAvailability(ctx, AMF2, sbi.NSSAIAvailabilityInfo{SupportedNSSAIAvailabilityData: []sbi.SupportedNSSAIAvailabilityData{
		{TAI: TA1, SupportedSNSSAIList: []ident.SNSSAI{snd(2, 1)}},
	}}); err != nil {
		t.Fatalf("UpdateNSSAIAvailability(AMF2): %v", err)
	}
	info, err = s.Selection.NetworkSliceInformation(ctx, q)
	if err != nil {
		t.Fatalf("NetworkSliceInformation: %v", err)
	}
	check(t, "in TA1 with a second AMF", info, sbi.AuthorizedNetworkSliceInfo{AllowedNSSAIList: allowed(snd(2, 1))})

	// Nothing authorized: an empty answer (HTTP 204), and AMF1's TA1
	// report is replaced by none.
	got, err = s.Availability.UpdateNSSAIAvailability(ctx, AMF1, sbi.NSSAIAvailabilityInfo{SupportedNSSAIAvailabilityData: []sbi.SupportedNSSAIAvailabilityData{
		{TAI: TA9, SupportedSNSSAIList: []ident.SNSSAI{sn(1)}},
	}})
	if err != nil {
		t.Fatalf("UpdateNSSAIAvailability: %v", err)
	}
	check(t, "nothing authorized", got, sbi.AuthorizedNSSAIAvailabilityInfo{})

	// Both deleted: TA1 supports what the configuration lists.
	for _, id := range []string{AMF1, AMF2} {
		if err := s.Availability.DeleteNSSAIAvailability(ctx, id); err != nil {
			t.Fatalf("DeleteNSSAIAvailability(%s): %v", id, err)
		}
	}
	q = query(ptr(TA1), []ident.SNSSAI{sn(1), snd(2, 1)}, sub(sn(1), true), sub(snd(2, 1), false))
	info, err = s.Selection.NetworkSliceInformation(ctx, q)
	if err != nil {
		t.Fatalf("NetworkSliceInformation: %v", err)
	}
	check(t, "in TA1 after the deletes", info, sbi.AuthorizedNetworkSliceInfo{AllowedNSSAIList: allowed(sn(1), snd(2, 1))})
}

// Refusals a well-formed request can meet (TS 29.500 §5.2.7.2).
func testRefusals(t *testing.T, newServices Factory) {
	s := newServices(t, config())
	ctx := context.Background()
	q := sbi.NSSelectionQuery{NFType: "AMF", NFID: AMF1, TAI: ptr(TA1)}
	_, err := s.Selection.NetworkSliceInformation(ctx, q)
	wantProblem(t, "NSSelection without slice-info-request-for-registration", err, sbi.ErrMandatoryQueryParamMissing, 400, "MANDATORY_QUERY_PARAM_MISSING")

	err = s.Availability.DeleteNSSAIAvailability(ctx, AMF2)
	wantProblem(t, "Delete of availability never reported", err, sbi.ErrNSSAIAvailabilityNotFound, 404, "CONTEXT_NOT_FOUND")
}

// wantProblem checks that err is the sentinel want (errors.Is holds
// across a transport too) with its status and cause.
func wantProblem(t *testing.T, what string, err, want error, status int, cause string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
	p := sbi.ProblemOf(err)
	if p == nil {
		t.Errorf("%s: error %v, want status %d cause %s", what, err, status, cause)
		return
	}
	if p.Status != status || p.Cause != cause {
		t.Errorf("%s: status %d cause %s, want %d %s", what, p.Status, p.Cause, status, cause)
	}
}
