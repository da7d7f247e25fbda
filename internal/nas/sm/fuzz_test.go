package sm

import (
	"errors"
	"testing"
)

// FuzzParse checks that no input makes the parsers panic, that every
// refusal is Ignore or an *Error carrying a cause and the header of the
// message it refuses, and that what parses re-encodes to something that
// parses the same. The committed corpus (testdata/fuzz/FuzzParse) holds
// every message of TestBuildersGolden and the error cases.
func FuzzParse(f *testing.F) {
	f.Add(AppendEstablishmentRequest(nil, requestAll))
	f.Fuzz(func(t *testing.T, b []byte) {
		check := func(what string, err error) {
			t.Helper()
			if err == nil || err == Ignore {
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Cause == 0 {
				t.Fatalf("%s: error %v is neither Ignore nor an *Error with a cause", what, err)
			}
			if e.Header.MessageType != b[3] || e.Header.PDUSessionID != b[1] || e.Header.PTI != b[2] {
				t.Fatalf("%s: *Error header %+v is not the message's % x", what, e.Header, b[:4])
			}
		}
		_, err := ParseHeader(b)
		check("ParseHeader", err)
		r, err := ParseEstablishmentRequest(b)
		check("ParseEstablishmentRequest", err)
		if err == nil {
			again, err := ParseEstablishmentRequest(AppendEstablishmentRequest(nil, r))
			if err != nil || again != r {
				t.Fatalf("request %+v re-encodes to %+v, %v", r, again, err)
			}
		}
		rel, err := ParseReleaseRequest(b)
		check("ParseReleaseRequest", err)
		if err == nil {
			again, err := ParseReleaseRequest(AppendReleaseRequest(nil, rel.PDUSessionID, rel.PTI, rel.Cause))
			if err != nil || again != rel {
				t.Fatalf("release request %+v re-encodes to %+v, %v", rel, again, err)
			}
		}
		_, err = ParseReleaseComplete(b)
		check("ParseReleaseComplete", err)
		mr, err := ParseModificationRequest(b)
		check("ParseModificationRequest", err)
		if err == nil {
			mr.MessageType = MsgModificationRequest
			again, err := ParseModificationRequest(AppendModificationRequest(nil, mr))
			if err != nil || again.Cause != mr.Cause || again.MaxPacketFilters != mr.MaxPacketFilters ||
				string(again.QoSRules) != string(mr.QoSRules) || string(again.QoSFlowDescriptions) != string(mr.QoSFlowDescriptions) {
				t.Fatalf("modification request %+v re-encodes to %+v, %v", mr, again, err)
			}
		}
		_, err = ParseModificationComplete(b)
		check("ParseModificationComplete", err)
		_, err = ParseModificationCommandReject(b)
		check("ParseModificationCommandReject", err)
		if m, err := ParseModificationCommand(b); err == nil {
			again, err := ParseModificationCommand(ModificationCommand(nil, m))
			if err != nil || again.HasAMBR != m.HasAMBR || string(again.QoSRules) != string(m.QoSRules) {
				t.Fatalf("modification command %+v re-encodes to %+v, %v", m, again, err)
			}
		}
		_, _ = ParseModificationReject(b)
		// The UE side must not panic either; what it accepts re-encodes
		// unless it holds values the network side refuses to send.
		if a, err := ParseEstablishmentAccept(b); err == nil {
			if out, err := EstablishmentAccept(nil, a); err == nil {
				if _, err := ParseEstablishmentAccept(out); err != nil {
					t.Fatalf("accept %+v re-encodes to % x, which does not parse: %v", a, out, err)
				}
			}
		}
	})
}
