package suci

import (
	"bytes"
	"crypto/elliptic"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ToLower(s))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// annexC4 holds the ECIES test sets of TS 33.501 Annex C.4.3 (profile A)
// and C.4.4 (profile B), for an IMSI-based SUPI (MCC|MNC 274012, MSIN
// 001002086) and for a network specific identifier
// (verylongusername1@3gpp.com).
var annexC4 = []struct {
	name                    string
	scheme                  Scheme
	hnPrivate, hnPublic     string
	ephPrivate, ephPublic   string
	shared, ek, icb, mk     string // icb is not published for the NAI sets
	plaintext, ct, tag, out string
}{
	{
		name: "C.4.3.1 profile A IMSI", scheme: ProfileA,
		hnPrivate:  "c53c22208b61860b06c62e5406a7b330c2b577aa5558981510d128247d38bd1d",
		hnPublic:   "5a8d38864820197c3394b92613b20b91633cbd897119273bf8e4a6f4eec0a650",
		ephPrivate: "c80949f13ebe61af4ebdbd293ea4f942696b9e815d7e8f0096bbf6ed7de62256",
		ephPublic:  "b2e92f836055a255837debf850b528997ce0201cb82adfe4be1f587d07d8457d",
		shared:     "028ddf890ec83cdf163947ce45f6ec1a0e3070ea5fe57e2b1f05139f3e82422a",
		ek:         "2ba342cabd2b3b1e5e4e890da11b65f6",
		icb:        "e2622cb0cdd08204e721c8ea9b95a7c6",
		mk:         "d9846966fb7cf5fcf11266c5957dea60b83fff2b7c940690a4bfe57b1eb52bd2",
		plaintext:  "00012080f6",
		ct:         "cb02352410",
		tag:        "cddd9e730ef3fa87",
		out:        "b2e92f836055a255837debf850b528997ce0201cb82adfe4be1f587d07d8457dcb02352410cddd9e730ef3fa87",
	},
	{
		name: "C.4.3.2 profile A NAI", scheme: ProfileA,
		hnPrivate:  "C53C22208B61860B06C62E5406A7B330C2B577AA5558981510D128247D38BD1D",
		hnPublic:   "5A8D38864820197C3394B92613B20B91633CBD897119273BF8e4A6f4EEC0A650",
		ephPrivate: "BE9EFF3E9F22A4B42A3D236E7A6C500B3F2E7E0C7449988BA800D664BF4FCD97",
		ephPublic:  "977D8B2FDAA7B64AA700D04227D5B440630EA4EC50F9082273A26BB678C92222",
		shared:     "511C1DF473BB88317F923501F8BA944FD3B667D25699DCB552DBCEF60BBDC56D",
		ek:         "FE77B87D87F40428EDD71BCA69D79059",
		mk:         "D87B69F4FE8CD6B211264EA5E69F682F151A82252684CDB15A047E6EF0595028",
		plaintext:  "766572796C6F6E67757365726E616D6531",
		ct:         "8E358A1582ADB15322C10E515141D2039A",
		tag:        "12E1D7783A97F1AC",
		out:        "977D8B2FDAA7B64AA700D04227D5B440630EA4EC50F9082273A26BB678C92222" + "8E358A1582ADB15322C10E515141D2039A" + "12E1D7783A97F1AC",
	},
	{
		name: "C.4.4.1 profile B IMSI", scheme: ProfileB,
		hnPrivate:  "F1AB1074477EBCC7F554EA1C5FC368B1616730155E0041AC447D6301975FECDA",
		hnPublic:   "0272DA71976234CE833A6907425867B82E074D44EF907DFB4B3E21C1C2256EBCD1",
		ephPrivate: "99798858A1DC6A2C68637149A4B1DBFD1FDFF5ADDD62A2142F06699ED7602529",
		ephPublic:  "039AAB8376597021E855679A9778EA0B67396E68C66DF32C0F41E9ACCA2DA9B9D1",
		shared:     "6C7E6518980025B982FBB2FF746E3C2E85A196D252099A7AD23EA7B4C0959CAE",
		ek:         "8A65C3AED80295C12BD55087E965702A",
		icb:        "EF285B4061C3BAEE858AB6EC68487DAE",
		mk:         "A5EBAC0BC48D9CF7AE5CE39CD840AC6C761AEC04078FAB954D634F923E901C64",
		plaintext:  "00012080F6",
		ct:         "46A33FC271",
		tag:        "6AC7DAE96AA30A4D",
		out:        "039AAB8376597021E855679A9778EA0B67396E68C66DF32C0F41E9ACCA2DA9B9D146A33FC2716AC7DAE96AA30A4D",
	},
	{
		name: "C.4.4.2 profile B NAI", scheme: ProfileB,
		hnPrivate:  "F1AB1074477EBCC7F554EA1C5FC368B1616730155E0041AC447D6301975FECDA",
		hnPublic:   "0272DA71976234CE833A6907425867B82E074D44EF907DFB4B3E21C1C2256EBCD1",
		ephPrivate: "90A5898BD29FFA3F261E00E980067C70A2B1B992A21F5B4FEF6D4DF69FE804AD",
		ephPublic:  "03759BB22C563D9F4A6B3C1419E543FC2F39D6823F02A9D71162B39399218B244B",
		shared:     "BC3529ED79541CF8C007CE9806330F4A5FF15064D7CF4B16943EF8F007597872",
		ek:         "84F9A78995D39E6968047547ECC12C4F",
		mk:         "39D5517E965F8E1252B61345ED45226C5F1A8C69F03D6C91437591F0B8E48FA0",
		plaintext:  "766572796C6F6E67757365726E616D6531",
		ct:         "BE22D8B9F856A52ED381CD7EAF4CF2D525",
		tag:        "3CDDC61A0A7882EB",
		out:        "03759BB22C563D9F4A6B3C1419E543FC2F39D6823F02A9D71162B39399218B244B" + "BE22D8B9F856A52ED381CD7EAF4CF2D525" + "3CDDC61A0A7882EB",
	},
}

// Annex C.4.4: the uncompressed form of the profile B home network public key.
const annexC4ProfileBUncompressed = "0472DA71976234CE833A6907425867B82E074D44EF907DFB4B3E21C1C2256EBCD1" +
	"5A7DED52FCBB097A4ED250E036C7B9C8C7004C4EEDC4F068CD7BF8D3F900E3B4"

func TestAnnexC4Deconceal(t *testing.T) {
	for _, tc := range annexC4 {
		t.Run(tc.name, func(t *testing.T) {
			key, err := NewKey(1, tc.scheme, mustHex(t, tc.hnPrivate))
			if err != nil {
				t.Fatalf("NewKey: %v", err)
			}
			if !bytes.Equal(key.Public, mustHex(t, tc.hnPublic)) {
				t.Errorf("NewKey public key = %x, want %s", key.Public, strings.ToLower(tc.hnPublic))
			}
			got, err := Deconceal(key, mustHex(t, tc.out))
			if err != nil {
				t.Fatalf("Deconceal: %v", err)
			}
			if want := mustHex(t, tc.plaintext); !bytes.Equal(got, want) {
				t.Errorf("Deconceal = %x, want %x", got, want)
			}
			d, err := NewDeconcealer(key)
			if err != nil {
				t.Fatalf("NewDeconcealer: %v", err)
			}
			got, err = d.Deconceal(mustHex(t, tc.out))
			if want := mustHex(t, tc.plaintext); err != nil || !bytes.Equal(got, want) {
				t.Errorf("Deconcealer.Deconceal = %x, %v, want %x", got, err, want)
			}
		})
	}
}

// fixedReader returns its bytes and then io.EOF.
type fixedReader struct{ b []byte }

func (r *fixedReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, errors.New("fixedReader: exhausted")
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func TestAnnexC4Conceal(t *testing.T) {
	for _, tc := range annexC4 {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Conceal(tc.scheme, mustHex(t, tc.hnPublic), mustHex(t, tc.plaintext), &fixedReader{mustHex(t, tc.ephPrivate)})
			if err != nil {
				t.Fatalf("Conceal: %v", err)
			}
			if want := mustHex(t, tc.out); !bytes.Equal(got, want) {
				t.Errorf("Conceal = %x, want %x", got, want)
			}
		})
	}
}

func TestConcealUncompressedHomeKey(t *testing.T) {
	tc := annexC4[2]
	got, err := Conceal(ProfileB, mustHex(t, annexC4ProfileBUncompressed), mustHex(t, tc.plaintext), &fixedReader{mustHex(t, tc.ephPrivate)})
	if err != nil {
		t.Fatal(err)
	}
	if want := mustHex(t, tc.out); !bytes.Equal(got, want) {
		t.Errorf("Conceal(uncompressed home key) = %x, want %x", got, want)
	}
}

// TestAnnexC4Intermediates checks the shared key, EK, ICB, MK, ciphertext
// and tag of every set, so that a failure points at the faulty step.
func TestAnnexC4Intermediates(t *testing.T) {
	for _, tc := range annexC4 {
		t.Run(tc.name, func(t *testing.T) {
			key, err := NewKey(1, tc.scheme, mustHex(t, tc.hnPrivate))
			if err != nil {
				t.Fatal(err)
			}
			priv, err := key.privateKey()
			if err != nil {
				t.Fatal(err)
			}
			eph := mustHex(t, tc.ephPublic)
			pub, err := decodePublic(tc.scheme, eph)
			if err != nil {
				t.Fatalf("decodePublic(%x): %v", eph, err)
			}
			z, err := priv.ECDH(pub)
			if err != nil {
				t.Fatal(err)
			}
			ek, icb, mk := deriveKeys(z, eph)
			ct := make([]byte, len(mustHex(t, tc.plaintext)))
			ctr32(ek[:], icb, ct, mustHex(t, tc.plaintext))
			checks := []struct {
				name string
				got  []byte
				want string
			}{
				{"shared key", z, tc.shared},
				{"EK", ek[:], tc.ek},
				{"MK", mk[:], tc.mk},
				{"ciphertext", ct, tc.ct},
				{"MAC tag", macTag(mk[:], ct), tc.tag},
			}
			if tc.icb != "" {
				checks = append(checks, struct {
					name string
					got  []byte
					want string
				}{"ICB", icb[:], tc.icb})
			}
			for _, c := range checks {
				if !bytes.Equal(c.got, mustHex(t, c.want)) {
					t.Errorf("%s = %x, want %s", c.name, c.got, strings.ToLower(c.want))
				}
			}
		})
	}
}

func TestMSIN(t *testing.T) {
	for _, c := range []struct {
		bcd  string
		want string
	}{
		{"00012080f6", "001002086"}, // TS 33.501 Annex C.4.2.1: MSIN 001002086
		{"214365870921", ""},        // 12 digits: longer than an MSIN can be
		{"2143658709", "1234567890"},
		{"f1", "1"},
		{"10", "01"},
	} {
		got, err := MSIN(mustHex(t, c.bcd))
		if c.want == "" {
			if !errors.Is(err, ErrMSIN) {
				t.Errorf("MSIN(%s) = %q, %v, want ErrMSIN", c.bcd, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("MSIN(%s) = %q, %v, want %q", c.bcd, got, err, c.want)
		}
		enc, err := EncodeMSIN(c.want)
		if err != nil || hex.EncodeToString(enc) != c.bcd {
			t.Errorf("EncodeMSIN(%q) = %x, %v, want %s", c.want, enc, err, c.bcd)
		}
	}
	for _, bad := range []string{"", "0a", "a0", "0f21", "ff", "1f2f"} {
		if got, err := MSIN(mustHex(t, bad)); !errors.Is(err, ErrMSIN) {
			t.Errorf("MSIN(%s) = %q, %v, want ErrMSIN", bad, got, err)
		}
	}
	for _, bad := range []string{"", "12a4", "12345678901", "-1", "١٢"} {
		if got, err := EncodeMSIN(bad); !errors.Is(err, ErrMSIN) {
			t.Errorf("EncodeMSIN(%q) = %x, %v, want ErrMSIN", bad, got, err)
		}
	}
}

func vectorKey(t testing.TB, i int) HomeNetworkKey {
	t.Helper()
	k, err := NewKey(uint8(i+1), annexC4[i].scheme, mustHex(t, annexC4[i].hnPrivate))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestDeconcealTamper(t *testing.T) {
	for i, tc := range annexC4 {
		t.Run(tc.name, func(t *testing.T) {
			key := vectorKey(t, i)
			out := mustHex(t, tc.out)
			ephLen, _ := ephemeralLen(tc.scheme)

			for _, pos := range []int{len(out) - 1, len(out) - macLen, ephLen} {
				bad := bytes.Clone(out)
				bad[pos] ^= 0x80
				if _, err := Deconceal(key, bad); !errors.Is(err, ErrMAC) {
					t.Errorf("Deconceal(octet %d flipped) error %v, want ErrMAC", pos, err)
				}
			}
			for _, n := range []int{0, 1, ephLen, ephLen + macLen} {
				if _, err := Deconceal(key, out[:n]); !errors.Is(err, ErrShort) {
					t.Errorf("Deconceal(%d octets) error %v, want ErrShort", n, err)
				}
			}

			// Ephemeral keys that are not points, or give no shared secret.
			var badEph [][]byte
			if tc.scheme == ProfileA {
				badEph = [][]byte{make([]byte, 32), append([]byte{1}, make([]byte, 31)...)} // low-order points
			} else {
				badEph = [][]byte{
					append([]byte{0x04}, out[1:ephLen]...),                  // not a compressed-point prefix
					append([]byte{0x00}, out[1:ephLen]...),                  // point at infinity
					append([]byte{0x02}, bytes.Repeat([]byte{0xff}, 32)...), // X ≥ p
					notOnP256(t),
				}
			}
			for _, eph := range badEph {
				bad := append(append([]byte{}, eph...), out[ephLen:]...)
				if _, err := Deconceal(key, bad); !errors.Is(err, ErrPoint) {
					t.Errorf("Deconceal(ephemeral %x) error %v, want ErrPoint", eph, err)
				}
			}
		})
	}
}

// notOnP256 returns a compressed encoding whose X has no point on secp256r1.
func notOnP256(t testing.TB) []byte {
	b := make([]byte, p256Compressed)
	b[0] = 0x02
	for x := range 256 {
		b[p256Compressed-1] = byte(x)
		if px, _ := elliptic.UnmarshalCompressed(elliptic.P256(), b); px == nil {
			return b
		}
	}
	t.Fatal("no X in 0..255 off secp256r1")
	return nil
}

func TestDeconcealWrongKey(t *testing.T) {
	a, b := vectorKey(t, 0), vectorKey(t, 2)
	if _, err := Deconceal(b, mustHex(t, annexC4[0].out)); err == nil {
		t.Errorf("Deconceal(profile B key, profile A output) succeeded")
	}
	other, err := GenerateKey(7, ProfileA)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Deconceal(other, mustHex(t, annexC4[0].out)); !errors.Is(err, ErrMAC) {
		t.Errorf("Deconceal(other profile A key) error %v, want ErrMAC", err)
	}
	for _, s := range []Scheme{Null, 3, 255} {
		k := a
		k.Scheme = s
		if _, err := Deconceal(k, mustHex(t, annexC4[0].out)); !errors.Is(err, ErrScheme) {
			t.Errorf("Deconceal(scheme %v) error %v, want ErrScheme", s, err)
		}
	}
	var zero HomeNetworkKey
	if _, err := Deconceal(zero, mustHex(t, annexC4[0].out)); !errors.Is(err, ErrScheme) {
		t.Errorf("Deconceal(zero key) error %v, want ErrScheme", err)
	}
	k := a
	k.Private = k.Private[:31]
	if _, err := Deconceal(k, mustHex(t, annexC4[0].out)); !errors.Is(err, ErrKey) {
		t.Errorf("Deconceal(31-octet private key) error %v, want ErrKey", err)
	}
}

func TestKeys(t *testing.T) {
	for _, s := range []Scheme{ProfileA, ProfileB} {
		k, err := GenerateKey(9, s)
		if err != nil {
			t.Fatalf("GenerateKey(%v): %v", s, err)
		}
		wantLen := map[Scheme]int{ProfileA: 32, ProfileB: 33}[s]
		if k.ID != 9 || k.Scheme != s || len(k.Private) != 32 || len(k.Public) != wantLen {
			t.Errorf("GenerateKey(9, %v) = id %d scheme %v private %d octets public %d octets", s, k.ID, k.Scheme, len(k.Private), len(k.Public))
		}
		again, err := NewKey(9, s, k.Private.Reveal())
		if err != nil || !bytes.Equal(again.Public, k.Public) {
			t.Errorf("NewKey(GenerateKey(%v).Private) = %x, %v, want public %x", s, again.Public, err, k.Public)
		}
		msin, _ := EncodeMSIN("0123456789")
		out, err := Conceal(s, k.Public, msin, nil)
		if err != nil {
			t.Fatalf("Conceal(%v): %v", s, err)
		}
		got, err := Deconceal(k, out)
		if err != nil || !bytes.Equal(got, msin) {
			t.Errorf("Deconceal(Conceal(%v, %x)) = %x, %v", s, msin, got, err)
		}
		if str := fmt.Sprintf("%v %+v %#v %x", k, k, k.Private, k.Private); strings.Contains(str, hex.EncodeToString(k.Private.Reveal())) {
			t.Errorf("formatting a HomeNetworkKey discloses the private key: %s", str)
		}
	}
	for _, c := range []struct {
		id   uint8
		s    Scheme
		priv []byte
		want error
	}{
		{0, ProfileA, make([]byte, 32), ErrKey},
		{1, Null, make([]byte, 32), ErrScheme},
		{1, 3, make([]byte, 32), ErrScheme},
		{1, ProfileA, make([]byte, 31), ErrKey},
		{1, ProfileB, make([]byte, 32), ErrKey},               // scalar 0
		{1, ProfileB, bytes.Repeat([]byte{0xff}, 32), ErrKey}, // scalar ≥ n
		{1, ProfileB, make([]byte, 33), ErrKey},
	} {
		if _, err := NewKey(c.id, c.s, c.priv); !errors.Is(err, c.want) {
			t.Errorf("NewKey(%d, %v, %d octets) error %v, want %v", c.id, c.s, len(c.priv), err, c.want)
		}
	}
	if _, err := GenerateKey(1, Null); !errors.Is(err, ErrScheme) {
		t.Errorf("GenerateKey(Null) error %v, want ErrScheme", err)
	}
}

func TestConcealErrors(t *testing.T) {
	pubA, pubB := mustHex(t, annexC4[0].hnPublic), mustHex(t, annexC4[2].hnPublic)
	eph := func() *fixedReader { return &fixedReader{mustHex(t, annexC4[0].ephPrivate)} }
	if out, err := Conceal(Null, nil, []byte{1, 2}, nil); err != nil || !bytes.Equal(out, []byte{1, 2}) {
		t.Errorf("Conceal(null-scheme) = %x, %v, want 0102", out, err)
	}
	for _, c := range []struct {
		name string
		s    Scheme
		pub  []byte
		pt   []byte
		want error
	}{
		{"scheme 3", 3, pubA, []byte{1}, ErrScheme},
		{"A with B key", ProfileA, pubB, []byte{1}, ErrKey},
		{"B with A key", ProfileB, pubA, []byte{1}, ErrKey},
		{"A low-order key", ProfileA, make([]byte, 32), []byte{1}, ErrKey},
		{"B key off the curve", ProfileB, append([]byte{0x02}, bytes.Repeat([]byte{0xff}, 32)...), []byte{1}, ErrKey},
	} {
		if _, err := Conceal(c.s, c.pub, c.pt, eph()); !errors.Is(err, c.want) {
			t.Errorf("Conceal(%s) error %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := Conceal(ProfileA, pubA, nil, eph()); err == nil {
		t.Errorf("Conceal(empty scheme input) succeeded")
	}
	if _, err := Conceal(ProfileA, pubA, []byte{1}, &fixedReader{make([]byte, 10)}); err == nil {
		t.Errorf("Conceal(short random source) succeeded")
	}
	// Profile B: out-of-range candidates are skipped.
	r := &fixedReader{append(bytes.Repeat([]byte{0xff}, 32), mustHex(t, annexC4[2].ephPrivate)...)}
	got, err := Conceal(ProfileB, pubB, mustHex(t, annexC4[2].plaintext), r)
	if err != nil || !bytes.Equal(got, mustHex(t, annexC4[2].out)) {
		t.Errorf("Conceal(B, first candidate ≥ n) = %x, %v, want %s", got, err, annexC4[2].out)
	}
}

// TestCTR32Wrap checks that only the rightmost 32 bits of the counter block
// are incremented (TS 33.501 Annex C.3.4.0, NIST SP 800-38A B.1 with m = 32).
func TestCTR32Wrap(t *testing.T) {
	ek := make([]byte, 16)
	icb := [16]byte{15: 0xff, 14: 0xff, 13: 0xff, 12: 0xff, 11: 0x07}
	ks := make([]byte, 32)
	ctr32(ek, icb, ks, make([]byte, 32))
	next := icb
	next[12], next[13], next[14], next[15] = 0, 0, 0, 0 // 0x07 in octet 11 stays
	want := make([]byte, 16)
	ctr32(ek, next, want, make([]byte, 16))
	if !bytes.Equal(ks[16:], want) {
		t.Errorf("second keystream block = %x, want %x (counter %x)", ks[16:], want, next)
	}
}

func TestSchemeString(t *testing.T) {
	for s, want := range map[Scheme]string{Null: "null", ProfileA: "A", ProfileB: "B", 7: "Scheme(7)"} {
		if got := s.String(); got != want {
			t.Errorf("Scheme(%d).String() = %q, want %q", uint8(s), got, want)
		}
	}
}

func BenchmarkDeconcealProfileA(b *testing.B) {
	key := vectorKey(b, 0)
	out := mustHex(b, annexC4[0].out)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Deconceal(key, out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDeconcealProfileB(b *testing.B) {
	key := vectorKey(b, 2)
	out := mustHex(b, annexC4[2].out)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Deconceal(key, out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDeconcealerProfileA(b *testing.B) { benchDeconcealer(b, 0) }
func BenchmarkDeconcealerProfileB(b *testing.B) { benchDeconcealer(b, 2) }

func benchDeconcealer(b *testing.B, i int) {
	d, err := NewDeconcealer(vectorKey(b, i))
	if err != nil {
		b.Fatal(err)
	}
	out := mustHex(b, annexC4[i].out)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Deconceal(out); err != nil {
			b.Fatal(err)
		}
	}
}

func TestUncompressedPublic(t *testing.T) {
	for _, tt := range annexC4 {
		priv, _ := hex.DecodeString(tt.hnPrivate)
		k, err := NewKey(1, tt.scheme, priv)
		if err != nil {
			t.Fatalf("%s: NewKey: %v", tt.name, err)
		}
		got := k.UncompressedPublic()
		if tt.scheme != ProfileB {
			if got != nil {
				t.Errorf("%s: UncompressedPublic() = %x, want nil for profile A", tt.name, got)
			}
			continue
		}
		// Recompressing the point must give back the key as published.
		x, y := elliptic.Unmarshal(elliptic.P256(), got)
		if len(got) != p256Uncompressed || x == nil || !strings.EqualFold(hex.EncodeToString(elliptic.MarshalCompressed(elliptic.P256(), x, y)), tt.hnPublic) {
			t.Errorf("%s: UncompressedPublic() = %x, not the point of %s", tt.name, got, tt.hnPublic)
		}
	}
	bad := HomeNetworkKey{ID: 2, Scheme: ProfileB, Public: []byte{0x02, 0x01}}
	if got := bad.UncompressedPublic(); got != nil {
		t.Errorf("UncompressedPublic() of a truncated point = %x, want nil", got)
	}
}
