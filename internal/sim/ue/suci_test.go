package ue

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TS 33.501 Annex C.4: IMSI 274 012 001002086.
const (
	annexCSUPI        = "imsi-274012001002086"
	annexCSchemeInput = "00012080f6"

	// C.4.3 profile A.
	annexAHNPrivate  = "c53c22208b61860b06c62e5406a7b330c2b577aa5558981510d128247d38bd1d"
	annexAHNPublic   = "5a8d38864820197c3394b92613b20b91633cbd897119273bf8e4a6f4eec0a650"
	annexAEphPrivate = "c80949f13ebe61af4ebdbd293ea4f942696b9e815d7e8f0096bbf6ed7de62256"
	annexAOutput     = "b2e92f836055a255837debf850b528997ce0201cb82adfe4be1f587d07d8457dcb02352410cddd9e730ef3fa87"

	// C.4.4 profile B.
	annexBHNPrivate       = "f1ab1074477ebcc7f554ea1c5fc368b1616730155e0041ac447d6301975fecda"
	annexBHNPublic        = "0272da71976234ce833a6907425867b82e074d44ef907dfb4b3e21c1c2256ebcd1"
	annexBHNPublicUncompr = "0472da71976234ce833a6907425867b82e074d44ef907dfb4b3e21c1c2256ebcd15a7ded52fcbb097a4ed250e036c7b9c8c7004c4eedc4f068cd7bf8d3f900e3b4"
	annexBEphPrivate      = "99798858a1dc6a2c68637149a4b1dbfd1fdff5addd62a2142f06699ed7602529"
	annexBOutput          = "039aab8376597021e855679a9778ea0b67396e68c66df32c0f41e9acca2da9b9d146a33fc2716ac7dae96aa30a4d"
)

func TestSchemeInput(t *testing.T) {
	// C.4.2: the null scheme's output is its input, the MSIN as BCD.
	if got := hex.EncodeToString(bcd("001002086")); got != annexCSchemeInput {
		t.Errorf("bcd(001002086) = %s, want %s", got, annexCSchemeInput)
	}
}

func TestECIESProfileA(t *testing.T) {
	hn, err := ecdh.X25519().NewPublicKey(unhex(t, annexAHNPublic))
	if err != nil {
		t.Fatal(err)
	}
	got, err := eciesProfileA(hn, unhex(t, annexAEphPrivate), unhex(t, annexCSchemeInput))
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(got) != annexAOutput {
		t.Errorf("profile A scheme output = %x, want %s (TS 33.501 C.4.3)", got, annexAOutput)
	}
}

func TestECIESProfileB(t *testing.T) {
	for _, pub := range []string{annexBHNPublic, annexBHNPublicUncompr} {
		hn, err := p256PublicKey(unhex(t, pub))
		if err != nil {
			t.Fatalf("p256PublicKey(%s): %v", pub[:4], err)
		}
		got, err := eciesProfileB(hn, unhex(t, annexBEphPrivate), unhex(t, annexCSchemeInput))
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(got) != annexBOutput {
			t.Errorf("profile B scheme output (HN key %s...) = %x, want %s (TS 33.501 C.4.4)", pub[:4], got, annexBOutput)
		}
	}
}

// TestSUCIInRegistrationRequest checks the whole 5GS mobile identity of
// the initial Registration Request against Annex C.4, the ephemeral key
// coming from Config.Rand.
func TestSUCIInRegistrationRequest(t *testing.T) {
	for _, tc := range []struct {
		scheme        Scheme
		hnPublic, eph string
		output        string
	}{
		{SchemeNull, "", "", annexCSchemeInput},
		{SchemeA, annexAHNPublic, annexAEphPrivate, annexAOutput},
		{SchemeB, annexBHNPublic, annexBEphPrivate, annexBOutput},
	} {
		t.Run(tc.scheme.String(), func(t *testing.T) {
			u, err := New(Config{
				SUPI: annexCSUPI, MCC: "274", MNC: "012",
				K: key128(t, "465b5ce8b199b49faa5f0a2ee238a6bc"), RoutingIndicator: "17",
				Scheme: tc.scheme, HNKeyID: 3, HNPublic: unhex(t, tc.hnPublic),
				Rand: bytes.NewReader(unhex(t, tc.eph)),
			})
			if err != nil {
				t.Fatal(err)
			}
			rr, err := u.RegistrationRequest()
			if err != nil {
				t.Fatal(err)
			}
			keyID := "03"
			if tc.scheme == SchemeNull {
				keyID = "00"
			}
			// SUPI format IMSI, type SUCI | MCC 274 MNC 012 | routing indicator 17 | scheme | key id | output
			want := "01" + "722410" + "71ff" + "0" + string('0'+rune(tc.scheme)) + keyID + tc.output
			id := rr[6 : 6+(int(rr[4])<<8|int(rr[5]))]
			if got := hex.EncodeToString(id); got != want {
				t.Errorf("SUCI = %s\nwant   %s", got, want)
			}
		})
	}
}

// TestECIESRoundTrip deciphers concealed SUCIs with the home network's
// private key, written here from Annex C.3.3, for random keys of both
// profiles (covering both parities of the compressed point).
func TestECIESRoundTrip(t *testing.T) {
	msin := bcd("0000000001")
	for i := 0; i < 16; i++ {
		for _, curve := range []ecdh.Curve{ecdh.X25519(), ecdh.P256()} {
			hnPriv, err := curve.GenerateKey(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			scheme, pub := SchemeA, hnPriv.PublicKey().Bytes()
			if curve == ecdh.P256() {
				scheme = SchemeB
				pub = append([]byte{2 | pub[64]&1}, pub[1:33]...) // SEC 1 §2.3.3 compression
			}
			c, err := newConcealer(scheme, 1, pub, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			out, err := c.schemeOutput(msin)
			if err != nil {
				t.Fatal(err)
			}
			if got := homeNetworkDecrypt(t, hnPriv, scheme, out); !bytes.Equal(got, msin) {
				t.Fatalf("profile %s: deciphered %x, want %x", scheme, got, msin)
			}
		}
	}
}

func homeNetworkDecrypt(t *testing.T, hnPriv *ecdh.PrivateKey, scheme Scheme, out []byte) []byte {
	t.Helper()
	n := 32
	if scheme == SchemeB {
		n = 33
	}
	ephBytes, ct, tag := out[:n], out[n:len(out)-8], out[len(out)-8:]
	var eph *ecdh.PublicKey
	var err error
	if scheme == SchemeA {
		eph, err = ecdh.X25519().NewPublicKey(ephBytes)
	} else {
		eph, err = p256PublicKey(ephBytes)
	}
	if err != nil {
		t.Fatal(err)
	}
	z, err := hnPriv.ECDH(eph)
	if err != nil {
		t.Fatal(err)
	}
	k := x963KDF(z, ephBytes, 64)
	mac := hmac.New(sha256.New, k[32:])
	mac.Write(ct)
	if !hmac.Equal(mac.Sum(nil)[:8], tag) {
		t.Fatalf("profile %s: MAC tag mismatch", scheme)
	}
	b, _ := aes.NewCipher(k[:16])
	pt := make([]byte, len(ct))
	cipher.NewCTR(b, k[16:32]).XORKeyStream(pt, ct)
	return pt
}
