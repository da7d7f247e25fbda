package suci

import (
	"errors"
	"fmt"
)

// maxMSINDigits is the longest MSIN: an IMSI has at most 15 digits, of which
// 3 are the MCC and at least 2 the MNC (TS 23.003 §2.2).
const maxMSINDigits = 10

// ErrMSIN reports a scheme input that is not a packed-BCD MSIN.
var ErrMSIN = errors.New("suci: invalid MSIN")

// MSIN decodes an IMSI-based scheme input: the MSIN in packed BCD, each
// octet holding its first digit in bits 1-4 and its second in bits 5-8
// (TS 24.501 Figure 9.11.3.4.3a), with 0xF filling bits 5-8 of the last
// octet when the number of digits is odd (TS 33.501 Annex C.3.1).
// For example 00 01 20 80 f6 decodes to "001002086".
func MSIN(bcd []byte) (string, error) {
	if len(bcd) == 0 {
		return "", fmt.Errorf("%w: empty", ErrMSIN)
	}
	if len(bcd) > (maxMSINDigits+1)/2 {
		return "", fmt.Errorf("%w: %d octets, at most %d digits", ErrMSIN, len(bcd), maxMSINDigits)
	}
	digits := make([]byte, 0, 2*len(bcd))
	for i, b := range bcd {
		lo, hi := b&0x0F, b>>4
		if lo > 9 {
			return "", fmt.Errorf("%w: octet %d has non-digit nibble %#x", ErrMSIN, i, lo)
		}
		digits = append(digits, '0'+lo)
		if hi == 0x0F && i == len(bcd)-1 {
			break
		}
		if hi > 9 {
			return "", fmt.Errorf("%w: octet %d has non-digit nibble %#x", ErrMSIN, i, hi)
		}
		digits = append(digits, '0'+hi)
	}
	return string(digits), nil
}

// EncodeMSIN is the inverse of MSIN: it packs a string of 1 to 10 decimal
// digits into BCD, filling with 0xF (TS 33.501 Annex C.3.1).
func EncodeMSIN(msin string) ([]byte, error) {
	if len(msin) == 0 || len(msin) > maxMSINDigits {
		return nil, fmt.Errorf("%w: %d digits, want 1 to %d", ErrMSIN, len(msin), maxMSINDigits)
	}
	out := make([]byte, (len(msin)+1)/2)
	for i := 0; i < len(msin); i++ {
		d := msin[i] - '0'
		if d > 9 {
			return nil, fmt.Errorf("%w: character %d is not a digit", ErrMSIN, i)
		}
		if i%2 == 0 {
			out[i/2] = 0xF0 | d
		} else {
			out[i/2] = out[i/2]&0x0F | d<<4
		}
	}
	return out, nil
}
