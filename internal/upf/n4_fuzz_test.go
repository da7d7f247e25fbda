package upf

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/wmnsk/go-pfcp/message"

	"github.com/keelcore/keel/internal/goldentest"
	"github.com/keelcore/keel/internal/pfcp"
)

var updateN4Seeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzN4 from the PFCP builders")

// The state every FuzzN4 input starts from: the CP function (Node ID
// n4CPID, sending from n4FuzzPeer) associated with Recovery Time Stamp
// cpBoot1, and one session, CP SEID 0xc0de, UP SEID n4FuzzSEID, with the
// rules of n4Rules.
const (
	n4FuzzSEID  = 0x1000
	n4FuzzTEID  = 0x100
	n4FuzzCPSID = 0xc0de
)

var n4FuzzPeer = netip.AddrPortFrom(n4CPID, 8805)

// FuzzN4 feeds a datagram from the associated CP function to the UPF's
// N4 handlers as its pfcp.Node does (Split, Decode, then handle or, for a
// request Decode refused, refused), without the socket. No input may make
// them panic; every request gets a response, of the request's type plus
// one, that encodes and decodes again; and once the sessions are deleted
// the UPF holds no TEID. Each input starts from a fresh association and
// session; the seeds in testdata/fuzz/FuzzN4 are the requests a CP
// function sends, made by TestFuzzN4Seeds.
func FuzzN4(f *testing.F) {
	dp := newFakeDatapath()
	// The N4 socket is opened but never sent to: the handlers are
	// called directly.
	u, err := New(context.Background(), Options{N4: n4Local, NodeID: n4UPFID, Datapath: dp})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { u.Close() })
	f.Fuzz(func(t *testing.T, data []byte) {
		n4FuzzReset(t, u, dp)
		// go-pfcp keeps slices of what it parses, as in Node.read.
		b := bytes.Clone(data)
		for len(b) > 0 {
			var m []byte
			m, b = pfcp.Split(b)
			n4FuzzReceive(t, u, m)
		}
		n4FuzzPurge(t, u)
	})
}

// n4FuzzReceive is pfcp.Node.receive and refuse, for the requests that
// reach the UPF's handlers.
func n4FuzzReceive(t *testing.T, u *UPF, b []byte) {
	ctx := context.Background()
	var resp message.Message
	var typ uint8
	var seq uint32
	m, err := pfcp.Decode(b)
	if err != nil {
		var ce *pfcp.CauseError
		// The Node answers a version it does not support itself, and
		// drops what cannot be answered.
		if !errors.As(err, &ce) || errors.Is(ce, pfcp.ErrVersionNotSupported) || !ce.Answerable() {
			return
		}
		typ, seq = ce.MessageType, ce.Sequence
		resp = u.refused(ctx, n4FuzzPeer, ce)
	} else {
		if !pfcp.IsRequest(m.MessageType()) {
			return // a response: the Node's own business
		}
		typ, seq = m.MessageType(), m.Sequence()
		resp = u.handle(ctx, n4FuzzPeer, m)
	}
	if resp == nil {
		t.Fatalf("no response to %s", pfcp.TypeName(typ))
	}
	if resp.MessageType() != typ+1 {
		t.Fatalf("%s answered with %s", pfcp.TypeName(typ), pfcp.TypeName(resp.MessageType()))
	}
	resp.SetSequenceNumber(seq)
	out, err := pfcp.Marshal(resp)
	if err != nil {
		t.Fatalf("response to %s does not encode: %v", pfcp.TypeName(typ), err)
	}
	if _, err := pfcp.Decode(out); err != nil {
		t.Fatalf("response to %s does not decode: %v\n% x", pfcp.TypeName(typ), err, out)
	}
}

// n4FuzzReset brings the UPF back to the state every input starts from.
func n4FuzzReset(t *testing.T, u *UPF, dp *fakeDatapath) {
	t.Helper()
	n4FuzzPurge(t, u)
	u.state.Lock()
	clear(u.state.peers)
	u.state.nextTEID = n4FuzzTEID
	u.state.Unlock()
	// UP SEIDs counted from n4FuzzSEID, the session every input starts
	// from, which the seeds address. newSEID runs under u.state.
	seid := uint64(n4FuzzSEID)
	u.newSEID = func() uint64 { seid++; return seid - 1 }
	dp.mu.Lock()
	clear(dp.rules)
	clear(dp.usage)
	dp.deletes, dp.applies, dp.applyErr = nil, 0, nil
	dp.mu.Unlock()

	ctx := context.Background()
	req, _ := pfcp.AssociationSetupRequest(0, n4CPID, cpBoot1)
	if _, _, cause, err := pfcp.ParseAssociationSetup(u.handle(ctx, n4FuzzPeer, req)); err != nil || cause != pfcp.CauseRequestAccepted {
		t.Fatalf("Association Setup: cause %d, %v", cause, err)
	}
	est, err := n4Request(n4FuzzCPSID).Message(0)
	if err != nil {
		t.Fatal(err)
	}
	resp, ok := u.handle(ctx, n4FuzzPeer, est).(*message.SessionEstablishmentResponse)
	if !ok {
		t.Fatal("no Session Establishment Response")
	}
	if r, err := pfcp.ParseEstablishmentResponse(resp); err != nil || r.Cause != pfcp.CauseRequestAccepted || r.UPSEID != n4FuzzSEID {
		t.Fatalf("Session Establishment Response = %+v, %v, want accepted with UP SEID %#x", r, err, n4FuzzSEID)
	}
}

// n4FuzzPurge deletes every session, as a CP function restart would, and
// checks that no TEID stays behind.
func n4FuzzPurge(t *testing.T, u *UPF) {
	t.Helper()
	u.state.Lock()
	doomed := make([]*session, 0, len(u.state.sessions))
	for _, s := range u.state.sessions {
		doomed = append(doomed, s)
	}
	u.state.Unlock()
	u.purge(doomed)
	u.state.Lock()
	defer u.state.Unlock()
	if len(u.state.sessions) != 0 || len(u.state.teids) != 0 {
		t.Fatalf("after deleting every session the UPF holds %d sessions and %d TEIDs", len(u.state.sessions), len(u.state.teids))
	}
}

// n4FuzzSeeds are the seeds of FuzzN4 by file name.
func n4FuzzSeeds(t *testing.T) map[string][]byte {
	t.Helper()
	enc := func(m message.Message, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		b, err := pfcp.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	seeds := map[string][]byte{}
	seeds["heartbeat_request"] = enc(pfcp.HeartbeatRequest(1, cpBoot1))
	// A new Recovery Time Stamp: the CP function restarted.
	seeds["heartbeat_request_restarted"] = enc(pfcp.HeartbeatRequest(1, cpBoot2))
	seeds["association_setup_request"] = enc(pfcp.AssociationSetupRequest(2, n4CPID, cpBoot1))
	seeds["association_setup_request_restarted"] = enc(pfcp.AssociationSetupRequest(2, n4CPID, cpBoot2))
	seeds["association_release_request"] = enc(pfcp.AssociationReleaseRequest(3, n4CPID))
	est := enc(n4Request(0xbeef).Message(4))
	seeds["session_establishment_request"] = est
	mod := enc(pfcp.ModificationRequest{
		SEID:       n4FuzzSEID,
		Create:     pfcp.Rules{PDRs: []pfcp.PDR{{ID: 4, Precedence: 50, SourceInterface: pfcp.InterfaceAccess, FTEID: &pfcp.FTEID{Choose: true, ChooseID: 1}, QFI: 1, RemoveOuterHeader: true, FARID: 1}}},
		Update:     pfcp.Rules{FARs: []pfcp.FAR{{ID: 2, Outer: &pfcp.OuterHeader{TEID: 0x1234, IPv4: n4GNB.Next()}, Set: pfcp.FieldOuterHeader}}},
		RemovePDRs: []uint16{3},
		QueryURRs:  true,
	}.Message(5))
	seeds["session_modification_request"] = mod
	// The UE goes idle: the downlink FAR buffers and notifies under a
	// new BAR; then paging failed: DROBU.
	seeds["session_modification_request_idle"] = enc(pfcp.ModificationRequest{
		SEID:   n4FuzzSEID,
		Create: pfcp.Rules{BARs: []pfcp.BAR{{ID: 1, SuggestedPackets: 16}}},
		Update: pfcp.Rules{FARs: []pfcp.FAR{{ID: 2, Buffer: true, NotifyCP: true, BARID: 1, Set: pfcp.FieldApplyAction | pfcp.FieldBARID}}},
	}.Message(8))
	seeds["session_modification_request_drobu"] = enc(pfcp.ModificationRequest{SEID: n4FuzzSEID, DropBuffered: true}.Message(9))
	del := enc(pfcp.DeletionRequest(n4FuzzSEID, 6), nil)
	seeds["session_deletion_request"] = del
	// Bundled (TS 29.244 §7.2.1A): the modification, FO flag set, then
	// the deletion.
	bundle := append(bytes.Clone(mod), del...)
	bundle[0] |= 0x04
	seeds["session_modification_deletion_bundled"] = bundle
	seeds["pfd_management_request"] = enc(message.NewPFDManagementRequest(7), nil)
	seeds["session_establishment_request_truncated"] = est[:len(est)/2]
	// Node ID length (octets 17–18) overrunning the message: refused by
	// Decode, answered through refused.
	overrun := bytes.Clone(est)
	overrun[18] = 0x40
	seeds["session_establishment_request_node_id_overrun"] = overrun
	return seeds
}

// TestFuzzN4Seeds keeps testdata/fuzz/FuzzN4 equal to what the builders
// make (regenerate with -update-seeds).
func TestFuzzN4Seeds(t *testing.T) {
	for name, b := range n4FuzzSeeds(t) {
		goldentest.Seed(t, filepath.Join("testdata", "fuzz", "FuzzN4", name), b, *updateN4Seeds)
	}
}
