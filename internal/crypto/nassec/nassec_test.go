package nassec

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/secret"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(strings.ToLower(s), " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func key(t testing.TB, s string) secret.Key128 {
	var k secret.Key128
	if b := mustHex(t, s); len(b) != 16 || copy(k[:], b) != 16 {
		t.Fatalf("bad key %q", s)
	}
	return k
}

// cipherSet is one ciphering test set: LENGTH in bits, plaintext and
// ciphertext padded to whole octets.
type cipherSet struct {
	name   string
	alg    uint8
	key    string
	count  uint32
	bearer uint8
	dir    uint8
	bits   int
	pt, ct string
}

var cipherSets = []cipherSet{
	// TS 35.217 (UEA2 implementors' test data) test sets 1 and 3, which
	// TS 33.501 Annex D.4.2 names for 128-NEA1.
	{"NEA1 TS 35.217 set 1", NEA1, "2BD6459F82C5B300952C49104881FF48", 0x72A4F20F, 0x0C, 1, 798,
		"7EC61272743BF1614726446A6C38CED166F6CA76EB5430044286346CEF130F92922B03450D3A9975E5BD2EA0EB55AD8E" +
			"1B199E3EC4316020E9A1B285E762795359B7BDFD39BEF4B2484583D5AFE082AEE638BF5FD5A606193901A08F4AB41AAB9B134880",
		"8CEBA62943DCED3A0990B06EA1B0A2C4FB3CEDC71B369F42BA64C1EB6665E72AA1C9BB0DEAA20FE86058B8BAEE2C2E7F" +
			"0BECCE48B52932A53C9D5F931A3A7C532259AF4325E2A65E3084AD5F6A513B7BDDC1B65F0AA0D97A053DB55A88C4C4F9605E4140"},
	{"NEA1 TS 35.217 set 3", NEA1, "5ACB1D644C0D51204EA5F1451010D852", 0xFA556B26, 0x03, 1, 120,
		"AD9C441F890B38C457A49D421407E8", "BA0F31300334C56B52A7497CBAC046"},
	// TS 33.401 Annex C.1 (128-EEA2), which TS 33.501 Annex D.4.4 names for 128-NEA2.
	{"NEA2 TS 33.401 C.1.1", NEA2, "d3c5d592327fb11c4035c6680af8c6d1", 0x398a59b4, 0x15, 1, 253,
		"981ba6824c1bfb1ab485472029b71d808ce33e2cc3c0b5fc1f3de8a6dc66b1f0",
		"e9fed8a63d155304d71df20bf3e82214b20ed7dad2f233dc3c22d7bdeeed8e78"},
	{"NEA2 TS 33.401 C.1.2", NEA2, "2bd6459f82c440e0952c49104805ff48", 0xc675a64b, 0x0c, 1, 798,
		"7ec61272743bf1614726446a6c38ced166f6ca76eb5430044286346cef130f92922b03450d3a9975e5bd2ea0eb55ad8e" +
			"1b199e3ec4316020e9a1b285e762795359b7bdfd39bef4b2484583d5afe082aee638bf5fd5a606193901a08f4ab41aab9b134880",
		"5961605353c64bdca15b195e288553a910632506d6200aa790c4c806c99904cf2445cc50bb1cf168a49673734e081b57" +
			"e324ce5259c0e78d4cd97b870976503c0943f2cb5ae8f052c7b7d392239587b8956086bcab18836042e2e6ce42432a17105c53d0"},
	// TS 35.223 (EEA3/EIA3 implementors' test data) §4 test sets 1 and 2,
	// which TS 33.501 Annex D.4.6 names for 128-NEA3.
	{"NEA3 TS 35.223 set 1", NEA3, "173d14ba5003731d7a60049470f00a29", 0x66035492, 0x0f, 0, 193,
		"6cf65340735552ab0c9752fa6f9025fe0bd675d9005875b200",
		"a6c85fc66afb8533aafc2518dfe784940ee1e4b030238cc800"},
	{"NEA3 TS 35.223 set 2", NEA3, "e5bd3ea0eb55ade866c6ac58bd54302a", 0x00056823, 0x18, 1, 800,
		"14a8ef693d678507bbe7270a7f67ff5006c3525b9807e467c4e56000ba338f5d429559036751822246c80d3b38f07f4b" +
			"e2d8ff5805f5132229bde93bbbdcaf382bf1ee972fbf9977bada8945847a2a6c9ad34a667554e04d1f7fa2c33241bd8f01ba220d",
		"131d43e0dea1be5c5a1bfd971d852cbf712d7b4f57961fea3208afa8bca433f456ad09c7417e58bc69cf8866d1353f74" +
			"865e80781d202dfb3ecff7fcbc3b190fe82a204ed0e350fc0f6f2613b2f2bca6df5a473a57a4a00d985ebad880d6f23864a07b01"},
}

// TestCipherVectors runs every set through Cipher over whole octets.
// TS 33.501 Annex D.2.1.1: LENGTH affects only the length of the keystream,
// not its bits, so for a LENGTH that is not a multiple of 8 the first LENGTH
// bits must match and the rest of the last octet is ignored.
func TestCipherVectors(t *testing.T) {
	for _, v := range cipherSets {
		t.Run(v.name, func(t *testing.T) {
			data := mustHex(t, v.pt)
			want := mustHex(t, v.ct)
			if len(data) != (v.bits+7)/8 || len(want) != len(data) {
				t.Fatalf("vector is %d/%d octets for %d bits", len(data), len(want), v.bits)
			}
			if err := Cipher(v.alg, key(t, v.key), v.count, v.bearer, v.dir, data); err != nil {
				t.Fatalf("Cipher: %v", err)
			}
			if r := v.bits % 8; r != 0 {
				data[len(data)-1] &= 0xFF << (8 - r)
				want[len(want)-1] &= 0xFF << (8 - r)
			}
			if !bytes.Equal(data, want) {
				t.Errorf("Cipher(NEA%d) = %x, want %x", v.alg, data, want)
			}
		})
	}
}

// macSet is one integrity test set: LENGTH in bits, message padded to whole
// octets.
type macSet struct {
	name   string
	alg    uint8
	key    string
	count  uint32
	bearer uint8
	dir    uint8
	bits   uint64
	msg    string
	mac    string
}

const c44Message = "35c68716633c66fb750c266865d53c11ea05b1e9fa49c8398d48e1efa5909d3947902837f5ae96d5a05bc8d61ca8dbef" +
	"1b13a4b4abfe4fb1006045b674bb54729304c382be53a5af05556176f6eaa2ef1d05e4b083181ee674cda5a485f74d7a"

var macSets = []macSet{
	// TS 33.401 Annex C.4 (128-EIA1), which TS 33.501 Annex D.4.3 names for 128-NIA1.
	{"NIA1 TS 33.401 C.4.1", NIA1, "2bd6459f82c5b300952c49104881ff48", 0x38a6f056, 0x1f, 0, 88,
		"3332346263393861373479", "731f1165"},
	{"NIA1 TS 33.401 C.4.2", NIA1, "7e5e94431e11d73828d739cc6ced4573", 0x36af6144, 0x18, 1, 254,
		"b3d3c9170a4e1632f60f861013d22d84b726b6a278d802d1eeaf1321ba5929dc", "e3259f6f"},
	{"NIA1 TS 33.401 C.4.4", NIA1, "83fd23a244a74cf358da3019f1722635", 0x36af6144, 0x0f, 1, 768,
		c44Message, "bba74492"},
	{"NIA1 TS 33.401 C.4.5", NIA1, "6832a65cff4473621ebdd4ba26a921fe", 0x36af6144, 0x18, 0, 383,
		"d3c53839626820717765667620323837636240981ba6824c1bfb1ab485472029b71d808ce33e2cc3c0b5fc1f3de8a6dc", "4145e4b0"},
	// TS 33.401 Annex C.2 (128-EIA2), which TS 33.501 Annex D.4.5 names for 128-NIA2.
	{"NIA2 TS 33.401 C.2.2", NIA2, "d3c5d592327fb11c4035c6680af8c6d1", 0x398a59b4, 0x1a, 1, 64,
		"484583d5afe082ae", "b93787e6"},
	{"NIA2 TS 33.401 C.2.5", NIA2, "83fd23a244a74cf358da3019f1722635", 0x36af6144, 0x0f, 1, 768,
		c44Message, "e657e182"},
	// TS 35.223 §5 (128-EIA3), which TS 33.501 Annex D.4.7 names for 128-NIA3.
	{"NIA3 TS 35.223 set 1", NIA3, "00000000000000000000000000000000", 0, 0, 0, 1,
		"00000000", "c8a9595e"},
	{"NIA3 TS 35.223 set 2", NIA3, "47054125561eb2dda94059da05097850", 0x561eb2dd, 0x14, 0, 90,
		"000000000000000000000000", "6719a088"},
	{"NIA3 TS 35.223 set 3", NIA3, "c9e6cec4607c72db000aefa88385ab0a", 0xa94059da, 0x0a, 1, 577,
		"983b41d47d780c9e1ad11d7eb70391b1de0b35da2dc62f83e7b78d6306ca0ea07e941b7be91348f9fcb170e2217fecd9" +
			"7f9f68adb16e5d7d21e569d280ed775cebde3f4093c5388100", "fae8ff0b"},
}

// TestMACVectors runs the sets whose LENGTH is a multiple of 8 through MAC
// and every set through macBits, the path MAC uses with LENGTH = 8·len(msg).
// No 128-EIA3 test set has a whole number of octets.
func TestMACVectors(t *testing.T) {
	for _, v := range macSets {
		t.Run(v.name, func(t *testing.T) {
			msg := mustHex(t, v.msg)
			k := key(t, v.key)
			if v.bits%8 == 0 {
				if uint64(len(msg))*8 != v.bits {
					t.Fatalf("vector is %d octets for %d bits", len(msg), v.bits)
				}
				got, err := MAC(v.alg, k, v.count, v.bearer, v.dir, msg)
				if err != nil {
					t.Fatalf("MAC: %v", err)
				}
				if hex.EncodeToString(got[:]) != v.mac {
					t.Errorf("MAC(NIA%d) = %x, want %s", v.alg, got, v.mac)
				}
			}
			got, err := macBits(v.alg, k, v.count, v.bearer, v.dir, msg, v.bits)
			if err != nil {
				t.Fatalf("macBits: %v", err)
			}
			if hex.EncodeToString(got[:]) != v.mac {
				t.Errorf("macBits(NIA%d, %d bits) = %x, want %s", v.alg, v.bits, got, v.mac)
			}
			// Bits past LENGTH do not count.
			if r := v.bits % 8; r != 0 {
				dirty := bytes.Clone(msg)
				dirty[(v.bits+7)/8-1] |= 0xFF >> r
				if again, err := macBits(v.alg, k, v.count, v.bearer, v.dir, dirty, v.bits); err != nil || again != got {
					t.Errorf("macBits(NIA%d) with bits past LENGTH set = %x, %v, want %x", v.alg, again, err, got)
				}
			}
		})
	}
}

func TestNull(t *testing.T) {
	k := key(t, "000102030405060708090a0b0c0d0e0f")
	data := []byte("a NAS message")
	if err := Cipher(NEA0, k, 7, Bearer3GPP, Uplink, data); err != nil || string(data) != "a NAS message" {
		t.Errorf("Cipher(NEA0) = %q, %v, want the input unchanged", data, err)
	}
	if mac, err := MAC(NIA0, k, 7, Bearer3GPP, Uplink, data); err != nil || mac != [4]byte{} {
		t.Errorf("MAC(NIA0) = %x, %v, want 00000000", mac, err)
	}
}

func TestRoundTripAndSensitivity(t *testing.T) {
	k := key(t, "000102030405060708090a0b0c0d0e0f")
	msg := []byte("\x7e\x00\x5d\x02\x00\x04\xf0\xf0\xf0\xf0 security mode command padding up to 64 octets!")
	for _, alg := range []uint8{NEA1, NEA2, NEA3} {
		data := bytes.Clone(msg)
		if err := Cipher(alg, k, 1, Bearer3GPP, Downlink, data); err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(data, msg) {
			t.Errorf("Cipher(NEA%d) left the message unchanged", alg)
		}
		if err := Cipher(alg, k, 1, Bearer3GPP, Downlink, data); err != nil || !bytes.Equal(data, msg) {
			t.Errorf("Cipher(NEA%d) twice = %x, %v, want the message back", alg, data, err)
		}
		if err := Cipher(alg, k, 1, Bearer3GPP, Downlink, nil); err != nil {
			t.Errorf("Cipher(NEA%d, empty) error %v", alg, err)
		}
	}
	for _, alg := range []uint8{NIA1, NIA2, NIA3} {
		base, err := MAC(alg, k, 1, Bearer3GPP, Uplink, msg)
		if err != nil {
			t.Fatal(err)
		}
		for name, vary := range map[string]func() ([4]byte, error){
			"COUNT":     func() ([4]byte, error) { return MAC(alg, k, 2, Bearer3GPP, Uplink, msg) },
			"BEARER":    func() ([4]byte, error) { return MAC(alg, k, 1, BearerNon3GPP, Uplink, msg) },
			"DIRECTION": func() ([4]byte, error) { return MAC(alg, k, 1, Bearer3GPP, Downlink, msg) },
			"MESSAGE": func() ([4]byte, error) {
				m := bytes.Clone(msg)
				m[10] ^= 1
				return MAC(alg, k, 1, Bearer3GPP, Uplink, m)
			},
		} {
			if got, err := vary(); err != nil || got == base {
				t.Errorf("MAC(NIA%d) with another %s = %x, %v, want a MAC other than %x", alg, name, got, err, base)
			}
		}
		if got, err := MAC(alg, k, 1, Bearer3GPP, Uplink, []byte{0x00}); err != nil || len(got) != 4 {
			t.Errorf("MAC(NIA%d, one octet) = %x, %v", alg, got, err)
		}
	}
}

func TestErrors(t *testing.T) {
	k := key(t, "000102030405060708090a0b0c0d0e0f")
	msg := []byte{1, 2, 3}
	for _, c := range []struct {
		name           string
		alg, bear, dir uint8
	}{
		{"algorithm 4", 4, Bearer3GPP, Uplink},
		{"BEARER 32", NEA2, 32, Uplink},
		{"DIRECTION 2", NEA2, Bearer3GPP, 2},
	} {
		if err := Cipher(c.alg, k, 0, c.bear, c.dir, msg); err == nil || !strings.HasPrefix(err.Error(), "nassec: ") {
			t.Errorf("Cipher(%s) error %v, want a nassec error", c.name, err)
		}
		if _, err := MAC(c.alg, k, 0, c.bear, c.dir, msg); err == nil || !strings.HasPrefix(err.Error(), "nassec: ") {
			t.Errorf("MAC(%s) error %v, want a nassec error", c.name, err)
		}
	}
	for _, alg := range []uint8{NIA0, NIA1, NIA2, NIA3} {
		if _, err := MAC(alg, k, 0, Bearer3GPP, Uplink, nil); err == nil {
			t.Errorf("MAC(NIA%d, empty) succeeded", alg)
		}
		if _, err := macBits(alg, k, 0, Bearer3GPP, Uplink, msg, 25); err == nil {
			t.Errorf("macBits(NIA%d, LENGTH beyond message) succeeded", alg)
		}
		if _, err := macBits(alg, k, 0, Bearer3GPP, Uplink, msg, 1<<32); err == nil {
			t.Errorf("macBits(NIA%d, 2^32 bits) succeeded", alg)
		}
	}
	if _, err := macBits(NIA2, k, 0, Bearer3GPP, Uplink, msg, 23); err == nil {
		t.Errorf("macBits(NIA2, 23 bits) succeeded")
	}
}

func TestNASCount(t *testing.T) {
	if got := NASCount(0x1234, 0x56); got != 0x00123456 {
		t.Errorf("NASCount(0x1234, 0x56) = %#08x, want 0x00123456", got)
	}
}

// nasMessage is a typical 64-octet NAS message for the benchmarks.
var nasMessage = bytes.Repeat([]byte{0x7e, 0x00, 0x41, 0x79, 0x00, 0x0d, 0x01, 0x02}, 8)

func benchMAC(b *testing.B, alg uint8) {
	k := key(b, "000102030405060708090a0b0c0d0e0f")
	b.SetBytes(int64(len(nasMessage)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MAC(alg, k, 1, Bearer3GPP, Uplink, nasMessage); err != nil {
			b.Fatal(err)
		}
	}
}

func benchCipher(b *testing.B, alg uint8) {
	k := key(b, "000102030405060708090a0b0c0d0e0f")
	data := bytes.Clone(nasMessage)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Cipher(alg, k, 1, Bearer3GPP, Uplink, data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNIA1(b *testing.B) { benchMAC(b, NIA1) }
func BenchmarkNIA2(b *testing.B) { benchMAC(b, NIA2) }
func BenchmarkNIA3(b *testing.B) { benchMAC(b, NIA3) }
func BenchmarkNEA1(b *testing.B) { benchCipher(b, NEA1) }
func BenchmarkNEA2(b *testing.B) { benchCipher(b, NEA2) }
func BenchmarkNEA3(b *testing.B) { benchCipher(b, NEA3) }
