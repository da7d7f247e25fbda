package accesstoken

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"math/big"
	"testing"
)

// fuzzKey is a fixed key, so that the committed corpus holds tokens that
// verify. It protects nothing.
func fuzzKey() SigningKey {
	d, _ := new(big.Int).SetString("6c1b5d7e0f4a3b2c9d8e7f60514233241506f7e8d9cabb0c1d2e3f4051627384", 16)
	priv := &ecdsa.PrivateKey{D: d}
	priv.Curve = elliptic.P256()
	priv.X, priv.Y = elliptic.P256().ScalarBaseMult(d.Bytes())
	return SigningKey{priv: priv}
}

// FuzzVerify: no token, however formed, panics Verify, and whatever it
// accepts carries the mandatory claims and admits the expectation.
func FuzzVerify(f *testing.F) {
	k := fuzzKey()
	c := sample()
	tok, err := Sign(k, c)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok)
	c.Audience = Audience{Instances: []string{"udm-1"}}
	tok, _ = Sign(k, c)
	f.Add(tok)
	f.Add("")
	f.Add("..")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, token string) {
		want := Expect{NFType: "UDM", InstanceID: "udm-1", Scope: "nudm-sdm", Now: t0}
		got, err := Verify(token, k.Public(), want)
		if err != nil {
			return
		}
		if got.check() != nil || !got.HasScope("nudm-sdm") || !got.Audience.Admits("UDM", "udm-1") || got.Expiry <= t0.Unix() {
			t.Errorf("Verify accepted %+v", got)
		}
	})
}
