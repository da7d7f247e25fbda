package gmm_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/amf/gmm"
	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/nas"
	"github.com/keelcore/keel/internal/nssf"
)

// ies transcribes the IEs of a Registration Accept or Reject when the
// world asks for them: the NSSAIs in full, the other IEs by IEI.
func (w *world) ies(pdu []byte) string {
	if !w.showIEs {
		return ""
	}
	_, body, err := nas.Split(pdu)
	if err != nil || len(body) < 4 {
		return ""
	}
	var rest []byte
	switch nas.MessageType(body) {
	case 0x42:
		if len(body) < 5 {
			return " (truncated)"
		}
		rest = body[5:] // EPD, header, type, 5GS registration result (LV)
	case 0x44:
		rest = body[4:] // EPD, header, type, 5GMM cause
	default:
		return ""
	}
	var out []string
	for len(rest) > 0 {
		iei := rest[0]
		var v []byte
		switch {
		case iei == 0x77 && len(rest) >= 3: // TLV-E
			n := int(rest[1])<<8 | int(rest[2])
			if len(rest) < 3+n {
				return " (truncated IE)"
			}
			v, rest = rest[3:3+n], rest[3+n:]
		case len(rest) >= 2:
			n := int(rest[1])
			if len(rest) < 2+n {
				return " (truncated IE)"
			}
			v, rest = rest[2:2+n], rest[2+n:]
		default:
			return " (truncated IE)"
		}
		switch iei {
		case 0x15:
			out = append(out, "allowed="+nssai(v))
		case 0x31:
			out = append(out, "configured="+nssai(v))
		case 0x11, 0x69:
			out = append(out, "rejected="+rejected(v))
		default:
			out = append(out, fmt.Sprintf("%02x=%x", iei, v))
		}
	}
	return "\n      " + strings.Join(out, "\n      ")
}

// nssai renders an NSSAI IE value (TS 24.501 §9.11.3.37).
func nssai(v []byte) string {
	s, err := nas.ParseNSSAI(v)
	if err != nil {
		return fmt.Sprintf("malformed %x", v)
	}
	return fmt.Sprint(s)
}

// rejected renders a rejected NSSAI IE value (§9.11.3.46): S-NSSAI/cause.
func rejected(v []byte) string {
	var out []string
	for len(v) > 0 {
		n, cause := int(v[0]>>4), v[0]&0x0f
		if len(v) < 1+n || (n != 1 && n != 4) {
			return fmt.Sprintf("malformed %x", v)
		}
		s := ident.SNSSAI{SST: v[1]}
		if n == 4 {
			s.SD, s.HasSD = uint32(v[2])<<16|uint32(v[3])<<8|uint32(v[4]), true
		}
		out = append(out, fmt.Sprintf("%s/cause%d", s, cause))
		v = v[1+n:]
	}
	return "[" + strings.Join(out, " ") + "]"
}

// registerShowing registers with the IEs of the answer transcribed.
func registerShowing(t *testing.T, o worldOptions) *world {
	w := newWorld(t, o)
	w.showIEs = true
	w.register()
	w.deliver()
	return w
}

// TS 24.501 §5.5.1.2.4: a requested S-NSSAI the subscription and the AMF
// allow is allowed; one not subscribed is rejected "not available in the
// current PLMN" (cause 0), and since the UE asked for a slice outside its
// configured NSSAI the accept carries the configured NSSAI.
func TestNSSAIRequestedPartlyRejected(t *testing.T) {
	sd1 := ident.SNSSAI{SST: 2, SD: 1, HasSD: true}
	w := registerShowing(t, worldOptions{
		subNSSAI: []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 1, HasSD: true}},
		slices:   []ident.SNSSAI{{SST: 1}, sd1},
		ueNSSAI:  []ident.SNSSAI{{SST: 1}, {SST: 3}},
	})
	if w.m.State() != gmm.Registered {
		t.Errorf("state %s, want registered", w.m.State())
	}
	w.check("nssai_partly_rejected")
}

// TS 23.501 §5.15.5.2.1, TS 24.501 §5.5.1.2.4: a UE that requests no
// NSSAI is allowed its default S-NSSAI only (not every subscribed one)
// and is sent the configured NSSAI.
func TestNSSAINoneRequested(t *testing.T) {
	w := registerShowing(t, worldOptions{
		subNSSAI: []ident.SNSSAI{{SST: 2, SD: 1, HasSD: true}, {SST: 1}},
		slices:   []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 1, HasSD: true}},
		ueNSSAI:  []ident.SNSSAI{},
	})
	w.check("nssai_none_requested")
}

// TS 23.501 §5.15.5.2.1: a UE that requests no NSSAI, whose subscriber
// marks two of three subscribed S-NSSAIs default, is allowed those two
// (read from the UDR's defaultSingleNssais), not the first subscribed one.
func TestNSSAINoneRequestedTwoDefaults(t *testing.T) {
	sd1 := ident.SNSSAI{SST: 2, SD: 1, HasSD: true}
	w := registerShowing(t, worldOptions{
		subNSSAI:    []ident.SNSSAI{{SST: 1}, sd1, {SST: 3}},
		subDefaults: []ident.SNSSAI{sd1, {SST: 3}},
		slices:      []ident.SNSSAI{{SST: 1}, {SST: 2, SD: 1, HasSD: true}, {SST: 3}},
		ueNSSAI:     []ident.SNSSAI{},
	})
	if w.m.State() != gmm.Registered {
		t.Errorf("state %s, want registered", w.m.State())
	}
	w.check("nssai_none_requested_two_defaults")
}

// TS 23.501 §5.15.5.2.1: when none of the requested S-NSSAIs can be
// allowed, the allowed NSSAI is the default S-NSSAI; the requested ones
// are rejected, and the configured NSSAI sent.
func TestNSSAIFallbackToDefault(t *testing.T) {
	w := registerShowing(t, worldOptions{
		subNSSAI: []ident.SNSSAI{{SST: 1}, {SST: 2}},
		slices:   []ident.SNSSAI{{SST: 1}, {SST: 2}, {SST: 3}},
		ueNSSAI:  []ident.SNSSAI{{SST: 3}, {SST: 4, SD: 0xabcdef, HasSD: true}},
	})
	if w.m.State() != gmm.Registered {
		t.Errorf("state %s, want registered", w.m.State())
	}
	w.check("nssai_default")
}

// TS 24.501 §5.5.1.2.5: #62 "no network slices available" only when
// nothing can be allowed — here the subscribed slice is one the AMF does
// not serve — with the requested S-NSSAIs in the rejected NSSAI.
func TestNSSAINothingAllowed(t *testing.T) {
	w := registerShowing(t, worldOptions{
		subNSSAI: []ident.SNSSAI{{SST: 1}},
		slices:   []ident.SNSSAI{{SST: 2}},
		ueNSSAI:  []ident.SNSSAI{{SST: 1}, {SST: 2}},
	})
	if w.m.State() != gmm.Deregistered {
		t.Errorf("state %s, want deregistered", w.m.State())
	}
	w.check("nssai_nothing_allowed")
}

// TS 23.003 §28.4.2: SD ffffff means no SD. A UE requesting 1/ffffff is
// allowed the subscribed SST 1, and a subscription holding 1/ffffff
// gives the AMF's SST 1; neither is rejected, and the UE is given SST 1
// without an SD.
func TestNSSAINoSDValue(t *testing.T) {
	t.Run("requested", func(t *testing.T) {
		w := registerShowing(t, worldOptions{ueNSSAI: []ident.SNSSAI{{SST: 1, SD: 0xffffff, HasSD: true}}})
		w.check("nssai_sd_ffffff_requested")
	})
	t.Run("subscribed", func(t *testing.T) {
		w := registerShowing(t, worldOptions{
			subNSSAI: []ident.SNSSAI{{SST: 1, SD: 0xffffff, HasSD: true}},
			ueNSSAI:  []ident.SNSSAI{},
		})
		w.check("nssai_sd_ffffff_subscribed")
	})
}

// TS 23.501 §5.15.5.2.1, TS 24.501 §9.11.3.46: the NSSF decides for the
// UE's TA. A requested slice subscribed and available in the PLMN but not
// in the UE's TA is rejected "not available in the current registration
// area" (cause 1); one not available in the PLMN is rejected with cause
// 0 and, being outside the UE's configured NSSAI, has the configured
// NSSAI sent. The rejected NSSAI keeps the UE's order.
func TestNSSAIRejectedInTA(t *testing.T) {
	home := plmn
	w := registerShowing(t, worldOptions{
		subNSSAI: []ident.SNSSAI{{SST: 1}, {SST: 2}},
		ueNSSAI:  []ident.SNSSAI{{SST: 2}, {SST: 5}, {SST: 1}},
		nssf: &nssf.Config{TAs: []nssf.TASlices{
			{TAI: ident.TAI{PLMN: home, TAC: 1}, Slices: []ident.SNSSAI{{SST: 1}}},
			{TAI: ident.TAI{PLMN: home, TAC: 2}, Slices: []ident.SNSSAI{{SST: 1}, {SST: 2}}},
		}},
		tai: &ident.TAI{PLMN: plmn, TAC: 1},
	})
	if w.m.State() != gmm.Registered {
		t.Errorf("state %s, want registered", w.m.State())
	}
	w.check("nssai_rejected_in_ta")
}

// TS 24.501 §5.5.1.3.4: a periodic registration update, which carries
// no requested NSSAI, keeps the allowed NSSAI the UE has; it is not cut
// back to the default S-NSSAI.
func TestNSSAIKeptOnUpdate(t *testing.T) {
	w := registerShowing(t, worldOptions{
		subNSSAI: []ident.SNSSAI{{SST: 1}, {SST: 2}},
		slices:   []ident.SNSSAI{{SST: 1}, {SST: 2}},
		ueNSSAI:  []ident.SNSSAI{{SST: 2}},
	})
	w.ue.ConnectionReleased()
	w.m.Released(t.Context())
	pdu, err := w.ue.RegistrationUpdate(true)
	if err != nil {
		t.Fatal(err)
	}
	w.m.Connect() // the Initial UE Message of the update
	w.up("sends", pdu)
	w.deliver()
	w.check("nssai_kept_on_update")
}

// The operator's Registration Accept IEs (TS 24.501 §8.2.7): 5GS network
// feature support (IMS VoPS, EMC), service area list, T3502 and the
// emergency number list; T3502 defaults to 12 minutes and the feature
// support is always sent (all off by default).
func TestAcceptIEs(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		w := registerShowing(t, worldOptions{})
		w.check("accept_ies_default")
	})
	t.Run("configured", func(t *testing.T) {
		w := registerShowing(t, worldOptions{accept: gmm.AcceptIEs{
			T3502:            30 * 60e9,
			Features:         nas.NetworkFeatures{IMSVoPS: true, EMC: true},
			EmergencyNumbers: []nas.EmergencyNumber{{Categories: nas.EmergencyPolice | nas.EmergencyFireBrigade, Digits: "112"}},
			ServiceArea:      []ident.TAI{{PLMN: plmn, TAC: 1}, {PLMN: plmn, TAC: 7}},
		}})
		w.check("accept_ies_configured")
	})
}
