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
	"strings"
	"testing"
	"time"

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
	// NotificationURI is the URI to subscribe with: the transport
	// delivers the notifications posted there to the Factory's
	// notifier.
	NotificationURI string
}

// Factory builds an NSSF with cfg whose NSSAI availability notifications
// reach notify, and returns its services through the transport under
// test; it cleans up through t, stopping the NSSF.
type Factory func(t *testing.T, cfg nssf.Config, notify sbi.NSSAIAvailabilityNotifier) Services

// Notifications is an sbi.NSSAIAvailabilityNotifier that hands each
// notification, with the URI it was sent to, to the test.
type Notifications chan Notification

// Notification is one delivered notification.
type Notification struct {
	URI string
	sbi.NSSAIAvailabilityNotification
}

// NotifyNSSAIAvailability hands n to the test.
func (c Notifications) NotifyNSSAIAvailability(ctx context.Context, uri string, n sbi.NSSAIAvailabilityNotification) error {
	select {
	case c <- Notification{uri, n}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

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
	t.Run("Subscriptions", func(t *testing.T) { testSubscriptions(t, newServices) })
}

// sameSubscription reports whether the ID a notification carries (the
// NSSF's) names the subscription the consumer knows as id: the same ID,
// or the URI of its Location (TS 29.531 §6.2.3.3.3.1).
func sameSubscription(id, notified string) bool {
	return id == notified || strings.HasSuffix(id, "/"+notified) || strings.HasSuffix(id, ":"+notified)
}

// next waits for the next notification; the bound only ends a test that
// would hang.
func next(t *testing.T, notes Notifications) Notification {
	t.Helper()
	select {
	case n := <-notes:
		return n
	case <-time.After(10 * time.Second):
		t.Fatal("no notification")
		return Notification{}
	}
}

// TS 29.531 §5.3.2.3, §5.3.2.4, §5.3.2.5: a subscription to TAs (listed
// or in a TAC range) is answered with their S-NSSAIs, and notified with
// them whenever an AMF's update or delete changes what one of them
// supports; unsubscribed, it is gone.
func testSubscriptions(t *testing.T, newServices Factory) {
	notes := make(Notifications, 8)
	s := newServices(t, config(), notes)
	ctx := context.Background()
	expiry := time.Now().Add(10 * time.Minute).Truncate(time.Second)
	sub1, err := s.Availability.SubscribeNSSAIAvailability(ctx, sbi.NSSAIAvailabilitySubscription{NotificationURI: s.NotificationURI,
		TAIs: []ident.TAI{TA1}, Event: sbi.EventSNSSAIStatusChange, Expiry: expiry, AMFID: AMF1})
	if err != nil {
		t.Fatalf("SubscribeNSSAIAvailability: %v", err)
	}
	if sub1.SubscriptionID == "" || !sub1.Expiry.Equal(expiry) {
		t.Errorf("subscription %q expiring %v, want an ID and the expiry asked for, %v", sub1.SubscriptionID, sub1.Expiry, expiry)
	}
	check(t, "subscribed TA1", sub1.AuthorizedNSSAIAvailabilityData, []sbi.AuthorizedNSSAIAvailabilityData{{TAI: TA1, SupportedSNSSAIList: []ident.SNSSAI{sn(1), snd(2, 1)}}})
	// Every TAC of the PLMN from 000002: TA2 (TA9 is not configured).
	sub2, err := s.Availability.SubscribeNSSAIAvailability(ctx, sbi.NSSAIAvailabilitySubscription{NotificationURI: s.NotificationURI,
		TAIs: []ident.TAI{}, TAIRanges: []sbi.TAIRange{{PLMN: PLMN, TACRanges: []sbi.TACRange{{Start: "000002", End: "FFFFFF"}}}}, Event: sbi.EventSNSSAIStatusChange})
	if err != nil {
		t.Fatalf("SubscribeNSSAIAvailability with a TAI range: %v", err)
	}
	if sub2.Expiry.IsZero() || sub2.Expiry.After(time.Now().Add(nssf.DefaultSubscriptionLifetime+time.Minute)) {
		t.Errorf("expiry %v, want one within the NSSF's longest lifetime", sub2.Expiry)
	}
	check(t, "subscribed range", sub2.AuthorizedNSSAIAvailabilityData, []sbi.AuthorizedNSSAIAvailabilityData{{TAI: TA2, SupportedSNSSAIList: []ident.SNSSAI{sn(1), snd(2, 1), sn(3)}}})

	// AMF1 supports SST 1 only in TA1: the first subscription hears.
	if _, err := s.Availability.UpdateNSSAIAvailability(ctx, AMF1, sbi.NSSAIAvailabilityInfo{SupportedNSSAIAvailabilityData: []sbi.SupportedNSSAIAvailabilityData{
		{TAI: TA1, SupportedSNSSAIList: []ident.SNSSAI{sn(1)}}}}); err != nil {
		t.Fatalf("UpdateNSSAIAvailability: %v", err)
	}
	n := next(t, notes)
	if n.URI != s.NotificationURI || !sameSubscription(sub1.SubscriptionID, n.SubscriptionID) {
		t.Errorf("notification to %s for %q, want %s for %q", n.URI, n.SubscriptionID, s.NotificationURI, sub1.SubscriptionID)
	}
	check(t, "notified TA1", n.AuthorizedNSSAIAvailabilityData, []sbi.AuthorizedNSSAIAvailabilityData{{TAI: TA1, SupportedSNSSAIList: []ident.SNSSAI{sn(1)}}})

	// The same update again changes nothing; AMF2's in TA2 is the
	// second subscription's.
	if _, err := s.Availability.UpdateNSSAIAvailability(ctx, AMF1, sbi.NSSAIAvailabilityInfo{SupportedNSSAIAvailabilityData: []sbi.SupportedNSSAIAvailabilityData{
		{TAI: TA1, SupportedSNSSAIList: []ident.SNSSAI{sn(1)}}}}); err != nil {
		t.Fatalf("UpdateNSSAIAvailability: %v", err)
	}
	if _, err := s.Availability.UpdateNSSAIAvailability(ctx, AMF2, sbi.NSSAIAvailabilityInfo{SupportedNSSAIAvailabilityData: []sbi.SupportedNSSAIAvailabilityData{
		{TAI: TA2, SupportedSNSSAIList: []ident.SNSSAI{sn(3)}}}}); err != nil {
		t.Fatalf("UpdateNSSAIAvailability(AMF2): %v", err)
	}
	n = next(t, notes)
	if !sameSubscription(sub2.SubscriptionID, n.SubscriptionID) {
		t.Errorf("notification for %q, want the range's %q (TA1 did not change)", n.SubscriptionID, sub2.SubscriptionID)
	}
	check(t, "notified TA2", n.AuthorizedNSSAIAvailabilityData, []sbi.AuthorizedNSSAIAvailabilityData{{TAI: TA2, SupportedSNSSAIList: []ident.SNSSAI{sn(3)}}})

	// Unsubscribed, the first hears nothing of AMF1's delete: the next
	// notification is the second's, for AMF2's.
	if err := s.Availability.UnsubscribeNSSAIAvailability(ctx, sub1.SubscriptionID); err != nil {
		t.Fatalf("UnsubscribeNSSAIAvailability: %v", err)
	}
	for _, id := range []string{AMF1, AMF2} {
		if err := s.Availability.DeleteNSSAIAvailability(ctx, id); err != nil {
			t.Fatalf("DeleteNSSAIAvailability(%s): %v", id, err)
		}
	}
	n = next(t, notes)
	if !sameSubscription(sub2.SubscriptionID, n.SubscriptionID) {
		t.Errorf("notification for %q, want %q", n.SubscriptionID, sub2.SubscriptionID)
	}
	check(t, "TA2 back to its configuration", n.AuthorizedNSSAIAvailabilityData, []sbi.AuthorizedNSSAIAvailabilityData{{TAI: TA2, SupportedSNSSAIList: []ident.SNSSAI{sn(1), snd(2, 1), sn(3)}}})
	err = s.Availability.UnsubscribeNSSAIAvailability(ctx, sub1.SubscriptionID)
	wantProblem(t, "Unsubscribe twice", err, sbi.ErrNSSAISubscriptionNotFound, 404, "CONTEXT_NOT_FOUND")
	if err := s.Availability.UnsubscribeNSSAIAvailability(ctx, sub2.SubscriptionID); err != nil {
		t.Fatalf("UnsubscribeNSSAIAvailability: %v", err)
	}

	for _, bad := range []struct {
		what string
		sub  sbi.NSSAIAvailabilitySubscription
	}{
		{"another event", sbi.NSSAIAvailabilitySubscription{NotificationURI: s.NotificationURI, TAIs: []ident.TAI{TA1}, Event: "UE_MOVED"}},
		{"no TA", sbi.NSSAIAvailabilitySubscription{NotificationURI: s.NotificationURI, TAIs: []ident.TAI{}, Event: sbi.EventSNSSAIStatusChange}},
		{"a TAC range ending before its start", sbi.NSSAIAvailabilitySubscription{NotificationURI: s.NotificationURI, TAIs: []ident.TAI{},
			TAIRanges: []sbi.TAIRange{{PLMN: PLMN, TACRanges: []sbi.TACRange{{Start: "000009", End: "000001"}}}}, Event: sbi.EventSNSSAIStatusChange}},
		{"an expiry passed", sbi.NSSAIAvailabilitySubscription{NotificationURI: s.NotificationURI, TAIs: []ident.TAI{TA1}, Event: sbi.EventSNSSAIStatusChange, Expiry: time.Now().Add(-time.Hour)}},
	} {
		_, err := s.Availability.SubscribeNSSAIAvailability(ctx, bad.sub)
		wantProblem(t, "Subscribe with "+bad.what, err, sbi.ErrInvalidRequest, 400, "MANDATORY_IE_INCORRECT")
	}
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
	s := newServices(t, config(), make(Notifications, 8))
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
	s := newServices(t, config(), make(Notifications, 8))
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
	s := newServices(t, config(), make(Notifications, 8))
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
