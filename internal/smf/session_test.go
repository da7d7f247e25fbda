package smf

import (
	"fmt"
	"strings"
	"testing"
)

// TestTransitions prints the whole transition table and compares it
// with the diagram at state.
func TestTransitions(t *testing.T) {
	events := []event{evEstablished{}, evN2Setup{}, evN2SetupFailed{}, evANReleased{}, evReleaseRequested{}, evReleaseComplete{}, evLocalRelease{}, evUPActivating{}, evReactivationFailed{}}
	var b strings.Builder
	for s := range numStates {
		for _, e := range events {
			if n, ok := next(s, e); ok {
				fmt.Fprintf(&b, "%s %T %s\n", s, e, n)
			}
		}
	}
	const want = `establishing smf.evEstablished activating
establishing smf.evLocalRelease released
activating smf.evN2Setup active
activating smf.evN2SetupFailed released
activating smf.evANReleased inactive
activating smf.evReleaseRequested releasing
activating smf.evLocalRelease released
activating smf.evUPActivating activating
activating smf.evReactivationFailed inactive
active smf.evN2Setup active
active smf.evN2SetupFailed released
active smf.evANReleased inactive
active smf.evReleaseRequested releasing
active smf.evLocalRelease released
active smf.evUPActivating active
inactive smf.evN2Setup active
inactive smf.evN2SetupFailed released
inactive smf.evANReleased inactive
inactive smf.evReleaseRequested releasing
inactive smf.evLocalRelease released
inactive smf.evUPActivating activating
inactive smf.evReactivationFailed inactive
releasing smf.evReleaseComplete released
releasing smf.evLocalRelease released
`
	if got := b.String(); got != want {
		t.Errorf("transitions:\n%s\nwant:\n%s", got, want)
	}
	if len(events) != int(numEventKinds) {
		t.Errorf("%d events listed, %d kinds", len(events), numEventKinds)
	}
}
