package nssf

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/keelcore/keel/internal/ident"
)

func sn(sst uint8) ident.SNSSAI { return ident.SNSSAI{SST: sst} }

func snd(sst uint8, sd uint32) ident.SNSSAI { return ident.SNSSAI{SST: sst, SD: sd, HasSD: true} }

func list(s ...ident.SNSSAI) []ident.SNSSAI { return s }

// TestDecide runs the allowed NSSAI decision through each rule it
// applies, each case with its clause.
func TestDecide(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   registration
		want decision
	}{{
		// TS 24.501 §5.5.1.2.4: a requested S-NSSAI subscribed and
		// supported is allowed; one not subscribed is rejected in the
		// PLMN (cause 0), and the configured NSSAI is sent since the UE
		// asked outside it.
		name: "requested partly rejected in the PLMN",
		in: registration{requested: list(sn(1), sn(3)), subscribed: list(sn(1), snd(2, 1)), defaults: list(sn(1)),
			inTA: list(sn(1), snd(2, 1)), inPLMN: list(sn(1), snd(2, 1))},
		want: decision{allowed: list(sn(1)), rejectedPLMN: list(sn(3)), configured: list(sn(1), snd(2, 1))},
	}, {
		// TS 23.501 §5.15.5.2.1: nothing requested: the default
		// S-NSSAI only, and the configured NSSAI.
		name: "none requested",
		in: registration{subscribed: list(snd(2, 1), sn(1)), defaults: list(snd(2, 1)),
			inTA: list(sn(1), snd(2, 1)), inPLMN: list(sn(1), snd(2, 1))},
		want: decision{allowed: list(snd(2, 1)), configured: list(snd(2, 1), sn(1))},
	}, {
		// TS 23.501 §5.15.5.2.1: two of three subscribed marked default.
		name: "none requested, two defaults",
		in: registration{subscribed: list(sn(1), snd(2, 1), sn(3)), defaults: list(snd(2, 1), sn(3)),
			inTA: list(sn(1), snd(2, 1), sn(3)), inPLMN: list(sn(1), snd(2, 1), sn(3))},
		want: decision{allowed: list(snd(2, 1), sn(3)), configured: list(sn(1), snd(2, 1), sn(3))},
	}, {
		// TS 23.501 §5.15.5.2.1: none of the requested can be allowed:
		// the default S-NSSAI, the requested rejected.
		name: "fallback to the default",
		in: registration{requested: list(sn(3), snd(4, 0xabcdef)), subscribed: list(sn(1), sn(2)), defaults: list(sn(1)),
			inTA: list(sn(1), sn(2), sn(3)), inPLMN: list(sn(1), sn(2), sn(3))},
		want: decision{allowed: list(sn(1)), rejectedPLMN: list(sn(3), snd(4, 0xabcdef)), configured: list(sn(1), sn(2))},
	}, {
		// TS 24.501 §5.5.1.2.5: nothing can be allowed (the subscribed
		// slice is not supported): no allowed NSSAI, every requested
		// S-NSSAI rejected; the configured NSSAI is empty.
		name: "nothing allowed",
		in: registration{requested: list(sn(1), sn(2)), subscribed: list(sn(1)), defaults: list(sn(1)),
			inTA: list(sn(2)), inPLMN: list(sn(2))},
		want: decision{rejectedPLMN: list(sn(1), sn(2))},
	}, {
		// TS 23.003 §28.4.2: a requested 1/ffffff is the subscribed
		// SST 1, allowed without an SD and not rejected.
		name: "SD ffffff requested",
		in: registration{requested: list(snd(1, 0xffffff)), subscribed: list(sn(1)), defaults: list(sn(1)),
			inTA: list(sn(1)), inPLMN: list(sn(1))},
		want: decision{allowed: list(sn(1))},
	}, {
		// TS 23.003 §28.4.2: a subscribed 1/ffffff is SST 1.
		name: "SD ffffff subscribed",
		in: registration{subscribed: list(snd(1, 0xffffff)), defaults: list(snd(1, 0xffffff)),
			inTA: list(sn(1)), inPLMN: list(sn(1))},
		want: decision{allowed: list(sn(1)), configured: list(sn(1))},
	}, {
		// TS 24.501 §5.5.1.3.4: an update without requested NSSAI keeps
		// the allowed NSSAI, with nothing else.
		name: "kept on update",
		in: registration{previous: list(sn(2)), subscribed: list(sn(1), sn(2)), defaults: list(sn(1)),
			inTA: list(sn(1), sn(2)), inPLMN: list(sn(1), sn(2))},
		want: decision{allowed: list(sn(2))},
	}, {
		// §5.5.1.3.4: the kept allowed NSSAI loses what the
		// subscription no longer has; with nothing left, the defaults
		// and the configured NSSAI.
		name: "kept on update, no longer subscribed",
		in: registration{previous: list(sn(2)), subscribed: list(sn(1)), defaults: list(sn(1)),
			inTA: list(sn(1), sn(2)), inPLMN: list(sn(1), sn(2))},
		want: decision{allowed: list(sn(1)), configured: list(sn(1))},
	}, {
		// Repeats count once, in the form first requested.
		name: "repeats",
		in: registration{requested: list(sn(1), snd(1, 0xffffff), sn(5), sn(5)), subscribed: list(sn(1), sn(1)), defaults: list(sn(1)),
			inTA: list(sn(1)), inPLMN: list(sn(1))},
		want: decision{allowed: list(sn(1)), rejectedPLMN: list(sn(5)), configured: list(sn(1))},
	}, {
		// TS 23.501 §5.15.5.2.1, TS 24.501 §9.11.3.46 cause 1: a slice
		// subscribed and supported in the PLMN but not in the UE's TA
		// is rejected for the registration area; the UE's configured
		// NSSAI holds it, so it is not sent again for that.
		name: "rejected in the TA",
		in: registration{requested: list(sn(1), sn(2)), subscribed: list(sn(1), sn(2)), defaults: list(sn(1)),
			inTA: list(sn(1)), inPLMN: list(sn(1), sn(2))},
		want: decision{allowed: list(sn(1)), rejectedTA: list(sn(2))},
	}, {
		// The default S-NSSAI not supported in the TA is not allowed
		// there either: nothing can be allowed.
		name: "default not in the TA",
		in: registration{requested: list(sn(2)), subscribed: list(sn(1), sn(2)), defaults: list(sn(1)),
			inTA: list(sn(3)), inPLMN: list(sn(1), sn(2), sn(3))},
		want: decision{rejectedTA: list(sn(2))},
	}, {
		// TS 24.501 §5.5.1.2.4: a requested NSSAI from the default
		// configured NSSAI gets the configured NSSAI.
		name: "default configured NSSAI indication",
		in: registration{requested: list(sn(1)), subscribed: list(sn(1), sn(2)), defaults: list(sn(1)), defaultConfigured: true,
			inTA: list(sn(1), sn(2)), inPLMN: list(sn(1), sn(2))},
		want: decision{allowed: list(sn(1)), configured: list(sn(1), sn(2))},
	}} {
		t.Run(tt.name, func(t *testing.T) {
			got := decide(tt.in)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(decision{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("decide() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
