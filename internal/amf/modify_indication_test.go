package amf_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sim/gnb"
)

// modifyIndicationSMF is a recordingSMF that confirms every Modify
// Indication (TS 23.502 §4.3.3.2 step 1a) once the test opens gate, and
// records each UpdateSMContext in tr.
type modifyIndicationSMF struct {
	*recordingSMF
	tr      *transcript
	gate    chan struct{}
	arrived chan struct{}
}

func (s *modifyIndicationSMF) UpdateSMContext(ctx context.Context, ref string, upd sbi.SmContextUpdateData) (sbi.SmContextUpdatedData, error) {
	ans, err := s.recordingSMF.UpdateSMContext(ctx, ref, upd)
	if err == nil && upd.N2SmInfoType == sbi.N2ModifyIndication {
		s.arrived <- struct{}{}
		select {
		case <-s.gate:
		case <-ctx.Done():
			return sbi.SmContextUpdatedData{}, ctx.Err()
		}
		ans = sbi.SmContextUpdatedData{N2SmInfoType: sbi.N2ModifyConfirm, N2SmInfo: sbi.N2SM([]byte{0x00})}
	}
	s.tr.recordSMF(upd, ans, err)
	return ans, err
}

// TS 38.413 §8.2.5, TS 23.502 §4.3.3.2: the gNB's PDU Session Resource
// Modify Indication for the UE's PDU session 1 and for PSI 9, which it
// does not have. The AMF passes session 1 to the SMF as a call, off the
// UE's executor: while the SMF holds it, the UE's other events run (a
// UE Context Modification, TS 38.413 §8.3.4, goes out meanwhile). Once
// the SMF confirms, the PDU Session Resource Modify Confirm lists
// session 1 as modified and PSI 9 in the Failed to Modify List.
func TestModifyIndicationOnN2(t *testing.T) {
	tr := newTranscript()
	smf := &modifyIndicationSMF{recordingSMF: newRecordingSMF(), tr: tr, gate: make(chan struct{}), arrived: make(chan struct{}, 4)}
	c := startCoreOpts(t, 1, gmm.Timers{}, coreOptions{services: func(s gmm.Services) gmm.Services { s.SMF = smf; return s }})
	g, err := gnb.Connect(context.Background(), tr.transport("gNB 1", c.tr), c.addr, gnbConfig(1), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	s := connectedWithSession(t, c, smf.recordingSMF, g, 0)
	v, ok := ueView(c, supiOf(0))
	if !ok || v.AMFUENGAPID == 0 {
		t.Fatalf("UE view %+v", v)
	}
	xfer, err := ngap.ModifyIndicationTransfer(ngap.Tunnel{Addr: netip.MustParseAddr("192.0.2.7"), TEID: 0x77}, []uint8{1})
	if err != nil {
		t.Fatal(err)
	}
	ind, err := ngap.PDUSessionResourceModifyIndication(v.AMFUENGAPID, v.RANUENGAPID,
		[]ngap.SessionResult{{PDUSessionID: 1, Transfer: xfer}, {PDUSessionID: 9, Transfer: xfer}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ngap.Encode(ind)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tr.party("SMF")
	tr.start()
	if err := g.Send(ctx, b); err != nil {
		t.Fatal(err)
	}
	select {
	case <-smf.arrived:
	case <-ctx.Done():
		t.Fatal("the Modify Indication never reached the SMF")
	}
	// The UE's executor is free: a subscription change is applied at
	// once, its UE Context Modification sent before the confirm.
	c.amf.AccessAndMobilityChanged(ctx, supiOf(0), sbi.AMData{UEAMBRUplink: 2e6, UEAMBRDownlink: 3e6})
	waitAMBR(t, s.Conn, 3e6, 2e6)
	close(smf.gate)
	tr.check(t, "modify_indication")
}

// waitAMBR waits until a UE Context Modification gave conn the UE-AMBR
// dl, ul.
func waitAMBR(t *testing.T, conn *gnb.UEConn, dl, ul uint64) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if d, u, ok := conn.UEAMBR(); ok && d == dl && u == ul {
			return
		}
	}
	t.Fatal("no UE Context Modification while the SMF held the Modify Indication")
}
