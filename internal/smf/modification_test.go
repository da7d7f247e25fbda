package smf_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/free5gc/ngap/ie"

	"github.com/keelcore/keel/internal/nas/sm"
	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
)

// gbrRequest is a PDU SESSION MODIFICATION REQUEST for a voice flow (TS
// 24.501 §8.3.7): one QoS rule to create with a bidirectional packet
// filter for 10.45.0.1 port 5000, and a flow description with 5QI 1,
// GFBR 128 kbit/s and MFBR mfbr. The UE proposes rule 9 and QFI 9; the
// network assigns its own.
func gbrRequest(t testing.TB, psi, pti uint8, mfbr uint64) []byte {
	t.Helper()
	rules, err := sm.AppendQoSRules(nil, []sm.QoSRule{{ID: 9, Op: sm.RuleOpCreate, Precedence: 16, QFI: 9,
		Filters: []sm.PacketFilter{{ID: 1, Direction: sm.FilterBidirectional, Components: []sm.FilterComponent{
			{Type: sm.ComponentIPv4Remote, Prefix: netip.MustParsePrefix("10.45.0.1/32")},
			{Type: sm.ComponentRemotePort, Low: 5000}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	flows, err := sm.AppendQoSFlowDescriptions(nil, []sm.QoSFlowDescription{{QFI: 9, Op: sm.FlowOpCreate, FiveQI: 1,
		GFBRUplink: 128_000, GFBRDownlink: 128_000, MFBRUplink: mfbr, MFBRDownlink: mfbr}})
	if err != nil {
		t.Fatal(err)
	}
	return sm.AppendModificationRequest(nil, sm.ModificationRequest{Header: sm.Header{PDUSessionID: psi, PTI: pti},
		QoSRules: rules, QoSFlowDescriptions: flows})
}

// activeSession establishes supi1's session 1 on internet with its user
// plane up.
func (w *world) activeSession() sbi.SmContextCreatedData {
	w.t.Helper()
	c := w.establish(supi1, 1, "internet", slice1)
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2SetupResponse, N2SmInfo: sbi.N2SM(setupResponse(w.t, 0xabc))})
	w.upf.Trace()
	return c.SmContextCreatedData
}

func (w *world) modifications(kind, result string) float64 {
	return w.metric("keel_smf_pdu_session_modifications_total", map[string]string{"kind": kind, "result": result})
}

// requestFlow runs a UE-requested modification for a GBR flow and checks
// the SMF's command, transfer and N4 rules (TS 23.502 §4.3.3.2 steps
// 1a-3).
func (w *world) requestFlow(ref string) {
	t := w.t
	t.Helper()
	u := w.update(ref, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(gbrRequest(t, 1, 0x21, 256_000))})
	cmd, err := sm.ParseModificationCommand(u.N1SmMsg.Bytes())
	if err != nil || cmd.PTI != 0x21 || cmd.HasAMBR {
		t.Fatalf("answer %x: %+v, %v, want a PDU SESSION MODIFICATION COMMAND with PTI 0x21", u.N1SmMsg.Bytes(), cmd, err)
	}
	rules, err := sm.ParseQoSRules(cmd.QoSRules)
	if err != nil || len(rules) != 1 || rules[0].ID != 2 || rules[0].QFI != 2 || rules[0].Op != sm.RuleOpCreate || len(rules[0].Filters) != 1 {
		t.Fatalf("authorized QoS rules %+v, %v, want rule 2 for QFI 2 with the UE's filter", rules, err)
	}
	descs, err := sm.ParseQoSFlowDescriptions(cmd.QoSFlowDescriptions)
	if err != nil || len(descs) != 1 || descs[0].QFI != 2 || descs[0].FiveQI != 1 || descs[0].MFBRDownlink != 256_000 || descs[0].GFBRUplink != 128_000 {
		t.Fatalf("authorized QoS flow descriptions %+v, %v", descs, err)
	}
	if u.N2SmInfoType != sbi.N2ModifyRequest {
		t.Fatalf("N2 SM information type %d, want a Modify Request Transfer", u.N2SmInfoType)
	}
	x, err := ngap.DecodeModifyRequestTransfer(u.N2SmInfo.Bytes())
	if err != nil || len(x.Flows) != 1 || x.Flows[0].QFI != 2 || x.Flows[0].FiveQI != 1 || x.HasAMBR {
		t.Fatalf("Modify Request Transfer %+v, %v, want QoS flow 2 with 5QI 1", x, err)
	}
	want := []string{"create pdr 3 qfi 2", "create pdr 4 qfi 0", "create qer 3 mbr 256000/256000 qfi 2"}
	w.wantTrace(want...)
}

// wantTrace checks that the fake UPF saw these modifications, in order.
func (w *world) wantTrace(want ...string) {
	w.t.Helper()
	var got []string
	for _, l := range w.upf.Trace() {
		if i := strings.Index(l, ": "); i >= 0 && strings.HasPrefix(l, "modification") {
			got = append(got, l[i+2:])
		}
	}
	if !slices.Equal(got, want) {
		w.t.Errorf("UPF modifications %q, want %q", got, want)
	}
}

func modifyResponse(t testing.TB, admitted ...uint8) []byte {
	b, err := ngap.ModifyResponseTransfer{Admitted: admitted}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestUERequestedModification: the UE asks for a GBR flow; the PCF
// authorises it, the UPF gets its rules, the gNB admits it and the UE
// completes (TS 23.502 §4.3.3.2, TS 24.501 §6.4.2.3).
func TestUERequestedModification(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.activeSession()
	w.requestFlow(c.SmContextRef)
	if u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2ModifyResponse, N2SmInfo: sbi.N2SM(modifyResponse(t, 2))}); u.N1SmMsg.Bytes() != nil || u.N2SmInfo.Bytes() != nil {
		t.Errorf("answer to the Modify Response = %+v, want nothing", u)
	}
	if u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendModificationComplete(nil, 1, 0x21))}); u.N1SmMsg.Bytes() != nil {
		t.Errorf("answer to the COMPLETE = %x, want nothing", u.N1SmMsg.Bytes())
	}
	if got := w.modifications("ue", "completed"); got != 1 {
		t.Errorf("completed UE-requested modifications = %v, want 1", got)
	}
	// A second flow gets the next QFI and rule identifier.
	u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(gbrRequest(t, 1, 0x22, 192_000))})
	cmd, _ := sm.ParseModificationCommand(u.N1SmMsg.Bytes())
	if descs, err := sm.ParseQoSFlowDescriptions(cmd.QoSFlowDescriptions); err != nil || len(descs) != 1 || descs[0].QFI != 3 {
		t.Errorf("second flow %+v, %v, want QFI 3", descs, err)
	}
	// A COMPLETE with another PTI is answered 5GSM STATUS #47.
	u = w.update(c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendModificationComplete(nil, 1, 0x99))})
	if len(u.N1SmMsg.Bytes()) < 5 || u.N1SmMsg.Bytes()[3] != sm.MsgStatus || u.N1SmMsg.Bytes()[4] != sm.CausePTIMismatch {
		t.Errorf("COMPLETE with a wrong PTI answered %x, want 5GSM STATUS #47", u.N1SmMsg.Bytes())
	}
}

// TestModificationUERejects: the UE answers the command with PDU SESSION
// MODIFICATION COMMAND REJECT; the flow goes from the UPF (TS 24.501
// §6.3.2.4).
func TestModificationUERejects(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.activeSession()
	w.requestFlow(c.SmContextRef)
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2ModifyResponse, N2SmInfo: sbi.N2SM(modifyResponse(t, 2))})
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendModificationCommandReject(nil, 1, 0x21, sm.CauseSemanticErrorInQoSOperation))})
	w.wantTrace("remove pdr 3", "remove pdr 4", "remove qer 3")
	if got := w.modifications("ue", "ue-rejected"); got != 1 {
		t.Errorf("UE-rejected modifications = %v, want 1", got)
	}
	// The QFI is free again.
	w.requestFlow(c.SmContextRef)
}

// TestModificationGNBFails: the gNB answers with a Modify Unsuccessful
// Transfer; the flow goes from the UPF and the UE, which never got the
// command, is answered PDU SESSION MODIFICATION REJECT #26 with a
// back-off timer.
func TestModificationGNBFails(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.activeSession()
	w.requestFlow(c.SmContextRef)
	fail, err := ngap.ModifyUnsuccessfulTransfer(ngap.RadioNetworkCause(ie.CauseRadioNetworkPresentRadioResourcesNotAvailable))
	if err != nil {
		t.Fatal(err)
	}
	u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2ModifyFailure, N2SmInfo: sbi.N2SM(fail)})
	rej, err := sm.ParseModificationReject(u.N1SmMsg.Bytes())
	if err != nil || rej.Cause != sm.CauseInsufficientResources || rej.PTI != 0x21 || !rej.HasBackOff {
		t.Errorf("answer %x: %+v, %v, want PDU SESSION MODIFICATION REJECT #26 with back-off, PTI 0x21", u.N1SmMsg.Bytes(), rej, err)
	}
	w.wantTrace("remove pdr 3", "remove pdr 4", "remove qer 3")
	if got := w.modifications("ue", "gnb-failed"); got != 1 {
		t.Errorf("gNB-failed modifications = %v, want 1", got)
	}
}

// TestModificationRefused: requests the network does not take are
// answered PDU SESSION MODIFICATION REJECT, the UPF untouched: an MFBR
// above the subscribed session AMBR (the PCF refuses: #37), a request
// without QoS rules (#83), and one for a session whose user plane is
// down.
func TestModificationRefused(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.activeSession()
	for _, tc := range []struct {
		name  string
		n1    []byte
		cause uint8
	}{
		{"MFBR above the session AMBR", gbrRequest(t, 1, 0x31, 900_000_000), sm.Cause5GSQoSNotAccepted},
		{"no QoS rules", sm.AppendModificationRequest(nil, sm.ModificationRequest{Header: sm.Header{PDUSessionID: 1, PTI: 0x32}}), sm.CauseSemanticErrorInQoSOperation},
		{"PTI 0", gbrRequest(t, 1, 0, 256_000), sm.CauseInvalidPTIValue},
	} {
		u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(tc.n1)})
		rej, err := sm.ParseModificationReject(u.N1SmMsg.Bytes())
		if err != nil || rej.Cause != tc.cause || u.N2SmInfo.Bytes() != nil {
			t.Errorf("%s: answer %x, N2 %x: %+v, %v, want PDU SESSION MODIFICATION REJECT #%d", tc.name, u.N1SmMsg.Bytes(), u.N2SmInfo.Bytes(), rej, err, tc.cause)
		}
	}
	w.wantTrace()
	w.update(c.SmContextRef, sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated})
	u := w.update(c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(gbrRequest(t, 1, 0x33, 256_000))})
	if rej, err := sm.ParseModificationReject(u.N1SmMsg.Bytes()); err != nil || rej.Cause != sm.CauseRequestRejectedUnspecified {
		t.Errorf("request for an idle session: %+v, %v, want REJECT #31", rej, err)
	}
}

// TestNetworkRequestedModification: the subscriber's session AMBR
// changes; the PCF's UpdateNotify has the SMF give the UPF the new MBR
// and send the UE the PDU SESSION MODIFICATION COMMAND (no PTI,
// Session-AMBR) with a Modify Request Transfer carrying the new AMBR
// through N1N2MessageTransfer (TS 23.502 §4.3.3.2 step 1b, 3). The UE's
// COMPLETE ends it; a COMMAND REJECT of the next change restores the
// MBR of before.
func TestNetworkRequestedModification(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.pcf.SetNotifier(w.smf)
	c := w.activeSession()
	w.setAMBR(supi1, 50_000_000, 200_000_000)
	w.pcf.SubscriptionDataChanged(t.Context(), supi1)
	w.wantTrace("update qer 1 mbr 200000000/50000000")
	calls := w.amf.taken()
	if len(calls) != 1 || calls[0].n2Type != sbi.N2ModifyRequest || calls[0].notify == nil {
		t.Fatalf("N1N2 transfers %+v, want one Modify Request Transfer with a failure notifier", calls)
	}
	cmd, err := sm.ParseModificationCommand(calls[0].n1)
	if err != nil || cmd.PTI != sm.NoPTI || !cmd.HasAMBR || cmd.AMBRDownlink != 200_000_000 || cmd.AMBRUplink != 50_000_000 {
		t.Errorf("command %+v, %v, want the new Session-AMBR without PTI", cmd, err)
	}
	x, err := ngap.DecodeModifyRequestTransfer(calls[0].n2)
	if err != nil || !x.HasAMBR || x.AMBRDownlink != 200_000_000 || x.AMBRUplink != 50_000_000 {
		t.Errorf("Modify Request Transfer %+v, %v, want the new AMBR", x, err)
	}
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N2SmInfoType: sbi.N2ModifyResponse, N2SmInfo: sbi.N2SM(modifyResponse(t))})
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendModificationComplete(nil, 1, sm.NoPTI))})
	if got := w.modifications("network", "completed"); got != 1 {
		t.Errorf("completed network-requested modifications = %v, want 1", got)
	}
	// The same data again: nothing to do.
	w.pcf.SubscriptionDataChanged(t.Context(), supi1)
	if n := w.amf.count(); n != 0 {
		t.Errorf("%d transfers for an unchanged subscription", n)
	}
	// The UE rejects the next change: the UPF gets the AMBR of before.
	w.setAMBR(supi1, 10_000_000, 20_000_000)
	w.pcf.SubscriptionDataChanged(t.Context(), supi1)
	w.amf.taken()
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendModificationCommandReject(nil, 1, sm.NoPTI, sm.CauseSemanticErrorInQoSOperation))})
	w.wantTrace("update qer 1 mbr 20000000/10000000", "update qer 1 mbr 200000000/50000000")
	if got := w.modifications("network", "ue-rejected"); got != 1 {
		t.Errorf("UE-rejected network-requested modifications = %v, want 1", got)
	}
}

// TestNetworkRequestedModificationUnreachable: the AMF cannot reach the
// UE: the new AMBR stays at the UPF and the next change can start.
func TestNetworkRequestedModificationUnreachable(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.pcf.SetNotifier(w.smf)
	w.activeSession()
	w.amf.set(0, sbi.ErrUENotReachable)
	w.setAMBR(supi1, 50_000_000, 200_000_000)
	w.pcf.SubscriptionDataChanged(t.Context(), supi1)
	w.wantTrace("update qer 1 mbr 200000000/50000000")
	if got := w.modifications("network", "unreachable"); got != 1 {
		t.Errorf("unreachable modifications = %v, want 1", got)
	}
	w.amf.set(0, nil)
	w.setAMBR(supi1, 60_000_000, 200_000_000)
	w.pcf.SubscriptionDataChanged(t.Context(), supi1)
	if n := w.amf.count(); n != 2 {
		t.Errorf("%d transfers, want 2 (the second change is not blocked)", n)
	}
}

// setAMBR changes the subscribed session AMBR of supi's internet DNN.
func (w *world) setAMBR(supi string, ul, dl uint64) {
	w.sdm.mu.Lock()
	defer w.sdm.mu.Unlock()
	subs := slices.Clone(w.sdm.subs[supi])
	for i := range subs {
		if subs[i].DNN == "internet" {
			subs[i].SessionAMBRUplink, subs[i].SessionAMBRDownlink = ul, dl
		}
	}
	w.sdm.subs[supi] = subs
}

// TestNetworkRequestedPCCRule: a PCC rule added to the subscription
// (TS 23.502 §4.3.3.2 step 1b) reaches the session as a new QoS flow —
// its PFCP rules, a command creating its QoS rule and flow description
// without PTI, the flow in the Modify Request Transfer — and its removal
// deletes them and releases the flow at the gNB.
func TestNetworkRequestedPCCRule(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.pcf.SetNotifier(w.smf)
	c := w.activeSession()
	rule := sbi.PCCRule{ID: "voice", FlowDescriptions: []string{"permit out 17 from 10.45.0.1 5000 to assigned"}, FiveQI: 1,
		ARP: sbi.ARP{PriorityLevel: 2}, GFBRUplink: 64e3, GFBRDownlink: 64e3, MFBRUplink: 128e3, MFBRDownlink: 128e3}
	w.setRules(supi1, rule)
	w.pcf.SubscriptionDataChanged(t.Context(), supi1)
	w.wantTrace("create pdr 3 qfi 2", "create pdr 4 qfi 0", "create qer 3 mbr 128000/128000 qfi 2")
	calls := w.amf.taken()
	if len(calls) != 1 {
		t.Fatalf("%d transfers, want 1", len(calls))
	}
	cmd, err := sm.ParseModificationCommand(calls[0].n1)
	if err != nil || cmd.PTI != sm.NoPTI || cmd.HasAMBR {
		t.Fatalf("command %+v, %v", cmd, err)
	}
	if rules, err := sm.ParseQoSRules(cmd.QoSRules); err != nil || len(rules) != 1 || rules[0].Op != sm.RuleOpCreate || rules[0].QFI != 2 {
		t.Errorf("QoS rules %+v, %v, want one created for QFI 2", rules, err)
	}
	if x, err := ngap.DecodeModifyRequestTransfer(calls[0].n2); err != nil || len(x.Flows) != 1 || x.Flows[0].GBR == nil || x.Flows[0].GBR.MFBRDownlink != 128e3 {
		t.Errorf("Modify Request Transfer %+v, %v, want the GBR flow", x, err)
	}
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendModificationComplete(nil, 1, sm.NoPTI))})

	// The rule's flow description and MFBR change: the UPF classifies by
	// the new SDF filter and polices the new rate; the UE's rule has its
	// packet filters replaced.
	rule.FlowDescriptions = []string{"permit out 17 from 10.45.0.1 5002 to assigned"}
	rule.MFBRUplink, rule.MFBRDownlink = 256e3, 256e3
	w.setRules(supi1, rule)
	w.pcf.SubscriptionDataChanged(t.Context(), supi1)
	w.wantTrace(`update pdr 4 precedence 10 sdf ["permit out 17 from 10.45.0.1 5002 to assigned"]`, "update qer 3 mbr 256000/256000")
	calls = w.amf.taken()
	if len(calls) != 1 {
		t.Fatalf("%d transfers for the changed rule, want 1", len(calls))
	}
	cmd, _ = sm.ParseModificationCommand(calls[0].n1)
	if rules, err := sm.ParseQoSRules(cmd.QoSRules); err != nil || len(rules) != 1 || rules[0].Op != sm.RuleOpReplaceFilters {
		t.Errorf("QoS rules %+v, %v, want the filters of one replaced", rules, err)
	}
	w.update(c.SmContextRef, sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM(sm.AppendModificationComplete(nil, 1, sm.NoPTI))})

	w.setRules(supi1)
	w.pcf.SubscriptionDataChanged(t.Context(), supi1)
	w.wantTrace("remove pdr 3", "remove pdr 4", "remove qer 3")
	calls = w.amf.taken()
	if len(calls) != 1 {
		t.Fatalf("%d transfers, want 1", len(calls))
	}
	cmd, _ = sm.ParseModificationCommand(calls[0].n1)
	if rules, err := sm.ParseQoSRules(cmd.QoSRules); err != nil || len(rules) != 1 || rules[0].Op != sm.RuleOpDelete {
		t.Errorf("QoS rules %+v, %v, want one deleted", rules, err)
	}
	if x, err := ngap.DecodeModifyRequestTransfer(calls[0].n2); err != nil || len(x.Release) != 1 || x.Release[2] == nil {
		t.Errorf("Modify Request Transfer %+v, %v, want QoS flow 2 released", x, err)
	}
}

// setRules sets the PCC rules of supi's internet DNN.
func (w *world) setRules(supi string, rules ...sbi.PCCRule) {
	w.sdm.mu.Lock()
	defer w.sdm.mu.Unlock()
	subs := slices.Clone(w.sdm.subs[supi])
	for i := range subs {
		if subs[i].DNN == "internet" {
			subs[i].PCCRules = rules
		}
	}
	w.sdm.subs[supi] = subs
}
