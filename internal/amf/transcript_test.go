package amf_test

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/ngap"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sctp"
)

var update = flag.Bool("update", false, "rewrite testdata/transcripts/*.txt")

// transcript records the NGAP messages a test's gNBs exchange with the
// AMF, one line each with the key IEs (procedure, UE NGAP IDs, cause,
// NCC, PDU sessions; never NH nor keys), and the SMF's
// Nsmf_PDUSession_UpdateSMContext exchanges, and compares them with
// testdata/transcripts/<name>.txt.
//
// Each party (a gNB's association, the SMF) that exchanged anything has
// its own section in the order it was named: SCTP orders the messages of one association, not
// those of two, so the sections are what a run shows the same way every
// time. Lines are recorded once start is called (the test's setup
// before it is not part of the transcript). mu guards the fields; the
// wrapped connections and the SMF record from any goroutine.
type transcript struct {
	mu      sync.Mutex
	on      bool
	parties []string
	lines   map[string][]string
	changed time.Time // when a line was last recorded
}

func newTranscript() *transcript {
	return &transcript{lines: map[string][]string{}, changed: time.Now()}
}

// party names a section, in the order sections are written.
func (r *transcript) party(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.parties {
		if p == name {
			return
		}
	}
	r.parties = append(r.parties, name)
}

func (r *transcript) start() {
	r.mu.Lock()
	r.on = true
	r.mu.Unlock()
}

func (r *transcript) record(party, line string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.on {
		return
	}
	r.lines[party] = append(r.lines[party], line)
	r.changed = time.Now()
}

// conn records what c sends (->) and receives (<-) under party.
func (r *transcript) conn(party string, c sctp.Conn) sctp.Conn {
	r.party(party)
	return &recordingConn{Conn: c, r: r, party: party}
}

// transport records each association tr dials under party.
func (r *transcript) transport(party string, tr sctp.Transport) sctp.Transport {
	r.party(party)
	return &recordingTransport{Transport: tr, r: r, party: party}
}

// check waits until nothing was recorded for a while (answers the test
// did not wait for, such as a UE Context Release Complete, arrive),
// then compares the transcript with testdata/transcripts/name.txt (with
// -update writes it) and starts a new, empty one.
func (r *transcript) check(t *testing.T, name string) {
	t.Helper()
	const settle = 300 * time.Millisecond
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		r.mu.Lock()
		quiet := time.Since(r.changed) >= settle
		r.mu.Unlock()
		if quiet {
			break
		}
	}
	r.mu.Lock()
	var b strings.Builder
	b.WriteString("# -> gNB to AMF, <- AMF to gNB; NH and keys are not shown\n")
	for _, p := range r.parties {
		if len(r.lines[p]) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s:\n", p)
		for _, l := range r.lines[p] {
			fmt.Fprintf(&b, "  %s\n", l)
		}
	}
	r.lines = map[string][]string{}
	r.mu.Unlock()
	got := b.String()
	path := filepath.Join("testdata", "transcripts", name+".txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/amf -run %s -update)", err, t.Name())
	}
	if d := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); d != "" {
		t.Errorf("transcript %s differs (-want +got):\n%s", name, d)
	}
}

type recordingTransport struct {
	sctp.Transport
	r     *transcript
	party string
}

func (t *recordingTransport) Dial(ctx context.Context, local netip.Addr, remote netip.AddrPort) (sctp.Conn, error) {
	c, err := t.Transport.Dial(ctx, local, remote)
	if err != nil {
		return nil, err
	}
	return t.r.conn(t.party, c), nil
}

type recordingConn struct {
	sctp.Conn
	r     *transcript
	party string
}

func (c *recordingConn) Send(ctx context.Context, m sctp.Message) error {
	if m.PPID == sctp.PPIDNGAP {
		c.r.record(c.party, "-> "+describePDU(m.Data))
	}
	return c.Conn.Send(ctx, m)
}

func (c *recordingConn) Recv(ctx context.Context) (sctp.Message, error) {
	m, err := c.Conn.Recv(ctx)
	if err == nil && m.PPID == sctp.PPIDNGAP {
		c.r.record(c.party, "<- "+describePDU(m.Data))
	}
	return m, err
}

// describePDU renders an NGAP PDU as one line: the message, its UE NGAP
// IDs, cause, and the IEs of the handover procedures a reader checks.
func describePDU(b []byte) string {
	m, err := ngap.Decode(b)
	if err != nil {
		return fmt.Sprintf("undecodable (%v)", err)
	}
	w := []string{strings.TrimPrefix(fmt.Sprintf("%T", m), "*message.")}
	// A Path Switch Request names the UE by its Source AMF UE NGAP ID,
	// rendered below.
	if _, ps := m.(*message.PathSwitchRequest); !ps {
		amfUE, ok, ranUE, ok2 := ngap.UEIDs(m)
		if ok {
			w = append(w, fmt.Sprintf("amf-ue=%d", amfUE))
		}
		if ok2 {
			w = append(w, fmt.Sprintf("ran-ue=%d", ranUE))
		}
	}
	hasCause := false
	if f := reflect.ValueOf(m).Elem().FieldByName("Cause"); f.IsValid() {
		if c, ok := f.Interface().(*ie.Cause); ok && c != nil {
			w, hasCause = append(w, "cause="+ngap.CauseString(c)), true
		}
	}
	switch m := m.(type) {
	case *message.HandoverRequired:
		if h, err := ngap.DecodeHandoverRequired(m); err == nil {
			w = append(w, fmt.Sprintf("target=gnb-%d tac=%d", h.Target.ID, h.TargetTAI.TAC), "sessions="+psis(h.Sessions))
		}
	case *message.HandoverRequest:
		if h, err := ngap.DecodeHandoverRequest(m); err == nil {
			w = append(w, fmt.Sprintf("ncc=%d", h.NCC), "sessions="+psis(h.Sessions))
		}
	case *message.HandoverRequestAcknowledge:
		if h, err := ngap.DecodeHandoverRequestAcknowledge(m); err == nil {
			w = append(w, "admitted="+psis(h.Admitted), "failed="+psis(h.Failed))
		}
	case *message.HandoverCommand:
		if h, err := ngap.DecodeHandoverCommand(m); err == nil {
			w = append(w, "sessions="+psis(h.Sessions), "released="+psis(h.Released))
		}
	case *message.HandoverFailure:
		if _, c, err := ngap.DecodeHandoverFailure(m); err == nil && c != nil && !hasCause {
			w = append(w, "cause="+ngap.CauseString(c))
		}
	case *message.PathSwitchRequest:
		if p, err := ngap.DecodePathSwitchRequest(m); err == nil {
			w = append(w, fmt.Sprintf("ran-ue=%d source-amf-ue=%d", p.RANUE, p.SourceAMFUE), "sessions="+psis(p.Sessions), "failed="+psis(p.Failed))
		}
	case *message.PathSwitchRequestAcknowledge:
		if a, err := ngap.DecodePathSwitchRequestAcknowledge(m); err == nil {
			w = append(w, fmt.Sprintf("ncc=%d", a.NCC), "switched="+psis(a.Switched), "released="+psis(a.Released))
			for _, s := range a.Released {
				if c, err := ngap.DecodePathSwitchUnsuccessfulTransfer(s.Transfer); err == nil {
					w = append(w, fmt.Sprintf("released-%d-cause=%s", s.PDUSessionID, ngap.CauseString(c)))
				}
			}
			if a.Security != nil {
				w = append(w, "ue-security-capabilities")
			}
		}
	case *message.PDUSessionResourceModifyConfirm:
		var modified, failed []int64
		if l := m.PDUSessionResourceModifyListModCfm; l != nil {
			for _, it := range l.List {
				modified = append(modified, it.PDUSessionID.Value)
			}
		}
		if l := m.PDUSessionResourceFailedToModifyListModCfm; l != nil {
			for _, it := range l.List {
				failed = append(failed, it.PDUSessionID.Value)
			}
		}
		w = append(w, fmt.Sprintf("modified=%v failed=%v", modified, failed))
	case *message.PathSwitchRequestFailure:
		if psis, c, err := ngap.DecodePathSwitchRequestFailure(m); err == nil {
			w = append(w, fmt.Sprintf("released=%v", psis))
			if c != nil && !hasCause {
				w = append(w, "cause="+ngap.CauseString(c))
			}
		}
	}
	return strings.Join(w, " ")
}

// psis lists the PDU Session IDs of a slice of ngap session items
// (HandoverSession, SessionItem, SessionResult).
func psis(s any) string {
	v := reflect.ValueOf(s)
	ids := make([]uint64, v.Len())
	for i := range ids {
		ids[i] = v.Index(i).FieldByName("PDUSessionID").Uint()
	}
	return fmt.Sprint(ids)
}

// n2SMTypes are the TS 29.502 N2SmInfoType names of the handover
// procedures' N2 SM information.
var n2SMTypes = map[sbi.N2SmInfoType]string{
	sbi.N2SetupRequest:                      "PDU_RES_SETUP_REQ",
	sbi.N2PathSwitchRequest:                 "PATH_SWITCH_REQ",
	sbi.N2PathSwitchSetupFailed:             "PATH_SWITCH_SETUP_FAIL",
	sbi.N2PathSwitchRequestAck:              "PATH_SWITCH_REQ_ACK",
	sbi.N2PathSwitchRequestFailed:           "PATH_SWITCH_REQ_FAIL",
	sbi.N2HandoverRequired:                  "HANDOVER_REQUIRED",
	sbi.N2HandoverCommand:                   "HANDOVER_CMD",
	sbi.N2HandoverPreparationFailure:        "HANDOVER_PREP_FAIL",
	sbi.N2HandoverRequestAck:                "HANDOVER_REQ_ACK",
	sbi.N2HandoverResourceAllocationFailure: "HANDOVER_RES_ALLOC_FAIL",
	sbi.N2ModifyIndication:                  "PDU_RES_MOD_IND",
	sbi.N2ModifyConfirm:                     "PDU_RES_MOD_CFM",
}

func n2SMType(t sbi.N2SmInfoType) string {
	if s, ok := n2SMTypes[t]; ok {
		return s
	}
	return fmt.Sprintf("N2SMType(%d)", t)
}

// recordSMF records one Nsmf_PDUSession_UpdateSMContext exchange under
// "SMF"; r may be nil.
func (r *transcript) recordSMF(upd sbi.SmContextUpdateData, ans sbi.SmContextUpdatedData, err error) {
	if r == nil {
		return
	}
	line := "UpdateSMContext"
	if upd.N2SmInfoType != sbi.N2None {
		line += " n2=" + n2SMType(upd.N2SmInfoType)
	}
	if upd.HoState != sbi.HONone {
		line += " hoState=" + upd.HoState.String()
	}
	switch {
	case err != nil:
		line += fmt.Sprintf(" -> error %v", err)
	case ans.N2SmInfoType != sbi.N2None:
		line += " -> n2=" + n2SMType(ans.N2SmInfoType)
	default:
		line += " -> ok"
	}
	if err == nil && ans.Released {
		line += " released"
	}
	r.record("SMF", line)
}
