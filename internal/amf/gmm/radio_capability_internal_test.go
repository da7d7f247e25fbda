package gmm

import (
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/keelcore/keel/internal/nas"
)

// The NG-RAN-RCU bit of the 5GS update type (TS 24.501 §9.11.3.9A) is
// read from a REGISTRATION REQUEST: with it, or for an initial
// registration, the AMF forgets the UE radio capability it keeps
// (TestInitialRegistration checks the Initial Context Setup says so).
func TestRadioCapabilityUpdate(t *testing.T) {
	// Registration Request (§8.2.6): ngKSI 7, follow-on request, the type
	// below, SUCI of IMSI 001 01 0000000001 (null scheme), UE security
	// capability; then, when given, the 5GS update type IE (IEI 0x53).
	base := "7e0041%s000d0100f110000000000000000010" + "2e04f0f0f0f0"
	for _, c := range []struct {
		name   string
		typ    string // ngKSI, FOR and registration type octet
		update string
		rcu    bool
	}{
		{"initial", "79", "", false},
		{"mobility", "7a", "", false},
		{"mobility, SMS requested only", "7a", "530101", false},
		{"mobility, NG-RAN-RCU", "7a", "530102", true},
		{"periodic, NG-RAN-RCU", "7b", "530102", true},
	} {
		plain, err := hex.DecodeString(fmt.Sprintf(base, c.typ) + c.update)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := nas.Decode(plain)
		if err != nil || msg.RegistrationRequest == nil {
			t.Fatalf("%s: nas.Decode = %v", c.name, err)
		}
		r, cause := parseRegistration(msg.RegistrationRequest, plain)
		if cause != 0 {
			t.Fatalf("%s: parseRegistration refused it with #%d", c.name, cause)
		}
		if r.radioCapabilityUpdate != c.rcu {
			t.Errorf("%s: radioCapabilityUpdate = %v, want %v", c.name, r.radioCapabilityUpdate, c.rcu)
		}
	}
}
