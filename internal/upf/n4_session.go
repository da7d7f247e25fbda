package upf

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/keelcore/keel/internal/pfcp"
)

// session is a PFCP session (TS 29.244 §5.6). Its procedures run one at
// a time under mu, which is held across the Datapath calls; the UPF's
// state lock may be taken inside it, never the reverse.
type session struct {
	upSEID uint64     // immutable
	cpNode netip.Addr // immutable: the CP function's Node ID

	mu     sync.Mutex
	cpSEID uint64
	cpAddr netip.AddrPort // where the CP's requests come from, and reports go
	rules  packedRules    // as installed, every F-TEID resolved
	teids  []uint32       // the local TEIDs the session holds
	urrs   []urrState     // one per URR of rules, found by ID: a session has one or two
	gone   bool           // deleted: later procedures find no session
}

// urrState is what the usage reports of one URR carry over: UR-SEQN
// (§8.2.77), the start of the measurement being reported, and the
// datapath's counters at the last report — they only grow, and a report
// carries the usage since the previous one.
type urrState struct {
	id    uint32 // the URR's
	seqN  uint32
	since time.Time
	last  Usage
}

// lookup returns the session with this UP SEID, or nil.
func (u *UPF) lookup(seid uint64) *session {
	u.state.Lock()
	defer u.state.Unlock()
	return u.state.sessions[seid]
}

// newSession allocates a UP SEID and indexes a new session, returned
// locked. UP SEIDs are random (crypto/rand), never 0 and never one in
// use: a peer that knows one session's SEID learns nothing of the
// others' (TS 29.244 §5.6.1 leaves their allocation to the UPF).
func (u *UPF) newSession(cpNode netip.Addr, cpSEID uint64, cpAddr netip.AddrPort) *session {
	s := &session{cpNode: cpNode, cpSEID: cpSEID, cpAddr: cpAddr}
	s.mu.Lock()
	u.state.Lock()
	defer u.state.Unlock()
	for {
		seid := u.newSEID()
		if _, used := u.state.sessions[seid]; seid != 0 && !used {
			s.upSEID = seid
			break
		}
	}
	u.state.sessions[s.upSEID] = s
	u.metrics.sessions.Set(float64(len(u.state.sessions)))
	return s
}

// randomSEID is a UP SEID candidate from crypto/rand.
func randomSEID() uint64 {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return binary.BigEndian.Uint64(b[:])
}

// forget removes a session from the index and frees its TEIDs. s.mu must
// be held.
func (u *UPF) forget(s *session) {
	s.gone = true
	u.state.Lock()
	defer u.state.Unlock()
	delete(u.state.sessions, s.upSEID)
	for _, t := range s.teids {
		if u.state.teids[t] == s.upSEID {
			delete(u.state.teids, t)
		}
	}
	s.teids = nil
	u.metrics.sessions.Set(float64(len(u.state.sessions)))
}

var errNoTEID = errors.New("upf: no free TEID")

// claim resolves the F-TEIDs of r for session s: a CHOOSE F-TEID gets a
// new TEID on the N3 address (PDRs of the request with the same CHOOSE ID
// the same one, TS 29.244 §8.2.3), and a TEID the CP function chose is
// taken unless another session holds it. It returns the Created PDRs
// (§7.5.3.2) and the TEIDs newly taken, which the caller gives back with
// release if the rules are not installed.
func (u *UPF) claim(s *session, r *pfcp.Rules) (created []pfcp.CreatedPDR, taken []uint32, err error) {
	u.state.Lock()
	defer u.state.Unlock()
	chosen := map[uint8]uint32{}
	for i := range r.PDRs {
		p := &r.PDRs[i]
		if p.FTEID == nil {
			continue
		}
		if !p.FTEID.Choose {
			switch owner, held := u.state.teids[p.FTEID.TEID]; {
			case !held:
				u.state.teids[p.FTEID.TEID] = s.upSEID
				taken = append(taken, p.FTEID.TEID)
			case owner != s.upSEID:
				u.releaseLocked(taken)
				return nil, nil, &pfcp.CauseError{Cause: pfcp.CauseRuleCreationModificationFailure,
					Err: fmt.Errorf("upf: PDR %d: TEID %#x belongs to another session", p.ID, p.FTEID.TEID)}
			}
			continue
		}
		teid, ok := chosen[p.FTEID.ChooseID]
		if !ok || p.FTEID.ChooseID == 0 {
			if teid, err = u.allocTEID(s.upSEID); err != nil {
				u.releaseLocked(taken)
				return nil, nil, &pfcp.CauseError{Cause: pfcp.CauseNoResourcesAvailable, Err: err}
			}
			taken = append(taken, teid)
			chosen[p.FTEID.ChooseID] = teid
		}
		p.FTEID = &pfcp.FTEID{TEID: teid, IPv4: u.n3}
		created = append(created, pfcp.CreatedPDR{ID: p.ID, FTEID: *p.FTEID})
	}
	return created, taken, nil
}

// allocTEID takes a free TEID (never 0) for a session. u.state must be
// held.
func (u *UPF) allocTEID(seid uint64) (uint32, error) {
	for range 1 << 16 {
		t := u.state.nextTEID
		u.state.nextTEID++
		if _, used := u.state.teids[t]; t != 0 && !used {
			u.state.teids[t] = seid
			return t, nil
		}
	}
	return 0, errNoTEID
}

func (u *UPF) release(teids []uint32) {
	u.state.Lock()
	defer u.state.Unlock()
	u.releaseLocked(teids)
}

func (u *UPF) releaseLocked(teids []uint32) {
	for _, t := range teids {
		delete(u.state.teids, t)
	}
}

// install puts rules in the datapath for s and, when it accepts them,
// makes them the session's: TEIDs taken for them join the session's,
// TEIDs its PDRs no longer use are freed. When the datapath refuses, the
// TEIDs taken are given back and the session keeps its rules. The
// datapath sends an End Marker on each of endMarkers once the rules are
// in (Rules.EndMarkers). s.mu must be held.
func (u *UPF) install(s *session, r pfcp.Rules, taken []uint32, endMarkers []OuterHeader) error {
	err := checkBARs(r)
	if err == nil {
		dr := u.toDatapath(r)
		dr.EndMarkers = endMarkers
		err = u.dp.Apply(s.upSEID, dr)
	}
	if err != nil {
		u.release(taken)
		return err
	}
	used := map[uint32]bool{}
	for _, p := range r.PDRs {
		if p.FTEID != nil {
			used[p.FTEID.TEID] = true
		}
	}
	var keep, free []uint32
	for _, t := range append(s.teids, taken...) {
		if used[t] {
			keep = append(keep, t)
		} else {
			free = append(free, t)
		}
	}
	u.release(free)
	s.rules, s.teids = packRules(r), keep
	return nil
}

// checkBARs refuses more than one BAR (TS 29.244 §7.5.2.1: a session has
// one) and a FAR naming a BAR the session does not have.
func checkBARs(r pfcp.Rules) error {
	if len(r.BARs) > 1 {
		return ruleErr("BAR", uint32(r.BARs[1].ID), "is a second BAR of the session")
	}
	for _, f := range r.FARs {
		if f.BARID != 0 && (len(r.BARs) == 0 || r.BARs[0].ID != f.BARID) {
			return ruleErr("FAR", f.ID, fmt.Sprintf("names BAR %d, which the session does not have", f.BARID))
		}
	}
	return nil
}

// toDatapath converts the rules of the protocol to the datapath's. A
// downlink PDR (Source Core) with a UE IPv6 /64 prefix is how the SMF
// tells the UPF that the session is an IPv6 or IPv4v6 PDU session (TS
// 23.501 §5.8.2.2.3): the UPF is then the UE's IPv6 router and
// advertises that prefix, with the resolvers and MTU of the PDR's
// network instance (Options.DNNs).
func (u *UPF) toDatapath(r pfcp.Rules) Rules {
	var out Rules
	for _, p := range r.PDRs {
		if p.SourceInterface != uint8(Core) || !p.UEIPv6Prefix.IsValid() || p.UEIPv6Prefix.Bits() != 64 || out.Router != nil {
			continue
		}
		d := u.dnns[strings.ToLower(p.NetworkInstance)]
		out.Router = &IPv6Router{Prefix: p.UEIPv6Prefix, DNS: d.DNS, MTU: d.MTU}
	}
	if len(r.BARs) > 0 {
		out.BufferPackets = int(r.BARs[0].SuggestedPackets)
	}
	for _, p := range r.PDRs {
		d := PDR{
			ID: p.ID, Precedence: p.Precedence, Source: Interface(p.SourceInterface),
			UEAddr: p.UEIPv4, UEPrefix: p.UEIPv6Prefix, QFI: p.QFI, SDFFilters: p.SDFFilters, RemoveOuterHeader: p.RemoveOuterHeader,
			FARID: p.FARID, QERIDs: slices.Clone(p.QERIDs), URRIDs: slices.Clone(p.URRIDs),
		}
		if p.FTEID != nil {
			d.TEID = p.FTEID.TEID
		}
		out.PDRs = append(out.PDRs, d)
	}
	for _, f := range r.FARs {
		d := FAR{ID: f.ID, Action: Drop, Notify: f.NotifyCP, Destination: Interface(f.DestinationInterface)}
		switch {
		case f.Forward:
			d.Action = Forward
		case f.Buffer:
			d.Action = Buffer
		}
		if f.Outer != nil {
			d.Outer = &OuterHeader{TEID: f.Outer.TEID, Addr: f.Outer.IPv4}
		}
		out.FARs = append(out.FARs, d)
	}
	for _, q := range r.QERs {
		out.QERs = append(out.QERs, QER{ID: q.ID, GateUL: q.GateUL, GateDL: q.GateDL, MBRUL: q.MBRUL, MBRDL: q.MBRDL, QFI: q.QFI})
	}
	for _, x := range r.URRs {
		out.URRs = append(out.URRs, URR{ID: x.ID, VolumeThreshold: x.VolumeThreshold})
	}
	return out
}

// startURRs starts the measurement of the URRs of the session's rules r
// (as just installed) not measured yet, and forgets those it no longer
// has. s.mu must be held.
func (s *session) startURRs(r pfcp.Rules, now time.Time) {
	s.urrs = slices.DeleteFunc(s.urrs, func(st urrState) bool {
		return !slices.ContainsFunc(r.URRs, func(x pfcp.URR) bool { return x.ID == st.id })
	})
	for _, x := range r.URRs {
		if s.urr(x.ID) == nil {
			s.urrs = append(s.urrs, urrState{id: x.ID, since: now})
		}
	}
}

// urr returns the state of URR id, nil when it has none. s.mu must be
// held; the pointer is good until s.urrs changes.
func (s *session) urr(id uint32) *urrState {
	for i := range s.urrs {
		if s.urrs[i].id == id {
			return &s.urrs[i]
		}
	}
	return nil
}

// report turns the datapath's counters of a URR into a usage report
// (§7.5.8.3): the usage since the previous report, its bounds, the next
// UR-SEQN. s.mu must be held.
func (s *session) report(use Usage, trigger string, now time.Time) pfcp.UsageReport {
	st := s.urr(use.URRID)
	if st == nil {
		s.urrs = append(s.urrs, urrState{id: use.URRID, since: now})
		st = &s.urrs[len(s.urrs)-1]
	}
	d := use
	// Counters that went back mean the URR was created again.
	if use.Uplink >= st.last.Uplink && use.Downlink >= st.last.Downlink && use.UplinkPkts >= st.last.UplinkPkts && use.DownPkts >= st.last.DownPkts {
		d.Uplink -= st.last.Uplink
		d.Downlink -= st.last.Downlink
		d.UplinkPkts -= st.last.UplinkPkts
		d.DownPkts -= st.last.DownPkts
	}
	r := pfcp.UsageReport{
		URRID: use.URRID, Trigger: trigger, Uplink: d.Uplink, Downlink: d.Downlink, Total: d.Uplink + d.Downlink,
		UplinkPkts: d.UplinkPkts, DownlinkPkts: d.DownPkts, SeqN: st.seqN, Start: st.since, End: now,
	}
	st.seqN++
	st.since, st.last = now, use
	return r
}
