package pfcp

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wmnsk/go-pfcp/message"
)

// FuzzDecode checks that no input makes Decode or a Parse function panic,
// that every refusal is a *CauseError (with a cause when the message is a
// request that can be answered, and a response that encodes), and that
// what decodes re-encodes to something that decodes. Session
// Establishment and Modification Requests that parse must also survive
// Message and Parse again unchanged. The seeds in
// testdata/fuzz/FuzzDecode are the golden messages (TestGolden keeps
// them equal), one of every type Keel builds.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if err != nil {
			var ce *CauseError
			if !errors.As(err, &ce) {
				t.Fatalf("Decode error %v is not a *CauseError", err)
			}
			checkRefusal(t, ce)
			return
		}
		if err := parseMessage(m); err != nil {
			var ce *CauseError
			if !errors.As(err, &ce) || ce.Cause == 0 || ce.MessageType != m.MessageType() {
				t.Fatalf("Parse error %v is not a *CauseError with a cause and the message type", err)
			}
			checkRefusal(t, ce)
		} else {
			rebuild(t, m)
		}
		out, err := Marshal(m)
		if err != nil {
			t.Fatalf("decoded %s does not re-encode: %v", TypeName(m.MessageType()), err)
		}
		if _, err := Decode(out); err != nil {
			t.Fatalf("re-encoded %s does not decode: %v", TypeName(m.MessageType()), err)
		}
	})
}

func checkRefusal(t *testing.T, ce *CauseError) {
	t.Helper()
	if !ce.Answerable() {
		return
	}
	resp, err := ce.Response(1, upfNodeID, testRecovery)
	if err != nil || resp == nil {
		t.Fatalf("no response to refused %s: %v", TypeName(ce.MessageType), err)
	}
	if _, err := Marshal(resp); err != nil {
		t.Fatalf("response to refused %s does not encode: %v", TypeName(ce.MessageType), err)
	}
}

// rebuild checks that what Keel reads from a request it can build again,
// and reads back the same.
func rebuild(t *testing.T, m message.Message) {
	t.Helper()
	switch m := m.(type) {
	case *message.SessionEstablishmentRequest:
		r, _ := ParseEstablishmentRequest(m)
		out, err := r.Message(m.Sequence())
		if err != nil {
			return // a value Keel reads but does not send (an odd Network Instance)
		}
		_, dm := roundTrip(t, out)
		r2, err := ParseEstablishmentRequest(dm.(*message.SessionEstablishmentRequest))
		if err != nil {
			t.Fatalf("rebuilt request does not parse: %v", err)
		}
		if d := cmp.Diff(r, r2, equate); d != "" {
			t.Fatalf("rebuilt request differs (-read +rebuilt):\n%s", d)
		}
	case *message.SessionModificationRequest:
		r, _ := ParseModificationRequest(m)
		out, err := r.Message(m.Sequence())
		if err != nil {
			return
		}
		_, dm := roundTrip(t, out)
		r2, err := ParseModificationRequest(dm.(*message.SessionModificationRequest))
		if err != nil {
			t.Fatalf("rebuilt request does not parse: %v", err)
		}
		if d := cmp.Diff(r, r2, equate); d != "" {
			t.Fatalf("rebuilt request differs (-read +rebuilt):\n%s", d)
		}
	}
}
