package gmm

import (
	"context"
	"log/slog"

	"github.com/keelcore/keel/internal/nas"
)

// logReject writes the one log line of a REJECT or 5GMM STATUS the AMF
// sends the UE (TS 24.501 §5.5.1.2.5, §5.6.1.5, §7): msg says what was
// sent, then come the UE — its SUPI, or its SUCI while the SUPI is not
// known (a SUCI is public: its scheme output is ciphertext) — and the
// 5GMM cause as its number and its name (§9.11.3.2); attrs give the
// reason. The line is at info level: a reject is the network's answer,
// not a fault of Keel, and the AMF's log limiter bounds a flood of one
// message and cause.
func (m *Machine) logReject(msg string, cause uint8, attrs ...any) {
	args := append([]any{m.identity()}, causeArgs(cause)...)
	m.log.Info(msg, append(args, attrs...)...)
}

// causeArgs are the attributes naming a 5GMM cause: "cause", its number,
// and "cause_name", its TS 24.501 §9.11.3.2 name.
func causeArgs(cause uint8) []any {
	return []any{slog.Int("cause", int(cause)), slog.String("cause_name", nas.CauseName(cause))}
}

// sendStatus sends 5GMM STATUS with cause (TS 24.501 §5.4.6, §7) and logs
// it once, with the reason attrs.
func (m *Machine) sendStatus(cause uint8, reason ...any) {
	m.logReject("5GMM STATUS sent", cause, reason...)
	m.send(nas.Status5GMM(nil, cause))
}

// notForwarded returns the payload of a UL NAS TRANSPORT to the UE in a
// DL NAS TRANSPORT with the 5GMM cause saying why the AMF could not
// forward it (TS 24.501 §5.4.5.2.5: #90, #91), and logs it once at level
// (a warning when a peer failed), with the reason attrs.
func (m *Machine) notForwarded(t nas.ULTransport, cause uint8, level slog.Level, reason ...any) {
	args := append([]any{m.identity(), "pdu_session_id", int(t.PDUSessionID)}, causeArgs(cause)...)
	m.log.Log(context.Background(), level, "5GSM message not forwarded", append(args, reason...)...)
	m.send(nas.DLTransport(nil, t.PayloadType, t.Payload, t.PDUSessionID, cause))
}
