package h2wire

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"golang.org/x/net/http2/hpack"
)

// RFC 7541 C.2.2, a Literal Header Field without Indexing: ":path:
// /sample/path" is 040c2f73616d706c652f70617468, and the decoder's
// dynamic table stays empty.
func TestWriteLiteralRFC7541(t *testing.T) {
	var b bytes.Buffer
	WriteLiteral(&b, StaticPath, "/sample/path")
	if got, want := hex.EncodeToString(b.Bytes()), "040c2f73616d706c652f70617468"; got != want {
		t.Fatalf("WriteLiteral(:path /sample/path) = %s, want %s", got, want)
	}
	d := hpack.NewDecoder(4096, nil)
	fs, err := d.DecodeFull(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Name != ":path" || fs[0].Value != "/sample/path" || fs[0].Sensitive {
		t.Fatalf("decoded %+v, want :path /sample/path", fs)
	}
	// Another block with the same field: were it indexed, a decoder
	// would now hold it in its dynamic table (§2.3.3, index 62).
	if _, err := d.DecodeFull([]byte{0x80 | 62}); err == nil {
		t.Error("the decoder's dynamic table holds an entry after a literal without indexing")
	}
}

// Values of every length round-trip through x/net's decoder, lengths
// at and past the 7-bit prefix's limit (§5.1) included, after a field
// the encoder wrote and among fields it indexes.
func TestWriteLiteralDecodes(t *testing.T) {
	for _, n := range []int{0, 1, 126, 127, 128, 300, 16383, 16384, 70000} {
		var b bytes.Buffer
		enc := hpack.NewEncoder(&b)
		enc.SetMaxDynamicTableSize(1024) // a pending size update goes first
		enc.WriteField(hpack.HeaderField{Name: ":method", Value: "POST"})
		value := "/" + strings.Repeat("a", max(n-1, 0))
		if n == 0 {
			value = ""
		}
		WriteLiteral(&b, StaticPath, value)
		enc.WriteField(hpack.HeaderField{Name: "content-type", Value: "application/json"})
		WriteLiteralUint(&b, StaticContentLength, 1234)
		WriteLiteral(&b, StaticLocation, "http://127.0.0.1:7777/nsmf-pdusession/v1/sm-contexts/1")
		d := hpack.NewDecoder(4096, nil)
		d.SetMaxStringLength(1 << 20)
		fs, err := d.DecodeFull(b.Bytes())
		if err != nil {
			t.Fatalf("length %d: %v", n, err)
		}
		want := []hpack.HeaderField{{Name: ":method", Value: "POST"}, {Name: ":path", Value: value},
			{Name: "content-type", Value: "application/json"}, {Name: "content-length", Value: "1234"},
			{Name: "location", Value: "http://127.0.0.1:7777/nsmf-pdusession/v1/sm-contexts/1"}}
		if len(fs) != len(want) {
			t.Fatalf("length %d: decoded %d fields, want %d", n, len(fs), len(want))
		}
		for i := range want {
			if fs[i] != want[i] {
				t.Errorf("length %d: field %d = %q: %q, want %q: %q", n, i, fs[i].Name, fs[i].Value, want[i].Name, want[i].Value)
			}
		}
	}
}
