package ngap

import (
	"testing"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

func TestOverloadRoundTrip(t *testing.T) {
	for _, m := range []message.Message{OverloadStart(), OverloadStop()} {
		b, err := Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("Decode(%T) = %v", m, err)
		}
		if got.ProcedureCode() != m.ProcedureCode() {
			t.Errorf("%T decoded as procedure %d", m, got.ProcedureCode())
		}
		if s, ok := got.(*message.OverloadStart); ok {
			a, _ := s.AMFOverloadResponse.Choice.(*ie.OverloadAction)
			if a == nil || a.Value != ie.OverloadActionPresentRejectRrcCrSignalling {
				t.Errorf("Overload Start action = %+v", s.AMFOverloadResponse)
			}
		}
	}
}
