# Independent computation of the known answers in kdf_test.go with Python's
# hmac and hashlib (TS 33.220 Annex B.2.0, TS 33.501 Annex A).
# Run: python3 internal/crypto/kdf/testdata/chain.py
import hashlib, hmac

def kdf(key, fc, *ps):
    s = bytes([fc]) + b"".join(p + len(p).to_bytes(2, "big") for p in ps)
    return hmac.new(key, s, hashlib.sha256).digest()

# TS 35.208 test set 1 outputs.
ck = bytes.fromhex("b40ba9a3c58b2a05bbf0d987b21bf8cb")
ik = bytes.fromhex("f769bcd751044604127672711c6d3441")
rand = bytes.fromhex("23553cbe9637a89d218ae64dae47bf35")
res = bytes.fromhex("a54211d5e3ba50bf")
sqn_xor_ak = bytes(a ^ b for a, b in zip(bytes.fromhex("ff9bb4d0b607"), bytes.fromhex("aa689c648370")))
snn = b"5G:mnc001.mcc001.3gppnetwork.org"
supi = b"001010000000001"   # SUPI imsi-001010000000001 (TS 33.501 A.7.0: IMSI digits)
abba = bytes.fromhex("0000")

res_star = kdf(ck + ik, 0x6B, snn, rand, res)[16:]
hxres_star = hashlib.sha256(rand + res_star).digest()[16:]
kausf = kdf(ck + ik, 0x6A, snn, sqn_xor_ak)
kseaf = kdf(kausf, 0x6C, snn)
kamf = kdf(kseaf, 0x6D, supi, abba)
knasenc = kdf(kamf, 0x69, b"\x01", b"\x02")[16:]   # N-NAS-enc-alg, 128-NEA2
knasint = kdf(kamf, 0x69, b"\x02", b"\x02")[16:]   # N-NAS-int-alg, 128-NIA2
kgnb = kdf(kamf, 0x6E, (0).to_bytes(4, "big"), b"\x01")
nh = kdf(kamf, 0x6F, kgnb)
for name, v in [("RES*", res_star), ("HXRES*", hxres_star), ("KAUSF", kausf),
                ("KSEAF", kseaf), ("KAMF", kamf), ("KNASenc", knasenc),
                ("KNASint", knasint), ("KgNB", kgnb), ("NH", nh)]:
    print(f"{name:8} {v.hex()}")
