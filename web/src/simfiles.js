// The files a SIM needs for SUCI calculation by the ME (TS 31.102
// §4.4.11.8 EF SUCI_Calc_Info, §4.4.11.11 EF Routing_Indicator), built
// from the home network public keys Keel serves.

// Protection scheme identifiers (TS 33.501 Annex C.1, TS 24.501
// §9.11.3.4): the null scheme, ECIES profile A (X25519), profile B
// (P-256).
export const SCHEME_ID = { null: 0, A: 1, B: 2 };

function hex2(n) {
  return n.toString(16).padStart(2, "0");
}

// tlv encodes one BER-TLV data object (tag, length per ISO/IEC 8825-1,
// value as hex).
export function tlv(tag, valueHex) {
  const n = valueHex.length / 2;
  let len;
  if (n < 0x80) len = hex2(n);
  else if (n <= 0xff) len = "81" + hex2(n);
  else len = "82" + hex2(n >> 8) + hex2(n & 0xff);
  return hex2(tag) + len + valueHex;
}

// suciCalcInfo builds EF SUCI_Calc_Info (TS 31.102 §4.4.11.8) for the
// given keys, highest priority first, each {id, scheme: "A"|"B", key: hex}:
//   'A0' Protection Scheme Identifier List: per entry the protection
//        scheme identifier and the key index, the position (from 1) of
//        its key in the Home Network Public Key List; the null scheme
//        has key index 0;
//   'A1' Home Network Public Key List: per key '80' its home network
//        public key identifier and '81' the key.
// withNull adds the null scheme last: a UE that supports neither
// profile then sends its SUPI in clear.
// It returns the file's hex and its parts for display.
export function suciCalcInfo(keys, withNull) {
  const parts = [];
  let psi = "";
  keys.forEach((k, i) => {
    psi += hex2(SCHEME_ID[k.scheme]) + hex2(i + 1);
    parts.push({ where: "A0", what: `priority ${i + 1}: profile ${k.scheme}, key index ${i + 1}`, hex: hex2(SCHEME_ID[k.scheme]) + hex2(i + 1) });
  });
  if (withNull) {
    psi += "0000";
    parts.push({ where: "A0", what: `priority ${keys.length + 1}: null scheme, key index 0`, hex: "0000" });
  }
  let list = "";
  keys.forEach((k, i) => {
    const id = tlv(0x80, hex2(k.id));
    const key = tlv(0x81, k.key.toLowerCase());
    list += id + key;
    parts.push({ where: "A1", what: `key index ${i + 1}: home network public key identifier ${k.id}`, hex: id });
    parts.push({ where: "A1", what: `key index ${i + 1}: public key (${k.key.length / 2} octets)`, hex: key });
  });
  const a0 = tlv(0xa0, psi);
  const a1 = keys.length ? tlv(0xa1, list) : "";
  return { hex: a0 + a1, a0, a1, parts };
}

// routingIndicator builds EF Routing_Indicator (TS 31.102 §4.4.11.11):
// 1 to 4 decimal digits in BCD, digit 1 in the low nibble of byte 1,
// unused digits 'F' (TS 24.501 §9.11.3.4), then 2 RFU bytes 'FF'.
// It returns null for anything but 1 to 4 digits.
export function routingIndicator(ri) {
  if (!/^\d{1,4}$/.test(ri)) return null;
  const d = (ri + "FFF").slice(0, 4).split("");
  return `${d[1]}${d[0]}${d[3]}${d[2]}FFFF`.toUpperCase();
}
