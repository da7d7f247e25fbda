package gnb

import "fmt"

// SendUplink sends the T-PDU pdu from the UE on PDU session psi as a
// G-PDU on the session's uplink tunnel, marked with its QoS flow (a
// Router Solicitation, say: TS 23.501 §5.8.2.2.3).
func (c *UEConn) SendUplink(psi uint8, pdu []byte) error {
	if c.g.up == nil {
		return errNoUserPlane
	}
	b, ok := c.Session(psi)
	if !ok {
		return fmt.Errorf("gnb: %s has no resources for PDU session %d", c, psi)
	}
	return c.g.sendUL(b, pdu)
}

// SendUplinkQFI is SendUplink with the G-PDU marked with QoS flow qfi
// instead of the session's default one: a packet that matches the QoS
// rule of a flow the UE added (TS 23.501 §5.7.1.5, the UE maps uplink
// packets to QoS flows by its QoS rules).
func (c *UEConn) SendUplinkQFI(psi, qfi uint8, pdu []byte) error {
	if c.g.up == nil {
		return errNoUserPlane
	}
	b, ok := c.Session(psi)
	if !ok {
		return fmt.Errorf("gnb: %s has no resources for PDU session %d", c, psi)
	}
	b.QFI = qfi
	return c.g.sendUL(b, pdu)
}
