package kdf

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/keelcore/keel/internal/secret"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// set1 holds the TS 35.208 test set 1 values that feed the 5G key hierarchy.
type set1 struct {
	ck, ik   secret.Key128
	rand     [16]byte
	res      []byte
	sqnXorAK [6]byte
}

func ts35208Set1(t testing.TB) set1 {
	var s set1
	copy(s.ck[:], mustHex(t, "b40ba9a3c58b2a05bbf0d987b21bf8cb"))
	copy(s.ik[:], mustHex(t, "f769bcd751044604127672711c6d3441"))
	copy(s.rand[:], mustHex(t, "23553cbe9637a89d218ae64dae47bf35"))
	s.res = mustHex(t, "a54211d5e3ba50bf")
	// SQN ff9bb4d0b607 ⊕ AK aa689c648370.
	copy(s.sqnXorAK[:], mustHex(t, "55f328b43577"))
	return s
}

const (
	snn001    = "5G:mnc001.mcc001.3gppnetwork.org"
	supi001   = "imsi-001010000000001"
	nea2, ia2 = 0x02, 0x02
)

// TestKnownAnswers checks the chain from TS 35.208 set 1 outputs down to the
// NAS keys, KgNB and NH against values computed once by an independent
// implementation with Python's hmac and hashlib:
//
//	python3 internal/crypto/kdf/testdata/chain.py
func TestKnownAnswers(t *testing.T) {
	s := ts35208Set1(t)
	resStar := RESStar(s.ck, s.ik, snn001, s.rand, s.res)
	kausf := KAUSF(s.ck, s.ik, snn001, s.sqnXorAK)
	kseaf := KSEAF(kausf, snn001)
	kamf := KAMF(kseaf, supi001, []byte{0x00, 0x00})
	kgnb := KgNB(kamf, 0, Access3GPP)
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"RESStar", resStar[:], "f236a7417272bfb2d66d4d670733b527"},
		{"HXRESStar", func() []byte { h := HXRESStar(s.rand, resStar); return h[:] }(), "20a71900b01776bfd773e8c15a825446"},
		{"KAUSF", kausf.Bytes(), "474698caf02cc715db2ec0726510cfee6caa5bb1a649cb01224f2e23af94de1b"},
		{"KSEAF", kseaf.Bytes(), "8dff166c02edd5b177950d50cdd3fe93756cc53951856a95cb5ee9aabd35e220"},
		{"KAMF", kamf.Bytes(), "daae216bc3dc9c6e0db9e56d2b744ea247d67eed51fdf2411847d056ec45a666"},
		{"AlgorithmKey(NASEncAlg, NEA2)", AlgorithmKey(kamf, NASEncAlg, nea2).Bytes(), "d4c73a6303aa6b0cae734c0518134f1e"},
		{"AlgorithmKey(NASIntAlg, NIA2)", AlgorithmKey(kamf, NASIntAlg, ia2).Bytes(), "06c661bdcb505f1690bea90685d939f5"},
		{"KgNB", kgnb.Bytes(), "d5b4598dcce4a0ce1232001e8ebe0d4d312226c08928239324639f0865d7ea9d"},
		{"NH", func() []byte { n := NH(kamf, kgnb); return n.Bytes() }(), "eb2ee43f2f9278c7b9076cf011cfadff447065db65a1f5d52ecf433eab9a7dd6"},
	} {
		if got := hex.EncodeToString(c.got); got != c.want {
			t.Errorf("%s = %s, want %s", c.name, got, c.want)
		}
	}
}

// TestRESStarPublished checks RES* against the values published in
// github.com/wmnsk/milenage v1.2.1 milenage_test.go (TestComputeRESStar,
// MCC 001, MNC 01): a separate implementation of TS 33.501 Annex A.4.
func TestRESStarPublished(t *testing.T) {
	for _, c := range []struct {
		name, ck, ik, rand, res, want string
	}{
		{"TS 35.208 set 1", "b40ba9a3c58b2a05bbf0d987b21bf8cb", "f769bcd751044604127672711c6d3441",
			"23553cbe9637a89d218ae64dae47bf35", "a54211d5e3ba50bf", "f236a7417272bfb2d66d4d670733b527"},
		{"K 00112233..., OPc 62e75b8d...", "b379874b3d183d2a21291d439e7761e1", "f4706f66629cf7ddf881d80025bf1255",
			"00112233445566778899aabbccddeeff", "700eb2300b2c4799", "31b6d938a5290ccc65bc829f9820a8d9"},
	} {
		var ck, ik secret.Key128
		var r [16]byte
		copy(ck[:], mustHex(t, c.ck))
		copy(ik[:], mustHex(t, c.ik))
		copy(r[:], mustHex(t, c.rand))
		got := RESStar(ck, ik, ServingNetworkName("001", "01"), r, mustHex(t, c.res))
		if hex.EncodeToString(got[:]) != c.want {
			t.Errorf("RESStar(%s) = %x, want %s", c.name, got, c.want)
		}
	}
}

// TestKDFCrossImplementation checks the generic KDF against KeNB derivations
// (TS 33.401 Annex A.3: FC 0x11, P0 uplink NAS COUNT) published in
// OpenAirInterface openair-cn/TEST/test_secu_kenb.c.
func TestKDFCrossImplementation(t *testing.T) {
	for _, c := range []struct {
		kasme string
		count uint32
		want  string
	}{
		{"238E457E0F758BADBCA8D34BB2612C10428D426757CB5553B2B184FA64BFC549", 0xDB1A3569,
			"8EB1BF0083BD79281EF7034BF677E9EC529F196E15287514A2D122ACF713B8E8"},
		{"564CB4D2007E4F293B67D9B29392A64ADD4C776B133D895AF6499AA6882AAB62", 0x001FB39C,
			"009010688F85855E218339DE6C5BD7B6394958DA12DDFBF7559E978CE43408F1"},
		{"FA77E41F693C2A6E71455CB8687E6E6058EF91E2F5ABD1BD3C496179481F308C", 0x00000012,
			"0AFE81266DE52B8C8F1C3F4FE799BE883F364B018E7368C41F14DD6D050E13E1"},
	} {
		count := []byte{byte(c.count >> 24), byte(c.count >> 16), byte(c.count >> 8), byte(c.count)}
		got := KDF(mustHex(t, c.kasme), 0x11, count)
		if !bytes.Equal(got[:], mustHex(t, c.want)) {
			t.Errorf("KDF(KASME %s…, 0x11, %08x) = %x, want %s", c.kasme[:8], c.count, got, c.want)
		}
	}
}

// hmacS is HMAC-SHA-256(key, s) computed directly with crypto/hmac.
func hmacS(key, s []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(s)
	return m.Sum(nil)
}

// TestAgainstByteWiseS recomputes every derivation from an input string S
// written out octet by octet as each clause of TS 33.501 Annex A lists it.
func TestAgainstByteWiseS(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(b []byte) {
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
	}
	for i := range 50 {
		var ck, ik secret.Key128
		var r, xres [16]byte
		var sqnXorAK [6]byte
		var k256, sync secret.Key256
		fill(ck[:])
		fill(ik[:])
		fill(r[:])
		fill(xres[:])
		fill(sqnXorAK[:])
		fill(k256[:])
		fill(sync[:])
		res := make([]byte, 4+rng.IntN(13)) // RES is 4 to 16 octets (Annex A.4)
		fill(res)
		mnc := fmt.Sprintf("%02d", rng.IntN(100))
		if i%2 == 1 {
			mnc = fmt.Sprintf("%03d", rng.IntN(1000))
		}
		mcc := fmt.Sprintf("%03d", rng.IntN(1000))
		imsi := mcc + mnc + fmt.Sprintf("%010d", rng.Int64N(1e10))[:15-len(mcc)-len(mnc)]
		count := rng.Uint32()
		alg := byte(rng.IntN(4))

		// TS 24.501 §9.12.1: a two-digit MNC gets a leading zero.
		mnc3 := mnc
		if len(mnc) == 2 {
			mnc3 = "0" + mnc
		}
		sn := []byte("5G:mnc" + mnc3 + ".mcc" + mcc + ".3gppnetwork.org")
		if got := ServingNetworkName(mcc, mnc); got != string(sn) {
			t.Fatalf("ServingNetworkName(%q, %q) = %q, want %q", mcc, mnc, got, sn)
		}
		if len(sn) != 32 {
			t.Fatalf("serving network name %q is %d octets, want 32", sn, len(sn))
		}
		key := append(append([]byte{}, ck[:]...), ik[:]...)

		// Annex A.2: FC = 0x6A, P0 = SN name, L0, P1 = SQN ⊕ AK, L1 = 0x00 0x06.
		s := []byte{0x6A}
		s = append(s, sn...)
		s = append(s, 0x00, 0x20)
		s = append(s, sqnXorAK[:]...)
		s = append(s, 0x00, 0x06)
		if got := KAUSF(ck, ik, string(sn), sqnXorAK); !bytes.Equal(got[:], hmacS(key, s)) {
			t.Errorf("KAUSF differs from the Annex A.2 construction")
		}

		// Annex A.4: FC = 0x6B, P0 = SN name, L0, P1 = RAND, L1 = 0x00 0x10,
		// P2 = RES, L2 = length of RES; RES* = 128 LSB.
		s = []byte{0x6B}
		s = append(s, sn...)
		s = append(s, 0x00, 0x20)
		s = append(s, r[:]...)
		s = append(s, 0x00, 0x10)
		s = append(s, res...)
		s = append(s, 0x00, byte(len(res)))
		if got := RESStar(ck, ik, string(sn), r, res); !bytes.Equal(got[:], hmacS(key, s)[16:32]) {
			t.Errorf("RESStar differs from the Annex A.4 construction")
		}

		// Annex A.5: 128 LSB of SHA-256(RAND || XRES*).
		h := sha256.Sum256(append(append([]byte{}, r[:]...), xres[:]...))
		if got := HXRESStar(r, xres); !bytes.Equal(got[:], h[16:32]) {
			t.Errorf("HXRESStar differs from the Annex A.5 construction")
		}

		// Annex A.6: FC = 0x6C, P0 = SN name, L0.
		s = []byte{0x6C}
		s = append(s, sn...)
		s = append(s, 0x00, 0x20)
		if got := KSEAF(k256, string(sn)); !bytes.Equal(got[:], hmacS(k256[:], s)) {
			t.Errorf("KSEAF differs from the Annex A.6 construction")
		}

		// Annex A.7: FC = 0x6D, P0 = IMSI digits, L0, P1 = ABBA 0x0000, L1 = 0x00 0x02.
		s = []byte{0x6D}
		s = append(s, imsi...)
		s = append(s, 0x00, byte(len(imsi)))
		s = append(s, 0x00, 0x00)
		s = append(s, 0x00, 0x02)
		if got := KAMF(k256, "imsi-"+imsi, []byte{0x00, 0x00}); !bytes.Equal(got[:], hmacS(k256[:], s)) {
			t.Errorf("KAMF(imsi-%s) differs from the Annex A.7 construction", imsi)
		}

		// Annex A.8: FC = 0x69, P0 = distinguisher, L0 = 0x00 0x01, P1 = alg ID, L1 = 0x00 0x01.
		for _, d := range []byte{NASEncAlg, NASIntAlg} {
			s = []byte{0x69, d, 0x00, 0x01, alg, 0x00, 0x01}
			if got := AlgorithmKey(k256, d, alg); !bytes.Equal(got[:], hmacS(k256[:], s)[16:32]) {
				t.Errorf("AlgorithmKey(%#x, %d) differs from the Annex A.8 construction", d, alg)
			}
		}

		// Annex A.9: FC = 0x6E, P0 = UL NAS COUNT, L0 = 0x00 0x04, P1 = access type, L1 = 0x00 0x01.
		s = []byte{0x6E, byte(count >> 24), byte(count >> 16), byte(count >> 8), byte(count), 0x00, 0x04, 0x01, 0x00, 0x01}
		if got := KgNB(k256, count, Access3GPP); !bytes.Equal(got[:], hmacS(k256[:], s)) {
			t.Errorf("KgNB(%08x) differs from the Annex A.9 construction", count)
		}

		// Annex A.10: FC = 0x6F, P0 = SYNC-input, L0 = 0x00 0x20.
		s = append(append([]byte{0x6F}, sync[:]...), 0x00, 0x20)
		if got := NH(k256, sync); !bytes.Equal(got[:], hmacS(k256[:], s)) {
			t.Errorf("NH differs from the Annex A.10 construction")
		}
	}
}

func TestServingNetworkName(t *testing.T) {
	for _, c := range []struct{ mcc, mnc, want string }{
		{"001", "01", "5G:mnc001.mcc001.3gppnetwork.org"},
		{"001", "001", "5G:mnc001.mcc001.3gppnetwork.org"},
		{"310", "410", "5G:mnc410.mcc310.3gppnetwork.org"},
		{"234", "15", "5G:mnc015.mcc234.3gppnetwork.org"},
	} {
		if got := ServingNetworkName(c.mcc, c.mnc); got != c.want {
			t.Errorf("ServingNetworkName(%q, %q) = %q, want %q", c.mcc, c.mnc, got, c.want)
		}
	}
}

func TestKAMFSUPIForms(t *testing.T) {
	var kseaf secret.Key256
	kseaf[0] = 1
	abba := []byte{0x00, 0x00}
	if a, b := KAMF(kseaf, "imsi-001010000000001", abba), KAMF(kseaf, "001010000000001", abba); a != b {
		t.Errorf("KAMF(imsi-001010000000001) != KAMF(001010000000001)")
	}
	nai := "user@example.com"
	want := KDF(kseaf[:], 0x6D, []byte(nai), abba)
	if got := KAMF(kseaf, "nai-"+nai, abba); got != want {
		t.Errorf("KAMF(nai-%s) = %x, want %x", nai, got, want)
	}
}

func TestKDFEdges(t *testing.T) {
	key := []byte("key")
	if got, want := KDF(key, 0x6C), hmacS(key, []byte{0x6C}); !bytes.Equal(got[:], want) {
		t.Errorf("KDF(no parameters) = %x, want %x", got, want)
	}
	long := make([]byte, maxParamLen+10)
	if got, want := KDF(key, 0x6C, long), KDF(key, 0x6C, long[:maxParamLen]); got != want {
		t.Errorf("KDF(%d-octet parameter) = %x, want the %d-octet truncation %x", len(long), got, maxParamLen, want)
	}
}

func TestKeysRedacted(t *testing.T) {
	s := ts35208Set1(t)
	kausf := KAUSF(s.ck, s.ik, snn001, s.sqnXorAK)
	kamf := KAMF(KSEAF(kausf, snn001), supi001, []byte{0, 0})
	for _, v := range []any{kausf, kamf, AlgorithmKey(kamf, NASIntAlg, ia2), KgNB(kamf, 0, Access3GPP)} {
		if got := fmt.Sprintf("%v %x %s", v, v, v); got != "REDACTED REDACTED REDACTED" {
			t.Errorf("formatted %T = %q, want REDACTED", v, got)
		}
	}
}

func BenchmarkKAMFChain(b *testing.B) {
	s := ts35208Set1(b)
	abba := []byte{0x00, 0x00}
	b.ReportAllocs()
	for b.Loop() {
		kausf := KAUSF(s.ck, s.ik, snn001, s.sqnXorAK)
		kamf := KAMF(KSEAF(kausf, snn001), supi001, abba)
		_ = AlgorithmKey(kamf, NASEncAlg, nea2)
		_ = AlgorithmKey(kamf, NASIntAlg, ia2)
	}
}
