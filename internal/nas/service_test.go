package nas

import (
	"encoding/hex"
	"errors"
	"testing"
	"time"

	fnas "github.com/free5gc/nas"
	"github.com/google/go-cmp/cmp"

	"github.com/keelcore/keel/internal/crypto/nassec"
	"github.com/keelcore/keel/internal/secret"
)

// srData is a SERVICE REQUEST laid out by hand from TS 24.501 §8.2.16:
// service type "data" (1) and ngKSI 2 in one octet; 5G-S-TMSI (LV-E,
// type 4, AMF set 0x3fe, pointer 0x15, 5G-TMSI c0ffee01); Uplink data
// status (0x40) PSI 5 and 10; PDU session status (0x50) PSI 1, 5 and 10;
// Allowed PDU session status (0x25) PSI 1; an unknown TLV (0x2c) and an
// unknown type 1 IE (0xa3), both to skip; NAS message container (0x71).
const srData = "7e004c" + "12" + "0007f4ff95c0ffee01" +
	"40022004" + "50022204" + "25020200" + "2c03010203" + "a3" + "710003aabbcc"

// Known answer: the fields of srData.
func TestParseServiceRequest(t *testing.T) {
	got, err := ParseServiceRequest(unhex(t, srData))
	if err != nil {
		t.Fatal(err)
	}
	want := ServiceRequest{NgKSI: 2, Type: ServiceData, STMSI: STMSI{SetID: 0x3fe, Pointer: 0x15, TMSI: 0xc0ffee01},
		UplinkData: PSISet(0).Add(5).Add(10), HasUplinkData: true,
		SessionStatus: PSISet(0).Add(1).Add(5).Add(10), HasSessionStatus: true,
		AllowedStatus: PSISet(0).Add(1), HasAllowedStatus: true,
		Container: []byte{0xaa, 0xbb, 0xcc}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ParseServiceRequest(%s) (-want +got):\n%s", srData, d)
	}
	if ids := got.UplinkData.IDs(); len(ids) != 2 || ids[0] != 5 || ids[1] != 10 {
		t.Errorf("UplinkData.IDs() = %v, want [5 10]", ids)
	}
	// An independent decoder reads the same mandatory IEs and bitmaps.
	var m fnas.Message
	b := unhex(t, srData[:len(srData)-len("2c03010203"+"a3"+"710003aabbcc")])
	if err := m.GmmMessageDecode(&b); err != nil {
		t.Fatal(err)
	}
	f := m.ServiceRequest
	if f.GetServiceTypeValue() != 1 || f.GetNasKeySetIdentifiler() != 2 || f.GetTMSI5G() != [4]uint8{0xc0, 0xff, 0xee, 0x01} ||
		hex.EncodeToString(f.UplinkDataStatus.Buffer) != "2004" || hex.EncodeToString(f.PDUSessionStatus.Buffer) != "2204" {
		t.Errorf("free5gc reads %+v", f)
	}
}

// AppendServiceRequest writes what ParseServiceRequest reads, byte for
// byte as the hand layout (without the IEs a UE would not send).
func TestAppendServiceRequestGolden(t *testing.T) {
	sr, err := ParseServiceRequest(unhex(t, srData))
	if err != nil {
		t.Fatal(err)
	}
	want := "7e004c" + "12" + "0007f4ff95c0ffee01" + "40022004" + "50022204" + "25020200" + "710003aabbcc"
	if got := hex.EncodeToString(AppendServiceRequest(nil, sr)); got != want {
		t.Errorf("AppendServiceRequest = %s, want %s", got, want)
	}
}

func TestParseServiceRequestErrors(t *testing.T) {
	for _, c := range []struct {
		pdu   string
		cause uint8 // 0: Ignore
	}{
		{"", 0}, {"7e00", 0}, {"2e004c", 0},
		{"7e004c", CauseInvalidMandatoryInfo},
		{"7e004c12", CauseInvalidMandatoryInfo},
		{"7e004c1200", CauseInvalidMandatoryInfo},
		{"7e004c120007f4ff95c0ff", CauseInvalidMandatoryInfo},             // 5G-S-TMSI cut short
		{"7e004c12000bf200f110caff95c0ffee01", CauseInvalidMandatoryInfo}, // a 5G-GUTI
	} {
		_, err := ParseServiceRequest(unhex(t, c.pdu))
		var e *Error
		switch {
		case c.cause == 0 && !errors.Is(err, Ignore):
			t.Errorf("%s: %v, want Ignore", c.pdu, err)
		case c.cause != 0 && (!errors.As(err, &e) || e.Cause != c.cause):
			t.Errorf("%s: %v, want cause #%d", c.pdu, err, c.cause)
		}
	}
	// Truncated or short optional IEs are ignored (§7.6.4): the rest of
	// the message stands.
	for _, tail := range []string{"40", "4001", "400120", "7100", "710005aa"} {
		sr, err := ParseServiceRequest(unhex(t, "7e004c"+"12"+"0007f4ff95c0ffee01"+tail))
		if err != nil || sr.HasUplinkData || sr.Container != nil || sr.Type != ServiceData || sr.STMSI.TMSI != 0xc0ffee01 {
			t.Errorf("tail %s: %+v, %v", tail, sr, err)
		}
	}
	// Service types 7-15 are unassigned and read as "data" (§9.11.3.50).
	if sr, err := ParseServiceRequest(unhex(t, "7e004c"+"f2"+"0007f4ff95c0ffee01")); err != nil || sr.Type != ServiceData {
		t.Errorf("service type 15: %v, %v", sr.Type, err)
	}
}

// Encode-golden SERVICE ACCEPT and SERVICE REJECT, laid out from TS
// 24.501 §8.2.17 and §8.2.18.
func TestServiceBuildersGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"ServiceAccept", ServiceAccept(nil, Accepted{}), "7e004e"},
		// PDU session status PSI 1 and 5; reactivation result PSI 7
		// failed; its error cause #43 (invalid PDU session identity).
		{"ServiceAcceptFull", ServiceAccept(nil, Accepted{
			SessionStatus: PSISet(0).Add(1).Add(5), HasSessionStatus: true,
			Reactivation: PSISet(0).Add(7), HasReactivation: true,
			ReactivationErrors: []SessionCause{{7, CauseInvalidPDUSessionIdentity}}}),
			"7e004e" + "50022200" + "26028000" + "720002072b"},
		{"ServiceReject#9", ServiceReject(nil, Rejected{Cause: CauseUEIdentityCannotBeDerived}), "7e004d09"},
		{"ServiceReject#10", ServiceReject(nil, Rejected{Cause: CauseImplicitlyDeregistered, SessionStatus: 0, HasSessionStatus: true}),
			"7e004d0a" + "50020000"},
		// #22 with T3346 = 3 minutes (GPRS timer 2, unit 1 min).
		{"ServiceReject#22", ServiceReject(nil, Rejected{Cause: CauseCongestion, T3346: 3 * time.Minute}), "7e004d16" + "5f0123"},
	} {
		if got := hex.EncodeToString(c.got); got != c.want {
			t.Errorf("%s = %s, want %s", c.name, got, c.want)
		}
	}
	// An independent decoder reads the accept's IEs where we put them.
	var m fnas.Message
	b := unhex(t, "7e004e"+"50022200"+"26028000"+"720002072b")
	if err := m.GmmMessageDecode(&b); err != nil {
		t.Fatal(err)
	}
	if a := m.ServiceAccept; a.PDUSessionStatus == nil || a.PDUSessionReactivationResult == nil || a.PDUSessionReactivationResultErrorCause == nil {
		t.Errorf("free5gc reads %+v", a)
	}
}

// The NAS message container of a SERVICE REQUEST is ciphered with the
// COUNT of the message carrying it (TS 24.501 §4.4.6).
func TestDecipherContainer(t *testing.T) {
	c := &Context{IntAlg: 2, EncAlg: 2, KInt: secret.RandomKey128(), KEnc: secret.RandomKey128()}
	inner := AppendServiceRequest(nil, ServiceRequest{Type: ServiceData, STMSI: STMSI{TMSI: 1}, UplinkData: PSISet(0).Add(1), HasUplinkData: true})
	const count = 3
	ciphered := append([]byte(nil), inner...)
	if err := nassec.Cipher(c.EncAlg, c.KEnc, count, nassec.Bearer3GPP, nassec.Uplink, ciphered); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DecipherContainer(ciphered); !errors.Is(err, ErrNoContext) {
		t.Errorf("DecipherContainer before any uplink message: %v, want ErrNoContext", err)
	}
	outer := AppendServiceRequest(nil, ServiceRequest{Type: ServiceData, STMSI: STMSI{TMSI: 1}, Container: ciphered})
	for n := uint32(0); n <= count; n++ {
		h, body, err := Split(uplinkPDU(t, c, n, outer))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Unprotect(h, body); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.DecipherContainer(ciphered)
	if err != nil || hex.EncodeToString(got) != hex.EncodeToString(inner) {
		t.Errorf("DecipherContainer = %x, %v, want %x", got, err, inner)
	}
}

// FuzzParseServiceRequest: the parser never panics, and what it accepts
// encodes back to a message it reads the same.
func FuzzParseServiceRequest(f *testing.F) {
	for _, s := range []string{srData, "7e004c000007f4ff95c0ffee01", "7e004c21" + "0007f4ff95c0ffee01" + "50020000", "7e004c"} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sr, err := ParseServiceRequest(b)
		if err != nil {
			return
		}
		again, err := ParseServiceRequest(AppendServiceRequest(nil, sr))
		if err != nil {
			t.Fatalf("re-encoded %+v: %v", sr, err)
		}
		if sr.Container == nil {
			sr.Container = again.Container
		}
		if d := cmp.Diff(sr, again); d != "" {
			t.Errorf("round trip (-first +second):\n%s", d)
		}
	})
}

// BenchmarkParseServiceRequest parses a SERVICE REQUEST with its status
// IEs, as the AMF does on each one.
func BenchmarkParseServiceRequest(b *testing.B) {
	pdu := unhex(b, srData)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseServiceRequest(pdu); err != nil {
			b.Fatal(err)
		}
	}
}
