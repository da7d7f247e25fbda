package ausf

import (
	"bytes"
	"testing"
	"time"
)

func TestAuthContextRoundTrip(t *testing.T) {
	c := &authContext{supi: "imsi-001010000000001", snName: "5G:mnc001.mcc001.3gppnetwork.org", expires: time.Unix(1800000000, 123456789)}
	for i := range c.xresStar {
		c.xresStar[i] = byte(i)
	}
	for i := range c.kausf {
		c.kausf[i] = byte(0x80 + i)
	}
	b := c.appendBinary(nil)
	if len(b) != 57+2+len(c.supi)+len(c.snName) {
		t.Errorf("appendBinary = %d bytes, want %d", len(b), 57+2+len(c.supi)+len(c.snName))
	}
	got, err := decodeAuthContext(b)
	if err != nil {
		t.Fatalf("decodeAuthContext = %v", err)
	}
	if got.supi != c.supi || got.snName != c.snName || got.xresStar != c.xresStar || !got.kausf.Equal(c.kausf) || !got.expires.Equal(c.expires) {
		t.Errorf("decodeAuthContext(appendBinary(c)) differs from c")
	}
	for n := range len(b) {
		if _, err := decodeAuthContext(b[:n]); err == nil {
			t.Errorf("decodeAuthContext of the first %d bytes = nil error", n)
		}
	}
	if _, err := decodeAuthContext(append(b, 0)); err == nil {
		t.Errorf("decodeAuthContext with a byte left over = nil error")
	}
}

// FuzzDecodeAuthContext: a record value, whatever the store holds, never
// panics the decoder, and what it accepts encodes back to itself.
func FuzzDecodeAuthContext(f *testing.F) {
	c := &authContext{supi: "imsi-001010000000001", snName: "5G:mnc001.mcc001.3gppnetwork.org", expires: time.Unix(1800000000, 0)}
	f.Add(c.appendBinary(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeAuthContext(b)
		if err != nil {
			return
		}
		if got := c.appendBinary(nil); !bytes.Equal(got, b) {
			t.Errorf("appendBinary(decodeAuthContext(%x)) = %x", b, got)
		}
	})
}
