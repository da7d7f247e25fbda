package amf_test

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/free5gc/ngap/message"

	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sim/gnb"
	"github.com/keelcore/keel/internal/sim/scenario"
)

// switchingSMF is a recordingSMF that switches paths: a Path Switch
// Request Transfer is answered with an Acknowledge Transfer, a Setup
// Failed Transfer releases the session. It records the N2 SM types.
type switchingSMF struct {
	sbi.NsmfPDUSession
	quiet bool        // record nothing (a benchmark's many handovers)
	tr    *transcript // records the path switch updates, when set
	mu    sync.Mutex
	types []sbi.N2SmInfoType
	locs  []*sbi.UserLocation // the ueLocation of each update recorded
}

func (s *switchingSMF) UpdateSMContext(ctx context.Context, ref string, upd sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	switch upd.N2SmInfoType {
	case sbi.N2PathSwitchRequest, sbi.N2PathSwitchSetupFailed:
		if !s.quiet {
			s.mu.Lock()
			s.types = append(s.types, upd.N2SmInfoType)
			s.locs = append(s.locs, upd.UeLocation)
			s.mu.Unlock()
		}
		ans, err := s.pathSwitch(upd)
		s.tr.recordSMF(upd, ans, err)
		return ans, err
	}
	return s.NsmfPDUSession.UpdateSMContext(ctx, ref, upd)
}

func (s *switchingSMF) pathSwitch(upd sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	if upd.N2SmInfoType == sbi.N2PathSwitchSetupFailed {
		return sbi.SmContextUpdatedData{Released: true}, nil
	}
	if _, err := ngap.DecodePathSwitchTransfer(upd.N2SmInfo.Bytes()); err != nil {
		return sbi.SmContextUpdatedData{}, sbi.ErrInvalidRequest
	}
	ack, err := ngap.PathSwitchAckTransfer{UL: ngap.Tunnel{Addr: netip.MustParseAddr("192.0.2.1"), TEID: 1}}.Encode()
	return sbi.SmContextUpdatedData{N2SmInfoType: sbi.N2PathSwitchRequestAck, N2SmInfo: sbi.N2SM(ack)}, err
}

// recvUE reads the next NGAP message on a raw association.
func recvUE(t *testing.T, c sctp.Conn) message.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	in, err := c.Recv(ctx)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	m, err := ngap.Decode(in.Data)
	if err != nil {
		t.Fatalf("answer does not decode: %v", err)
	}
	return m
}

// TestPathSwitch runs Xn handovers of a UE with PDU session 1 (TS 23.502
// §4.9.1.2.2): to a target gNB serving the UE's tracking area, the AMF
// switches the session at the SMF, answers with NCC 2 and a fresh NH
// (TS 33.501 §6.9.2.3.3), no UE security capabilities when the target's
// match, and moves the UE's connection to the target; a second switch
// gives NCC 3. A target not serving the TA, a session not the UE's,
// changed security capabilities and an unknown UE get their answers.
// Each case's exchanges are compared with a transcript (xn_*.txt).
func TestPathSwitch(t *testing.T) {
	rec := newRecordingSMF()
	tr := newTranscript()
	smf := &switchingSMF{NsmfPDUSession: rec, tr: tr}
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s }})
	g := c.gnb(t, 1)
	connectedWithSession(t, c, rec, g, 0)
	v, ok := ueView(c, supiOf(0))
	if !ok || v.AMFUENGAPID == 0 {
		t.Fatalf("UE view %+v", v)
	}
	loc := ngap.UELocation{TAI: ident.TAI{PLMN: plmn, TAC: 1}, CellID: 0x20, CellPLMN: plmn}
	caps := ngap.UESecurityCapabilities{NREncryption: ngap.AlgSNOW3G | ngap.AlgAES | ngap.AlgZUC, NRIntegrity: ngap.AlgSNOW3G | ngap.AlgAES | ngap.AlgZUC,
		EUTRAEncryption: ngap.AlgSNOW3G | ngap.AlgAES | ngap.AlgZUC, EUTRAIntegrity: ngap.AlgSNOW3G | ngap.AlgAES | ngap.AlgZUC}
	xfer, err := ngap.PathSwitchTransfer{DL: ngap.Tunnel{Addr: netip.MustParseAddr("10.0.0.2"), TEID: 0x77}, QFIs: []uint8{1}}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	psr := func(source, ranUE int64, loc ngap.UELocation, caps ngap.UESecurityCapabilities, psis ...uint8) []byte {
		p := ngap.PathSwitch{RANUE: ranUE, SourceAMFUE: source, Location: loc, Security: caps}
		for _, psi := range psis {
			p.Sessions = append(p.Sessions, ngap.SessionResult{PDUSessionID: psi, Transfer: xfer})
		}
		m, err := ngap.PathSwitchRequest(p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ngap.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	// A target that does not serve TAC 1.
	other := tr.conn("target gNB 3 (TAC 2)", rawGNB(t, c, 3, 2))
	target := tr.conn("target gNB 2 (TAC 1)", rawGNB(t, c, 2, 1))
	back := tr.conn("target gNB 4 (TAC 1)", rawGNB(t, c, 4, 1))
	tr.party("SMF")
	tr.start()
	send(t, other, psr(v.AMFUENGAPID, 7, loc, caps, 1))
	if m, ok := recvUE(t, other).(*message.PathSwitchRequestFailure); !ok {
		t.Fatalf("Path Switch Request to a target not serving the TA: answer %T, want Path Switch Request Failure", m)
	} else if _, cause, _ := ngap.DecodePathSwitchRequestFailure(m); ngap.CauseString(cause) != "radio-network/8" {
		t.Errorf("cause %s, want radio-network/8 (ho-target-not-allowed)", ngap.CauseString(cause))
	}
	tr.check(t, "xn_target_not_serving_ta")

	// Unknown UE: Error Indication unknown local UE NGAP ID (§10.6).
	send(t, target, psr(v.AMFUENGAPID+100, 8, loc, caps, 1))
	if m, ok := recvUE(t, target).(*message.ErrorIndication); !ok || ngap.CauseString(m.Cause) != "radio-network/14" {
		t.Fatalf("Path Switch Request of an unknown UE: answer %T, want Error Indication radio-network/14", m)
	}
	tr.check(t, "xn_unknown_ue")
	// Only a session the UE does not have: failure.
	send(t, target, psr(v.AMFUENGAPID, 8, loc, caps, 9))
	if m, ok := recvUE(t, target).(*message.PathSwitchRequestFailure); !ok {
		t.Fatalf("Path Switch Request of a session not the UE's: answer %T, want Path Switch Request Failure", m)
	}
	tr.check(t, "xn_session_not_the_ues")

	// Session 1 switched, session 9 (not the UE's) released; the
	// target's security capabilities differ: the AMF's go back.
	changed := caps
	changed.NREncryption = ngap.AlgAES
	send(t, target, psr(v.AMFUENGAPID, 8, loc, changed, 1, 9))
	m, ok := recvUE(t, target).(*message.PathSwitchRequestAcknowledge)
	if !ok {
		t.Fatalf("Path Switch Request: answer %T, want Path Switch Request Acknowledge", m)
	}
	ack, err := ngap.DecodePathSwitchRequestAcknowledge(m)
	if err != nil {
		t.Fatal(err)
	}
	if ack.AMFUE != v.AMFUENGAPID || ack.RANUE != 8 || ack.NCC != 2 || ack.NH.IsZero() {
		t.Errorf("acknowledge IDs %d/%d NCC %d NH zero %v, want %d/8, NCC 2, an NH", ack.AMFUE, ack.RANUE, ack.NCC, ack.NH.IsZero(), v.AMFUENGAPID)
	}
	if len(ack.Switched) != 1 || ack.Switched[0].PDUSessionID != 1 || len(ack.Released) != 1 || ack.Released[0].PDUSessionID != 9 {
		t.Errorf("switched %+v released %+v, want session 1 switched, 9 released", ack.Switched, ack.Released)
	}
	if cause, err := ngap.DecodePathSwitchUnsuccessfulTransfer(ack.Released[0].Transfer); err != nil || ngap.CauseString(cause) != "radio-network/26" {
		t.Errorf("released session 9: cause %s, %v, want radio-network/26", ngap.CauseString(cause), err)
	}
	if ack.Security == nil || *ack.Security == changed {
		t.Errorf("acknowledge UE Security Capabilities %+v, want the AMF's, not the target's", ack.Security)
	}
	waitUEView(t, c.amf, "UE on the target", func(u amf.UE) bool { return u.RANUENGAPID == 8 && u.AMFUENGAPID == v.AMFUENGAPID && u.GNB != v.GNB })
	if n := counter(c, "keel_amf_path_switches_total", "acknowledged"); n != 1 {
		t.Errorf("keel_amf_path_switches_total{acknowledged} = %v, want 1", n)
	}
	tr.check(t, "xn_changed_security_capabilities")
	// TS 29.502 §5.2.2.3.1: the SMF is told where the UE now is.
	smf.mu.Lock()
	last := smf.locs[len(smf.locs)-1]
	smf.mu.Unlock()
	want := &sbi.UserLocation{NrLocation: &sbi.NrLocation{Tai: ident.TAI{PLMN: plmn, TAC: 1},
		Ncgi: sbi.Ncgi{PLMN: plmn, NrCellID: "000000020"}}}
	if last == nil || *last.NrLocation != *want.NrLocation {
		t.Errorf("ueLocation of the path switch = %+v, want %+v", last, want.NrLocation)
	}

	// A second handover, to the first gNB's side again as raw target:
	// the same UE, NCC 3, a new NH; matching capabilities are not sent.
	send(t, back, psr(v.AMFUENGAPID, 9, loc, *ack.Security, 1))
	m2, ok := recvUE(t, back).(*message.PathSwitchRequestAcknowledge)
	if !ok {
		t.Fatalf("second Path Switch Request: answer %T, want Path Switch Request Acknowledge", m2)
	}
	ack2, err := ngap.DecodePathSwitchRequestAcknowledge(m2)
	if err != nil || ack2.NCC != 3 || ack2.NH == ack.NH || ack2.Security != nil {
		t.Errorf("second acknowledge NCC %d, NH new %v, capabilities %+v, %v; want NCC 3, a new NH, none", ack2.NCC, ack2.NH != ack.NH, ack2.Security, err)
	}
	tr.check(t, "xn_success_ncc")
	smf.mu.Lock()
	defer smf.mu.Unlock()
	if len(smf.types) != 2 {
		t.Errorf("SMF path switch updates %v, want 2", smf.types)
	}
}

// BenchmarkXnHandover measures the core's share of an Xn handover in
// process: 256 registered UEs with one PDU session each move between two
// simulated gNBs, 64 at a time; each handover is the source handing the
// UE to the target, the target's Path Switch Request, the AMF's checks,
// the SMF's path switch (a stub answering with the Acknowledge
// Transfer), the connection moved to the target and the acknowledge,
// whose NH the simulated UE checks. The gNBs and UEs share the process's
// CPU.
func BenchmarkXnHandover(b *testing.B) {
	const pool, parallel = 256, 64
	smf := &switchingSMF{NsmfPDUSession: newIdleSMF(b), quiet: true}
	c := startCoreOpts(b, pool, gmm.Timers{}, coreOptions{services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s }})
	gnbs := []*gnb.GNB{c.gnbN3(b, 1), c.gnbN3(b, 2)}
	sessions := make([]*scenario.Session, pool)
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	for i := range sessions {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, _, err := scenario.Register(ctx, gnbs[0], c.ue(b, i))
			if err == nil {
				_, _, err = s.EstablishPDUSession(ctx, 1, "internet", ident.SNSSAI{SST: 1})
			}
			if err != nil {
				b.Error(err)
				return
			}
			sessions[i] = s
		}()
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	work := make(chan *scenario.Session, pool)
	for _, s := range sessions {
		work <- s
	}
	var runs sync.WaitGroup
	cpu0 := cpuTime()
	b.ResetTimer()
	for range b.N {
		sem <- struct{}{}
		s := <-work
		runs.Add(1)
		go func() {
			defer runs.Done()
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			target := gnbs[0]
			if s.GNB == target {
				target = gnbs[1]
			}
			if _, err := s.XnHandover(ctx, target); err != nil {
				b.Error(err)
			}
			work <- s
		}()
	}
	runs.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handovers/s")
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N)*1e6, "cpu-µs/handover")
}
