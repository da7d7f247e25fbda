package testenv

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/api"
	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sctp"
	"github.com/keelcore/keel/internal/sctp/sctptest"
	"github.com/keelcore/keel/internal/sim/gnb"
)

// TestN2BadInputOnTheWire sends the core's AMF, over userspace SCTP, what
// a broken or hostile gNB might (TS 38.413 §10): garbage, a truncated PDU,
// an unknown procedure code, messages out of order or for unknown UEs, a
// second NG Setup from another address with the Global RAN Node ID of a
// live gNB, then 10,000 mutated PDUs. Each gets the protocol's answer on
// the association, each is counted in /metrics, and a bystander gNB
// connected throughout is untouched: listed as it was, sent nothing but
// the liveness probe the impostor's NG Setup causes, and still answered.
func TestN2BadInputOnTheWire(t *testing.T) {
	sctptest.RequireNetNS(t)
	core, token := startCore(t)
	tr := n2Transport(t)
	bystander := connectGNB(t, tr, core, badInputGNB(1, "bystander"))
	byBefore := gnbAt(t, apiGNBs(t, core, token), bystander.Conn().LocalAddr().String())

	t.Run("errors", func(t *testing.T) {
		before := scrapeMetrics(t, core)
		// From an address of its own: a gNB ID claimed from the holder's
		// address is a restarted gNB, which takes the ID over.
		c := dialN2From(t, tr, core, netip.MustParseAddr("127.0.0.2"))
		for _, step := range badInputSteps(t) {
			got := exchangeN2(t, c, step.ppid, step.pdu)
			if answerOf(got) != step.want {
				t.Errorf("%s: answer %s, want %s", step.name, answerOf(got), step.want)
				continue
			}
			if step.check != nil {
				step.check(t, got)
			}
		}
		// The association that sent all this is set up with its own ID.
		list := apiGNBs(t, core, token)
		if g := gnbAt(t, list, c.LocalAddr().String()); g.ID != badInputGNB(2, "").ID.String() || g.State != "ready" {
			t.Errorf("association of the errors listed as %+v, want gNB 2 ready", g)
		}

		// Every error counted by kind, every answer by procedure and
		// outcome, and only those.
		after := scrapeMetrics(t, core)
		for _, d := range []struct {
			name   string
			labels []string
			want   float64
		}{
			{"keel_ngap_protocol_errors_total", []string{"kind", "transfer-syntax"}, 3},
			{"keel_ngap_protocol_errors_total", []string{"kind", "wrong-ppid"}, 1},
			{"keel_ngap_protocol_errors_total", []string{"kind", "abstract-syntax"}, 2},
			{"keel_ngap_protocol_errors_total", []string{"kind", "logical"}, 2},
			{"keel_ngap_protocol_errors_total", []string{"kind", "unknown-ue"}, 2},
			{"keel_ngap_protocol_errors_total", nil, 10},
			{"keel_ngap_ng_setups_total", []string{"outcome", "duplicate-ran-node-id"}, 1},
			{"keel_ngap_ng_setups_total", []string{"outcome", "accepted"}, 1},
			{"keel_ngap_ng_setups_total", nil, 2},
			{"keel_ngap_messages_total", []string{"direction", "tx", "procedure", "ErrorIndication", "type", "initiating"}, 9},
			{"keel_ngap_messages_total", []string{"direction", "tx", "procedure", "NGSetup", "type", "unsuccessful"}, 1},
			{"keel_ngap_messages_total", []string{"direction", "tx", "procedure", "NGSetup", "type", "successful"}, 1},
			{"keel_ngap_messages_total", []string{"direction", "tx", "procedure", "AMFConfigurationUpdate", "type", "initiating"}, 1},
			{"keel_ngap_messages_total", []string{"direction", "tx"}, 12},
			{"keel_ngap_messages_total", []string{"direction", "rx", "procedure", "NGSetup", "type", "initiating"}, 2},
			{"keel_ngap_messages_total", []string{"direction", "rx", "procedure", "RANConfigurationUpdate", "type", "initiating"}, 1},
			{"keel_ngap_messages_total", []string{"direction", "rx", "procedure", "UplinkNASTransport", "type", "initiating"}, 2},
			{"keel_ngap_messages_total", []string{"direction", "rx", "procedure", "UEContextReleaseRequest", "type", "initiating"}, 1},
			{"keel_ngap_messages_total", []string{"direction", "rx", "procedure", "AMFConfigurationUpdate", "type", "successful"}, 1},
			{"keel_ngap_messages_total", []string{"direction", "rx"}, 7},
			{"keel_amf_gnbs_connected", nil, 1},
			{"keel_amf_n2_associations", nil, 1},
		} {
			if got := after.sum(d.name, d.labels...) - before.sum(d.name, d.labels...); got != d.want {
				t.Errorf("/metrics: %s%v went up by %v, want %v", d.name, d.labels, got, d.want)
			}
		}
		// The impostor's NG Setup made the AMF check that the bystander
		// is alive (an AMF Configuration Update, acknowledged).
		select {
		case ev := <-bystander.Events():
			if ev.Procedure != "AMFConfigurationUpdate" {
				t.Errorf("bystander was sent %+v, want the liveness probe", ev)
			}
		case <-time.After(10 * time.Second):
			t.Error("the bystander got no liveness probe")
		}
		checkBystander(t, list, byBefore, bystander)
		c.Abort()
		waitGNBs(t, core, token, func(l []api.GNBInfo) bool { return len(l) == 1 }, "the aborted association forgotten")
	})

	t.Run("mutated", func(t *testing.T) {
		before := scrapeMetrics(t, core)
		c := dialN2(t, tr, core)
		start := time.Now()
		got := fireMutated(t, c, mutatedPDUs)
		t.Logf("%d mutated PDUs sent and %d answers read in %v: %v", mutatedPDUs, got.total, time.Since(start).Round(time.Millisecond), got.byKind)

		// The association survived and answered everything on it; what
		// it was sent is what was counted, and the bystander got nothing.
		after := scrapeMetrics(t, core)
		delta := func(name string, labels ...string) int {
			return int(after.sum(name, labels...) - before.sum(name, labels...))
		}
		if n := got.byKind["ErrorIndication"]; n == 0 || n != delta("keel_ngap_messages_total", "direction", "tx", "procedure", "ErrorIndication") {
			t.Errorf("%d Error Indications read, %d counted sent", n, delta("keel_ngap_messages_total", "direction", "tx", "procedure", "ErrorIndication"))
		}
		if n := delta("keel_ngap_messages_total", "direction", "tx"); n != got.total {
			t.Errorf("%d NGAP messages counted sent, %d read on the association", n, got.total)
		}
		for kind, typ := range map[string]string{"NGSetupResponse": "successful", "NGSetupFailure": "unsuccessful"} {
			if n := delta("keel_ngap_messages_total", "direction", "tx", "procedure", "NGSetup", "type", typ); n != got.byKind[kind] {
				t.Errorf("%d %s read, %d counted sent", got.byKind[kind], kind, n)
			}
		}
		if n := delta("keel_ngap_protocol_errors_total"); n < got.byKind["ErrorIndication"] {
			t.Errorf("%d protocol errors counted, fewer than the %d Error Indications sent", n, got.byKind["ErrorIndication"])
		}

		// A normal NG Setup completes on a fresh association while the
		// mutated one is still up. (That one may have set itself up with
		// an ID of the storm's making: freshID is far from the mutated
		// PDUs' ID 4, and the seeded storm is the same every run.)
		const freshID = 0x2a5a5a
		fresh := connectGNB(t, tr, core, badInputGNB(freshID, "after-the-storm"))
		list := apiGNBs(t, core, token)
		if g := gnbAt(t, list, fresh.Conn().LocalAddr().String()); g.ID != badInputGNB(freshID, "").ID.String() || g.State != "ready" {
			t.Errorf("gNB set up after the storm listed as %+v", g)
		}
		gnbAt(t, list, c.LocalAddr().String())
		checkBystander(t, list, byBefore, bystander)
		ready := 0
		for _, g := range list {
			if g.State == "ready" {
				ready++
			}
		}
		m := scrapeMetrics(t, core)
		if got := m.sum("keel_amf_gnbs_connected"); got != float64(ready) {
			t.Errorf("keel_amf_gnbs_connected = %v, but %d gNBs listed ready: %+v", got, ready, list)
		}
		if got := m.sum("keel_amf_n2_associations"); got != float64(len(list)) {
			t.Errorf("keel_amf_n2_associations = %v, but %d associations listed", got, len(list))
		}
	})
}

// mutatedPDUs is how many mutated PDUs the test fires.
const mutatedPDUs = 10_000

// badInputGNB is gNB id of the test network, named name.
func badInputGNB(id uint32, name string) gnb.Config {
	c := simGNB(id)
	c.Name = name
	return c
}

// badInputStep is one PDU sent on the misbehaving association and the
// answer it must get.
type badInputStep struct {
	name  string
	ppid  uint32
	pdu   []byte
	want  string                                // as answerOf renders it
	check func(t *testing.T, m message.Message) // further checks, or nil
}

// The UE NGAP IDs of the messages for unknown UEs.
const unknownAMFUE, unknownRANUE = 77, 5

func badInputSteps(t *testing.T) []badInputStep {
	own := encodeNGAP(t, mustBuild(ngap.NGSetupRequest(setupInfo(badInputGNB(2, "misbehaving")))))
	dup := encodeNGAP(t, mustBuild(ngap.NGSetupRequest(setupInfo(badInputGNB(1, "impostor")))))
	unknownProc := append([]byte(nil), own...)
	unknownProc[1] = 200 // procedureCode (APER: the octet after NGAP-PDU's CHOICE); 200 names none
	loc := ngap.UELocation{TAI: ident.TAI{PLMN: simGNB(1).ID.PLMN, TAC: 1}, CellID: 0x10}
	ul := encodeNGAP(t, mustBuild(ngap.UplinkNASTransport(unknownAMFUE, unknownRANUE, []byte{0x7e, 0x00, 0x43}, loc)))
	release := encodeNGAP(t, ngap.UEContextReleaseRequest(unknownAMFUE, unknownRANUE, ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentUserInactivity)))
	update := encodeNGAP(t, mustBuild(ngap.RANConfigurationUpdate("early", nil)))

	ei := func(c *ie.Cause) string { return "ErrorIndication " + ngap.CauseString(c) }
	transfer := ei(ngap.ProtocolCause(ie.CauseProtocolPresentTransferSyntaxError))
	notCompatible := ei(ngap.ProtocolCause(ie.CauseProtocolPresentMessageNotCompatibleWithReceiverState))
	unknownUE := ei(ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentUnknownLocalUENGAPID))
	return []badInputStep{
		{"garbage", sctp.PPIDNGAP, []byte("this is not NGAP at all"), transfer, nil},
		{"garbage with a PPID other than NGAP's", 0, []byte{0xff, 0xfe, 0xfd}, transfer, nil},
		{"truncated NG Setup Request", sctp.PPIDNGAP, own[:9], transfer, nil},
		{"unknown procedure code", sctp.PPIDNGAP, unknownProc, "ErrorIndication none", diagnoses(200, nil)},
		{"RAN Configuration Update before NG Setup", sctp.PPIDNGAP, update, notCompatible,
			diagnoses(message.ProcedureCodeRANConfigurationUpdate, nil)},
		{"Uplink NAS Transport before NG Setup", sctp.PPIDNGAP, ul, notCompatible,
			diagnoses(message.ProcedureCodeUplinkNASTransport, echoes(unknownAMFUE, unknownRANUE))},
		{"NG Setup with the bystander's Global RAN Node ID", sctp.PPIDNGAP, dup,
			"NGSetupFailure " + ngap.CauseString(ngap.MiscCause(ie.CauseMiscPresentUnspecified)), waits(int(ie.TimeToWaitPresentV5s))},
		{"NG Setup with an ID of its own", sctp.PPIDNGAP, own, "NGSetupResponse", nil},
		{"Uplink NAS Transport for an unknown UE", sctp.PPIDNGAP, ul, unknownUE, echoes(unknownAMFUE, unknownRANUE)},
		{"UE Context Release Request for an unknown UE", sctp.PPIDNGAP, release, unknownUE, echoes(unknownAMFUE, unknownRANUE)},
		{"unknown procedure code after NG Setup", sctp.PPIDNGAP, unknownProc, "ErrorIndication none", diagnoses(200, nil)},
	}
}

func setupInfo(c gnb.Config) ngap.GNBInfo { return ngap.GNBInfo{ID: c.ID, Name: c.Name, TAs: c.TAs} }

func mustBuild[M message.Message](m M, err error) M {
	if err != nil {
		panic(err)
	}
	return m
}

func encodeNGAP(t *testing.T, m message.Message) []byte {
	t.Helper()
	b, err := ngap.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// answerOf renders an answer as its message type and cause.
func answerOf(m message.Message) string {
	switch x := m.(type) {
	case *message.ErrorIndication:
		return "ErrorIndication " + ngap.CauseString(x.Cause)
	case *message.NGSetupFailure:
		return "NGSetupFailure " + ngap.CauseString(x.Cause)
	}
	return fmt.Sprintf("%T", m)[len("*message."):]
}

// diagnoses checks that an Error Indication names the procedure in its
// Criticality Diagnostics, then runs next.
func diagnoses(code int64, next func(*testing.T, message.Message)) func(*testing.T, message.Message) {
	return func(t *testing.T, m message.Message) {
		t.Helper()
		d := m.(*message.ErrorIndication).CriticalityDiagnostics
		if d == nil || d.ProcedureCode == nil || d.ProcedureCode.Value != code {
			t.Errorf("Error Indication's Criticality Diagnostics %+v do not name procedure %d", d, code)
		}
		if next != nil {
			next(t, m)
		}
	}
}

// echoes checks that an Error Indication carries the UE NGAP IDs received.
func echoes(amfUE, ranUE int64) func(*testing.T, message.Message) {
	return func(t *testing.T, m message.Message) {
		t.Helper()
		gotAMF, hasAMF, gotRAN, hasRAN := ngap.UEIDs(m)
		if !hasAMF || gotAMF != amfUE || !hasRAN || gotRAN != ranUE {
			t.Errorf("Error Indication has UE NGAP IDs %d (present %v) / %d (present %v), want %d / %d", gotAMF, hasAMF, gotRAN, hasRAN, amfUE, ranUE)
		}
	}
}

// waits checks that an NG Setup Failure gives the Time to Wait.
func waits(v int) func(*testing.T, message.Message) {
	return func(t *testing.T, m message.Message) {
		t.Helper()
		if ttw := m.(*message.NGSetupFailure).TimeToWait; ttw == nil || int(ttw.Value) != v {
			t.Errorf("NG Setup Failure's Time to Wait = %v, want %d", ttw, v)
		}
	}
}

// dialN2 opens an association to the core without NG Setup, aborted at
// cleanup.
func dialN2(t *testing.T, tr sctp.Transport, core *app.App) sctp.Conn {
	t.Helper()
	return dialN2From(t, tr, core, netip.Addr{})
}

// dialN2From is dialN2 from a given local address.
func dialN2From(t *testing.T, tr sctp.Transport, core *app.App, local netip.Addr) sctp.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := tr.Dial(ctx, local, core.N2Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Abort() })
	return c
}

// exchangeN2 sends a PDU and returns the decoded answer.
func exchangeN2(t *testing.T, c sctp.Conn, ppid uint32, pdu []byte) message.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Send(ctx, sctp.Message{PPID: ppid, Data: pdu}); err != nil {
		t.Fatal(err)
	}
	in, err := c.Recv(ctx)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	// Non-UE-associated signalling, the answer included, uses stream 0
	// (TS 38.412 §7).
	if in.PPID != sctp.PPIDNGAP || in.Stream != 0 {
		t.Errorf("answer on stream %d with PPID %d, want stream 0, PPID 60", in.Stream, in.PPID)
	}
	m, err := ngap.Decode(in.Data)
	if err != nil {
		t.Fatalf("answer does not decode: %v", err)
	}
	return m
}

// gnbAt is the entry of the gNB list for the association from addr.
func gnbAt(t *testing.T, list []api.GNBInfo, addr string) api.GNBInfo {
	t.Helper()
	for _, g := range list {
		if g.Address == addr {
			return g
		}
	}
	t.Fatalf("no association from %s listed: %+v", addr, list)
	return api.GNBInfo{}
}

// checkBystander checks the bystander is listed as it was, has been sent
// nothing, and still gets its RAN Configuration Update acknowledged.
func checkBystander(t *testing.T, list []api.GNBInfo, was api.GNBInfo, g *gnb.GNB) {
	t.Helper()
	if diff := cmp.Diff(was, gnbAt(t, list, was.Address)); diff != "" {
		t.Errorf("bystander's entry changed (-was +now):\n%s", diff)
	}
	select {
	case ev, ok := <-g.Events():
		t.Fatalf("the bystander was sent %+v (open %v)", ev, ok)
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.Send(ctx, encodeNGAP(t, mustBuild(ngap.RANConfigurationUpdate("", nil)))); err != nil {
		t.Fatalf("bystander: %v", err)
	}
	select {
	case ev := <-g.Events():
		if ev.Procedure != "RANConfigurationUpdateAcknowledge" {
			t.Errorf("bystander's RAN Configuration Update answered with %+v", ev)
		}
	case <-ctx.Done():
		t.Fatal("bystander's RAN Configuration Update not answered within 10 s")
	}
}

// mutatedResult is what came back on the association of the mutated PDUs.
type mutatedResult struct {
	total  int
	byKind map[string]int // by message type, "undecodable" for the rest
}

// The UE NGAP IDs of the last message fired: its Error Indication, which
// echoes them, is the last answer.
const sentinelAMFUE, sentinelRANUE = 1<<40 - 1, 1<<32 - 1

// fireMutated sends n PDUs, each a valid one mutated at random (seeded:
// every run sends the same), without waiting for answers, which a reader
// drains meanwhile; then a sentinel whose answer is the last. It returns
// what was read up to the sentinel's answer.
func fireMutated(t *testing.T, c sctp.Conn, n int) mutatedResult {
	t.Helper()
	loc := ngap.UELocation{TAI: ident.TAI{PLMN: simGNB(1).ID.PLMN, TAC: 1}, CellID: 0x10}
	seeds := [][]byte{
		encodeNGAP(t, mustBuild(ngap.NGSetupRequest(setupInfo(badInputGNB(4, "mutant"))))),
		encodeNGAP(t, mustBuild(ngap.RANConfigurationUpdate("mutant", simGNB(4).TAs))),
		encodeNGAP(t, ngap.NGResetAll(ngap.MiscCause(ie.CauseMiscPresentOmIntervention))),
		encodeNGAP(t, ngap.ErrorIndication(ngap.ProtocolCause(ie.CauseProtocolPresentSemanticError), nil, 1, 2)),
		encodeNGAP(t, mustBuild(ngap.UplinkNASTransport(3, 4, []byte{0x7e, 0x00, 0x43}, loc))),
		encodeNGAP(t, ngap.UEContextReleaseRequest(5, 6, ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentUserInactivity))),
	}
	sentinel := encodeNGAP(t, mustBuild(ngap.UplinkNASTransport(sentinelAMFUE, sentinelRANUE, []byte{0x7e, 0x00, 0x43}, loc)))

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	type result struct {
		mutatedResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		r := result{mutatedResult: mutatedResult{byKind: map[string]int{}}}
		defer func() { done <- r }()
		for {
			in, err := c.Recv(ctx)
			if err != nil {
				r.err = fmt.Errorf("after %d answers: %w", r.total, err)
				return
			}
			r.total++
			m, err := ngap.Decode(in.Data)
			if err != nil {
				r.byKind["undecodable"]++
				continue
			}
			kind := fmt.Sprintf("%T", m)[len("*message."):]
			r.byKind[kind]++
			if ei, ok := m.(*message.ErrorIndication); ok && ei.AMFUENGAPID != nil && ei.AMFUENGAPID.Value == sentinelAMFUE &&
				ei.RANUENGAPID != nil && ei.RANUENGAPID.Value == sentinelRANUE {
				return
			}
		}
	}()

	rng := rand.New(rand.NewPCG(38412, 60))
	for i := range n {
		if err := c.Send(ctx, sctp.Message{PPID: sctp.PPIDNGAP, Data: mutate(rng, seeds[i%len(seeds)])}); err != nil {
			t.Fatalf("sending mutated PDU %d: %v", i, err)
		}
	}
	if err := c.Send(ctx, sctp.Message{PPID: sctp.PPIDNGAP, Data: sentinel}); err != nil {
		t.Fatalf("sending the sentinel: %v", err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("reading the answers to %d mutated PDUs: %v", n, r.err)
	}
	return r.mutatedResult
}

// mutate returns a copy of pdu with one to four octets flipped, or cut
// short, or grown by an octet and one octet overwritten. It is never empty.
func mutate(rng *rand.Rand, pdu []byte) []byte {
	out := append([]byte(nil), pdu...)
	switch rng.IntN(3) {
	case 0:
		for range 1 + rng.IntN(4) {
			out[rng.IntN(len(out))] ^= byte(1 + rng.IntN(255))
		}
	case 1:
		out = out[:1+rng.IntN(len(out)-1)]
	case 2:
		out = append(out, byte(rng.IntN(256)))
		out[rng.IntN(len(out))] = byte(rng.IntN(256))
	}
	return out
}
