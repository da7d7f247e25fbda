package gtpu

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse checks that no input makes Parse (or ParseErrorIndication on
// what it returns) panic, that a refused input leaves the zero Packet and
// one of the four errors, that an accepted one has its Payload inside the
// input and ending where the Length field says, and that a G-PDU with a
// PDU Session Container rebuilt by AppendGPDU parses to the same values.
// The seed corpus (testdata/fuzz/FuzzParse) holds every golden message.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Packet
		if err := Parse(data, &p); err != nil {
			switch err {
			case ErrShort, ErrVersion, ErrLength, ErrExtension:
			default:
				t.Fatalf("Parse error %v is none of the four", err)
			}
			if !cmp.Equal(p, Packet{}) {
				t.Fatalf("refused input left %+v", p)
			}
			return
		}
		end := minLen + (int(data[2])<<8 | int(data[3]))
		if !inside(p.Payload, data) || !aliasesEnd(p.Payload, data[:end]) {
			t.Fatalf("Payload (len %d) is not the tail of the message data[:%d] (len %d)", len(p.Payload), end, len(data))
		}
		if p.QFI > 63 {
			t.Fatalf("QFI %d has more than 6 bits", p.QFI)
		}
		if p.Type == MsgErrorIndication {
			if _, _, err := ParseErrorIndication(&p); err != nil && !errors.Is(err, ErrIE) {
				t.Fatalf("ParseErrorIndication error %v does not wrap ErrIE", err)
			}
		}
		if p.Type == MsgGPDU && p.HasQFI && len(p.Payload) <= MaxGPDUPayload {
			var q Packet
			b := AppendGPDU(nil, p.TEID, p.QFI, p.Uplink, p.Payload)
			if err := Parse(b, &q); err != nil {
				t.Fatalf("rebuilt G-PDU %x does not parse: %v", b, err)
			}
			if q.TEID != p.TEID || q.QFI != p.QFI || q.Uplink != p.Uplink || !q.HasQFI || !bytes.Equal(q.Payload, p.Payload) {
				t.Fatalf("rebuilt G-PDU parses to %+v, want the values of %+v", q, p)
			}
		}
	})
}

// inside reports whether sub lies within b's memory.
func inside(sub, b []byte) bool {
	if len(sub) == 0 {
		return true
	}
	s, e := uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(sub)))
	return p >= s && p-s+uintptr(len(sub)) <= e
}

// aliasesEnd reports whether sub ends exactly where msg ends.
func aliasesEnd(sub, msg []byte) bool {
	if len(sub) == 0 {
		return true
	}
	return unsafe.SliceData(sub[len(sub)-1:]) == unsafe.SliceData(msg[len(msg)-1:])
}

// TestFuzzCorpusHoldsGoldens keeps the committed seed corpus in step with
// the golden messages: each golden message must be a seed.
func TestFuzzCorpusHoldsGoldens(t *testing.T) {
	seeds := map[string]bool{}
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParse", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no seed corpus under testdata/fuzz/FuzzParse: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "[]byte(") {
			t.Fatalf("%s is not a go test fuzz v1 file of one []byte", name)
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		seeds[s] = true
	}
	for _, g := range goldens() {
		if !seeds[string(unhex(t, g.hex))] {
			t.Errorf("golden %s is not in the seed corpus", g.name)
		}
	}
}
