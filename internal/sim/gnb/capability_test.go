package gnb

import (
	"encoding/hex"
	"testing"

	"github.com/keelcore/keel/internal/ngap"
)

// The simulator's UE radio capability is the one internal/ngap's golden
// PDUs hold (which tshark decodes down to its bands) and passes the
// AMF's check.
func TestUERadioCapability(t *testing.T) {
	b := UERadioCapability([]uint16{78, 1, 3})
	if got, want := hex.EncodeToString(b), "00988110000000000000800009a000000000001000"; got != want {
		t.Errorf("UERadioCapability(78, 1, 3) = %s, want %s", got, want)
	}
	if err := ngap.CheckUERadioCapability(b); err != nil {
		t.Errorf("CheckUERadioCapability = %v", err)
	}
	for _, bands := range [][]uint16{{1}, {1, 2, 3, 5, 7, 8, 20, 28, 38, 40, 41, 66, 71, 77, 78, 79}} {
		if err := ngap.CheckUERadioCapability(UERadioCapability(bands)); err != nil {
			t.Errorf("bands %v: CheckUERadioCapability = %v", bands, err)
		}
	}
	if UERadioCapability(nil) != nil {
		t.Errorf("UERadioCapability without a band is not nil")
	}
}
