# Independent MILENAGE f1*/f5* (TS 35.206 §4.1) for the AUTS known answer in
# milenage_test.go. Run: python3 internal/crypto/milenage/testdata/auts.py
# Needs the "cryptography" package for AES-128.
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

def aes(k, b):
    e = Cipher(algorithms.AES(k), modes.ECB()).encryptor()
    return e.update(b) + e.finalize()

def xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b))

def rot(b, r):  # rotate left by r bits, r a multiple of 8
    n = r // 8
    return b[n:] + b[:n]

k = bytes.fromhex("465b5ce8b199b49faa5f0a2ee238a6bc")     # TS 35.208 set 1
opc = bytes.fromhex("cd63cb71954a9f4e48a5994e37a02baf")
rnd = bytes.fromhex("23553cbe9637a89d218ae64dae47bf35")
sqn_ms = bytes.fromhex("ff9bb4d0b607")
amf = bytes.fromhex("0000")                                # TS 33.102 §6.3.3

temp = aes(k, xor(rnd, opc))
in1 = sqn_ms + amf + sqn_ms + amf
out1 = xor(aes(k, xor(temp, rot(xor(in1, opc), 64))), opc)   # c1 = 0, r1 = 64
mac_s = out1[8:]
c5 = bytes(15) + b"\x08"
out5 = xor(aes(k, xor(rot(xor(temp, opc), 96), c5)), opc)    # r5 = 96
ak_star = out5[:6]
print((xor(sqn_ms, ak_star) + mac_s).hex())
