package nssf

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// Bounds on the NSSAI availability subscriptions.
const (
	// DefaultSubscriptionLifetime is the longest subscription the NSSF
	// grants, and the lifetime of one whose consumer asked for no
	// expiry: a consumer that vanished without unsubscribing is
	// forgotten after it.
	DefaultSubscriptionLifetime = time.Hour
	// DefaultMaxSubscriptions bounds the subscriptions held at once.
	DefaultMaxSubscriptions = 4096
	// notifyTimeout bounds one notification's delivery.
	notifyTimeout = 5 * time.Second
)

// subscription is one NSSAI availability subscription.
type subscription struct {
	id     string
	uri    string
	tais   []ident.TAI
	ranges []taiRange
	expiry time.Time
}

// taiRange is a TaiRange checked and ready to match.
type taiRange struct {
	plmn ident.PLMN
	tacs []tacRange
}

// tacRange is a TacRange: [start, end] or a pattern.
type tacRange struct {
	start, end uint32
	pattern    *regexp.Regexp
}

// covers reports whether the subscription is for tai.
func (s *subscription) covers(tai ident.TAI) bool {
	if slices.Contains(s.tais, tai) {
		return true
	}
	for _, r := range s.ranges {
		if r.plmn != tai.PLMN {
			continue
		}
		for _, t := range r.tacs {
			if t.pattern != nil {
				if t.pattern.MatchString(fmt.Sprintf("%06X", tai.TAC)) || t.pattern.MatchString(fmt.Sprintf("%06x", tai.TAC)) {
					return true
				}
				continue
			}
			if t.start <= tai.TAC && tai.TAC <= t.end {
				return true
			}
		}
	}
	return false
}

// SubscribeNSSAIAvailability is Nnssf_NSSAIAvailability_Subscribe
// (TS 29.531 §5.3.2.3.1; TS 23.502 §5.2.16.3.3): the NSSF keeps the
// subscription until its expiry, at most DefaultSubscriptionLifetime
// from now, and notifies its URI whenever the S-NSSAIs supported in one
// of its TAs change (notifyChanged). The answer holds the S-NSSAIs
// supported now in the subscribed TAs the NSSF knows.
func (n *NSSF) SubscribeNSSAIAvailability(ctx context.Context, in sbi.NSSAIAvailabilitySubscription) (sbi.NSSAIAvailabilitySubscribed, error) {
	s, err := n.checkSubscription(in)
	if err != nil {
		n.metrics.availability.WithLabelValues("subscribe", sbi.Outcome(err)).Inc()
		return sbi.NSSAIAvailabilitySubscribed{}, err
	}
	now := n.now()
	s.expiry = now.Add(n.lifetime)
	if !in.Expiry.IsZero() && in.Expiry.Before(s.expiry) {
		s.expiry = in.Expiry
	}
	n.mu.Lock()
	n.expireLocked(now)
	switch {
	case n.mu.stopped:
		err = fmt.Errorf("nssf: stopped: %w", sbi.ErrUnavailable)
	case n.notifier == nil:
		err = fmt.Errorf("nssf: NSSAIAvailability subscribe: no notifications can be sent from this NSSF: %w", sbi.ErrUnavailable)
	case len(n.mu.subs) >= n.maxSubs:
		err = fmt.Errorf("nssf: NSSAIAvailability subscribe: %d subscriptions held already: %w", len(n.mu.subs), sbi.ErrUnavailable)
	}
	if err != nil {
		n.mu.Unlock()
		n.metrics.availability.WithLabelValues("subscribe", sbi.Outcome(err)).Inc()
		return sbi.NSSAIAvailabilitySubscribed{}, err
	}
	n.mu.nextSub++
	s.id = n.subPrefix + strconv.FormatUint(n.mu.nextSub, 10)
	n.mu.subs[s.id] = s
	out := sbi.NSSAIAvailabilitySubscribed{SubscriptionID: s.id, Expiry: s.expiry, AuthorizedNSSAIAvailabilityData: n.coveredLocked(s)}
	n.mu.Unlock()
	n.metrics.availability.WithLabelValues("subscribe", "ok").Inc()
	n.log.Info("NSSAI availability subscription created", "subscription_id", s.id, "uri", s.uri, "tas", len(s.tais), "tai_ranges", len(s.ranges), "expiry", s.expiry)
	return out, nil
}

// checkSubscription checks a subscription (TS 29.531
// NssfEventSubscriptionCreateData: a notification URI, the event, at
// least one TA listed or in a range; TS 29.510 TacRange: start and end
// of 4 or 6 hex digits, or a pattern).
func (n *NSSF) checkSubscription(in sbi.NSSAIAvailabilitySubscription) (*subscription, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("nssf: NSSAIAvailability subscribe: "+format+": %w", append(args, sbi.ErrInvalidRequest)...)
	}
	u, err := url.Parse(in.NotificationURI)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, bad("nfNssaiAvailabilityUri %q is not an absolute http or https URI", in.NotificationURI)
	}
	if in.Event != sbi.EventSNSSAIStatusChange {
		return nil, bad("event %q is not %s", in.Event, sbi.EventSNSSAIStatusChange)
	}
	if len(in.TAIs) == 0 && len(in.TAIRanges) == 0 {
		return nil, bad("neither taiList nor taiRangeList names a TA")
	}
	if !in.Expiry.IsZero() && !in.Expiry.After(n.now()) {
		return nil, bad("expiry %s has passed", in.Expiry.Format(time.RFC3339))
	}
	s := &subscription{uri: in.NotificationURI}
	for _, t := range in.TAIs {
		if err := t.Validate(); err != nil {
			return nil, bad("taiList: %v", err)
		}
		s.tais = append(s.tais, t)
	}
	for i, r := range in.TAIRanges {
		if _, err := r.PLMN.Octets(); err != nil {
			return nil, bad("taiRangeList/%d: %v", i, err)
		}
		if len(r.TACRanges) == 0 {
			return nil, bad("taiRangeList/%d: empty tacRangeList", i)
		}
		tr := taiRange{plmn: r.PLMN}
		for j, t := range r.TACRanges {
			c, err := checkTACRange(t)
			if err != nil {
				return nil, bad("taiRangeList/%d/tacRangeList/%d: %v", i, j, err)
			}
			tr.tacs = append(tr.tacs, c)
		}
		s.ranges = append(s.ranges, tr)
	}
	return s, nil
}

func checkTACRange(t sbi.TACRange) (tacRange, error) {
	if t.Pattern != "" {
		if t.Start != "" || t.End != "" {
			return tacRange{}, fmt.Errorf("both a pattern and start or end")
		}
		re, err := regexp.Compile(t.Pattern)
		if err != nil {
			return tacRange{}, fmt.Errorf("pattern: %v", err)
		}
		return tacRange{pattern: re}, nil
	}
	start, err := parseTAC(t.Start)
	if err != nil {
		return tacRange{}, fmt.Errorf("start: %v", err)
	}
	end, err := parseTAC(t.End)
	if err != nil {
		return tacRange{}, fmt.Errorf("end: %v", err)
	}
	if end < start {
		return tacRange{}, fmt.Errorf("end %s before start %s", t.End, t.Start)
	}
	return tacRange{start: start, end: end}, nil
}

// parseTAC reads a TAC of 4 or 6 hexadecimal digits (TS 29.571 Tac).
func parseTAC(s string) (uint32, error) {
	if len(s) != 4 && len(s) != 6 {
		return 0, fmt.Errorf("%q is not 4 or 6 hexadecimal digits", s)
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not 4 or 6 hexadecimal digits", s)
	}
	return uint32(v), nil
}

// UnsubscribeNSSAIAvailability is Nnssf_NSSAIAvailability_Unsubscribe
// (TS 29.531 §5.3.2.4; TS 23.502 §5.2.16.3.4).
func (n *NSSF) UnsubscribeNSSAIAvailability(ctx context.Context, id string) error {
	n.mu.Lock()
	n.expireLocked(n.now())
	var err error
	switch _, ok := n.mu.subs[id]; {
	case n.mu.stopped:
		err = fmt.Errorf("nssf: stopped: %w", sbi.ErrUnavailable)
	case !ok:
		err = fmt.Errorf("nssf: NSSAIAvailability subscription %q: %w", id, sbi.ErrNSSAISubscriptionNotFound)
	default:
		delete(n.mu.subs, id)
	}
	n.mu.Unlock()
	n.metrics.availability.WithLabelValues("unsubscribe", sbi.Outcome(err)).Inc()
	if err == nil {
		n.log.Info("NSSAI availability subscription deleted", "subscription_id", id)
	}
	return err
}

// expireLocked forgets the subscriptions whose expiry has passed; the
// caller holds mu for writing.
func (n *NSSF) expireLocked(now time.Time) {
	for id, s := range n.mu.subs {
		if !now.Before(s.expiry) {
			delete(n.mu.subs, id)
			n.log.Info("NSSAI availability subscription expired", "subscription_id", id)
		}
	}
}

// coveredLocked is what the view supports in the TAs the NSSF knows that
// s covers, in TAI order, leaving out those supporting nothing; the
// caller holds mu.
func (n *NSSF) coveredLocked(s *subscription) []sbi.AuthorizedNSSAIAvailabilityData {
	var out []sbi.AuthorizedNSSAIAvailabilityData
	for t, list := range n.mu.view.inTA {
		if len(list) > 0 && s.covers(t) {
			out = append(out, sbi.AuthorizedNSSAIAvailabilityData{TAI: t, SupportedSNSSAIList: slices.Clone(list)})
		}
	}
	slices.SortFunc(out, func(a, b sbi.AuthorizedNSSAIAvailabilityData) int { return compareTAI(a.TAI, b.TAI) })
	return out
}

func compareTAI(a, b ident.TAI) int {
	if a.PLMN != b.PLMN {
		if a.PLMN.MCC+a.PLMN.MNC < b.PLMN.MCC+b.PLMN.MNC {
			return -1
		}
		return 1
	}
	switch {
	case a.TAC < b.TAC:
		return -1
	case a.TAC > b.TAC:
		return 1
	}
	return 0
}

// changedTAs are the TAs whose supported S-NSSAIs differ between two
// views, as sets: a rebuild may list the same S-NSSAIs in another order.
func changedTAs(old, cur view) []ident.TAI {
	var out []ident.TAI
	for t, l := range cur.inTA {
		if prev, ok := old.inTA[t]; !ok || !sameSet(l, prev) {
			out = append(out, t)
		}
	}
	for t := range old.inTA {
		if _, ok := cur.inTA[t]; !ok {
			out = append(out, t)
		}
	}
	return out
}

// sameSet reports whether two lists of canonical S-NSSAIs, each given
// once, hold the same ones.
func sameSet(a, b []ident.SNSSAI) bool {
	if len(a) != len(b) {
		return false
	}
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	return true
}

// notifyChangedLocked notifies, off the caller's goroutine, every
// subscription that covers a TA whose supported S-NSSAIs changed from
// old to the current view (Nnssf_NSSAIAvailability_Notify, TS 29.531
// §5.3.2.5; TS 23.502 §5.2.16.3.2) with what its TAs support now. The
// caller holds mu for writing; the deliveries run on goroutines the
// NSSF joins at Stop.
func (n *NSSF) notifyChangedLocked(old view) {
	changed := changedTAs(old, n.mu.view)
	if len(changed) == 0 || len(n.mu.subs) == 0 || n.notifier == nil {
		return
	}
	n.expireLocked(n.now())
	var ids []string
	for _, s := range n.mu.subs {
		if slices.ContainsFunc(changed, s.covers) {
			ids = append(ids, s.id)
		}
	}
	if len(ids) == 0 || n.mu.notifyCtx == nil {
		return
	}
	ctx := n.mu.notifyCtx
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		for _, id := range ids {
			n.deliver(ctx, id)
		}
	}()
}

// deliver notifies subscription id, if it is still held, of what its TAs
// support at the time of sending: a notification overtaken by a later
// one carries the same state, not an older one.
func (n *NSSF) deliver(ctx context.Context, id string) {
	n.mu.RLock()
	s, ok := n.mu.subs[id]
	var note sbi.NSSAIAvailabilityNotification
	if ok {
		note = sbi.NSSAIAvailabilityNotification{SubscriptionID: id, AuthorizedNSSAIAvailabilityData: n.coveredLocked(s)}
	}
	n.mu.RUnlock()
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, notifyTimeout)
	err := n.notifier.NotifyNSSAIAvailability(ctx, s.uri, note)
	cancel()
	if err != nil {
		n.metrics.notifications.WithLabelValues("failed").Inc()
		n.log.Warn("NSSAI availability notification not delivered", "subscription_id", id, "uri", s.uri, "err", err)
		return
	}
	n.metrics.notifications.WithLabelValues("delivered").Inc()
}

// subscriptions counts the subscriptions held.
func (n *NSSF) subscriptions() float64 {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return float64(len(n.mu.subs))
}
