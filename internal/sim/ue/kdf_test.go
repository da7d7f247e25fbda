package ue

import (
	"encoding/hex"
	"testing"
)

// TestAnnexADerivations checks the TS 33.501 Annex A chain from TS 35.208
// test set 1 (CK, IK, RES, SQN ⊕ AK) for SUPI imsi-001010000000001, serving
// network 001/01, ABBA 0x0000, 128-NIA2/NEA2 and uplink NAS COUNT 0.
// There are no published vectors for these; the values come from an
// independent computation with Python's hmac and hashlib, which implement
// TS 33.220 Annex B.2 as written:
//
//	def kdf(key, fc, *ps):
//	    s = bytes([fc])
//	    for p in ps: s += p + len(p).to_bytes(2, 'big')
//	    return hmac.new(key, s, hashlib.sha256).digest()
//	kausf = kdf(ck + ik, 0x6A, sn, sqn_xor_ak)
//	res_star = kdf(ck + ik, 0x6B, sn, rand, res)[16:]
//	kseaf = kdf(kausf, 0x6C, sn)
//	kamf = kdf(kseaf, 0x6D, b'001010000000001', bytes.fromhex('0000'))
//	knas_int = kdf(kamf, 0x69, b'\x02', b'\x02')[16:]
//	knas_enc = kdf(kamf, 0x69, b'\x01', b'\x02')[16:]
//	kgnb = kdf(kamf, 0x6E, (0).to_bytes(4, 'big'), b'\x01')
//
// with sn = b'5G:mnc001.mcc001.3gppnetwork.org'.
func TestAnnexADerivations(t *testing.T) {
	ck := [16]byte(unhex(t, "b40ba9a3c58b2a05bbf0d987b21bf8cb"))
	ik := [16]byte(unhex(t, "f769bcd751044604127672711c6d3441"))
	rand := [16]byte(unhex(t, "23553cbe9637a89d218ae64dae47bf35"))
	res := unhex(t, "a54211d5e3ba50bf")
	sqnXorAK := [6]byte(unhex(t, "55f328b43577"))

	snn := servingNetworkName("001", "01")
	if got, want := string(snn), "5G:mnc001.mcc001.3gppnetwork.org"; got != want {
		t.Fatalf("servingNetworkName(001, 01) = %q, want %q", got, want)
	}
	if got, want := string(servingNetworkName("310", "410")), "5G:mnc410.mcc310.3gppnetwork.org"; got != want {
		t.Fatalf("servingNetworkName(310, 410) = %q, want %q", got, want)
	}
	kausf := deriveKAUSF(ck, ik, snn, sqnXorAK)
	resStar := deriveRESStar(ck, ik, snn, rand, res)
	kseaf := deriveKSEAF(kausf, snn)
	kamf := deriveKAMF(kseaf, "001010000000001", []byte{0, 0})
	kInt := deriveNASKey(kamf, algTypeNASInt, 2)
	kEnc := deriveNASKey(kamf, algTypeNASEnc, 2)
	kgnb := deriveKgNB(kamf, 0)
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"KAUSF (A.2)", kausf[:], "474698caf02cc715db2ec0726510cfee6caa5bb1a649cb01224f2e23af94de1b"},
		{"RES* (A.4)", resStar[:], "f236a7417272bfb2d66d4d670733b527"},
		{"KSEAF (A.6)", kseaf[:], "8dff166c02edd5b177950d50cdd3fe93756cc53951856a95cb5ee9aabd35e220"},
		{"KAMF (A.7)", kamf[:], "daae216bc3dc9c6e0db9e56d2b744ea247d67eed51fdf2411847d056ec45a666"},
		{"KNASint NIA2 (A.8)", kInt[:], "06c661bdcb505f1690bea90685d939f5"},
		{"KNASenc NEA2 (A.8)", kEnc[:], "d4c73a6303aa6b0cae734c0518134f1e"},
		{"KgNB count 0 (A.9)", kgnb[:], "d5b4598dcce4a0ce1232001e8ebe0d4d312226c08928239324639f0865d7ea9d"},
	} {
		if got := hex.EncodeToString(c.got); got != c.want {
			t.Errorf("%s = %s, want %s", c.name, got, c.want)
		}
	}
}

// TestKDFEncoding checks the S string of TS 33.220 Annex B.2,
// FC || P0 || L0 || P1 || L1, against an HMAC over it computed apart:
//
//	python3 -c "import hmac,hashlib;print(hmac.new(bytes(32),bytes.fromhex('6a616263000301020002'),hashlib.sha256).hexdigest())"
func TestKDFEncoding(t *testing.T) {
	const want = "3667197cf485396e1abe130bd5891cf649b3dd336ad309aa0d1c28355919f820"
	got := kdf(make([]byte, 32), 0x6A, []byte("abc"), []byte{1, 2})
	if hex.EncodeToString(got[:]) != want {
		t.Errorf("kdf(0^32, 0x6a, abc, 0102) = %x, want %s", got, want)
	}
}
