package gmm

import (
	"github.com/keelcore/keel/internal/crypto/nassec"
	"github.com/keelcore/keel/internal/nas"
)

// ForgetSession drops PDU session psi from the machine without telling
// anyone, as a network that lost it would: the tests of a UE naming a
// session the network does not have.
func (m *Machine) ForgetSession(psi uint8) { m.sessions.del(psi) }

// UplinkForTest protects plain as the UE would, integrity only (security
// header type 1) with the next uplink COUNT of the machine's current
// context: the tests of messages the simulated UE does not send.
func (m *Machine) UplinkForTest(plain []byte) []byte {
	count := m.sec.ULCount()
	out := append([]byte{nas.EPD5GMM, nas.IntegrityProtected, 0, 0, 0, 0, byte(count)}, plain...)
	mac, err := nassec.MAC(m.sec.IntAlg, m.sec.KInt, count, nassec.Bearer3GPP, nassec.Uplink, out[6:])
	if err != nil {
		panic(err)
	}
	copy(out[2:6], mac[:])
	return out
}
