package amf

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// DefaultMaxKeptSlices bounds the NSSF answers the AMF keeps.
const DefaultMaxKeptSlices = 4096

// keptSlices is the NSSF's Nnssf_NSSelection as the AMF's registrations
// use it when the AMF is subscribed to the NSSF's NSSAI availability
// notifications (TS 29.531 §5.3.2.3, §5.3.2.5): the answer to a
// registration's query is kept and given again for the same query (the
// same TAI, requested, subscribed and allowed NSSAI, and default
// configured indication), since the NSSF decides it from the query and
// the S-NSSAIs supported per TA alone (TS 23.501 §5.15.5.2.1, internal/nssf
// decide.go), and a change of those reaches the AMF as a notification,
// which drops every kept answer. Answers are kept only while a
// subscription holds (on); a query without a TAI, which the NSSF
// decides by every PLMN's slices, is never kept.
//
// Concurrency: safe for concurrent use by the goroutines performing the
// UEs' calls, the notification handler and the AMF's subscribing
// goroutine. A call in flight when the answers are dropped does not keep
// its answer: gen tells.
type keptSlices struct {
	sbi.NnssfNSSelection
	max     int
	counted *prometheus.CounterVec

	mu struct {
		sync.Mutex
		on      bool
		gen     uint64
		answers map[string]sbi.AuthorizedNetworkSliceInfo
	}
}

func newKeptSlices(nssf sbi.NnssfNSSelection, maxKept int, reg prometheus.Registerer) (*keptSlices, error) {
	k := &keptSlices{NnssfNSSelection: nssf, max: maxKept,
		counted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_amf_nsselection_total",
			Help: "Nnssf_NSSelection answers a registration used, by source: nssf (asked) or kept (an answer kept while subscribed to NSSAI availability changes, TS 29.531 §5.3.2.3).",
		}, []string{"source"}),
	}
	if k.max <= 0 {
		k.max = DefaultMaxKeptSlices
	}
	k.mu.answers = map[string]sbi.AuthorizedNetworkSliceInfo{}
	if reg != nil {
		if err := reg.Register(k.counted); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// NetworkSliceInformation gives the kept answer to q, or asks the NSSF
// and keeps its answer.
func (k *keptSlices) NetworkSliceInformation(ctx context.Context, q sbi.NSSelectionQuery) (sbi.AuthorizedNetworkSliceInfo, error) {
	key, keep := sliceQueryKey(q)
	k.mu.Lock()
	if keep && k.mu.on {
		if a, ok := k.mu.answers[key]; ok {
			k.mu.Unlock()
			k.counted.WithLabelValues("kept").Inc()
			return cloneSliceInfo(a), nil
		}
	}
	gen, on := k.mu.gen, k.mu.on
	k.mu.Unlock()
	k.counted.WithLabelValues("nssf").Inc()
	info, err := k.NnssfNSSelection.NetworkSliceInformation(ctx, q)
	if err != nil || !keep || !on {
		return info, err
	}
	k.mu.Lock()
	if k.mu.on && k.mu.gen == gen {
		if len(k.mu.answers) >= k.max {
			clear(k.mu.answers)
		}
		k.mu.answers[key] = cloneSliceInfo(info)
	}
	k.mu.Unlock()
	return info, nil
}

// start keeps answers from now on, none of before: a subscription was
// created.
func (k *keptSlices) start() { k.reset(true) }

// stop keeps no answer: no subscription holds.
func (k *keptSlices) stop() { k.reset(false) }

// drop forgets the kept answers: the S-NSSAIs supported in a TA
// changed.
func (k *keptSlices) drop() {
	k.mu.Lock()
	on := k.mu.on
	k.mu.Unlock()
	k.reset(on)
}

func (k *keptSlices) reset(on bool) {
	k.mu.Lock()
	k.mu.on = on
	k.mu.gen++
	clear(k.mu.answers)
	k.mu.Unlock()
}

// kept counts the answers kept, for tests.
func (k *keptSlices) kept() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.mu.answers)
}

// sliceQueryKey is the text that tells queries with the same answer
// apart: every attribute of the query, in order and as given (rejected
// S-NSSAIs are answered as the UE requested them); keep is false for a
// query that is not to be kept.
func sliceQueryKey(q sbi.NSSelectionQuery) (key string, keep bool) {
	in := q.SliceInfoForRegistration
	if q.TAI == nil || in == nil {
		return "", false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%s|%t|r", q.NFType, q.NFID, q.TAI, in.DefaultConfiguredSNSSAIInd)
	for _, s := range in.RequestedNSSAI {
		writeSNSSAI(&b, s)
	}
	b.WriteString("|s")
	for _, s := range in.SubscribedNSSAI {
		writeSNSSAI(&b, s.SubscribedSNSSAI)
		if s.DefaultIndication {
			b.WriteByte('*')
		}
	}
	if a := in.AllowedNSSAICurrentAccess; a != nil {
		b.WriteString("|a" + a.AccessType)
		for _, s := range a.AllowedSNSSAIList {
			writeSNSSAI(&b, s.AllowedSNSSAI)
		}
	}
	return b.String(), true
}

func writeSNSSAI(b *strings.Builder, s ident.SNSSAI) {
	if s.HasSD {
		fmt.Fprintf(b, ",%d-%06x", s.SST, s.SD)
		return
	}
	fmt.Fprintf(b, ",%d", s.SST)
}

// cloneSliceInfo copies an answer, so that neither the kept one nor the
// one given out changes with the other.
func cloneSliceInfo(in sbi.AuthorizedNetworkSliceInfo) sbi.AuthorizedNetworkSliceInfo {
	out := sbi.AuthorizedNetworkSliceInfo{
		ConfiguredNSSAI:     slices.Clone(in.ConfiguredNSSAI),
		RejectedNSSAIInPLMN: slices.Clone(in.RejectedNSSAIInPLMN),
		RejectedNSSAIInTA:   slices.Clone(in.RejectedNSSAIInTA),
	}
	for _, l := range in.AllowedNSSAIList {
		out.AllowedNSSAIList = append(out.AllowedNSSAIList, sbi.AllowedNSSAI{AccessType: l.AccessType, AllowedSNSSAIList: slices.Clone(l.AllowedSNSSAIList)})
	}
	return out
}
