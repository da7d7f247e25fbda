package sbihttp_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

func updateRefs(d *sbi.SmContextUpdateData) func() []sbihttp.Ref {
	return func() []sbihttp.Ref {
		return []sbihttp.Ref{{Ref: d.N1SmMsg, ContentType: sbihttp.ContentNAS}, {Ref: d.N2SmInfo, ContentType: sbihttp.ContentNGAP}}
	}
}

// TestParts: binaries travel as multipart/related parts named by their
// Content-ID and come back into the references; a body without
// binaries is plain JSON; a Content-ID used twice, a part of the wrong
// media type and a reference to no part are refused (RFC 2387, TS
// 29.500 §6.1.2.4).
func TestParts(t *testing.T) {
	in := sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM([]byte{0x2e, 1, 2, 0xd4}), N2SmInfo: sbi.N2SM([]byte{0, 1, 2, '\r', '\n', '-', '-'}), N2SmInfoType: sbi.N2ReleaseResponse}
	body, ct, err := sbihttp.EncodeParts(in, updateRefs(&in)())
	if err != nil || !strings.HasPrefix(ct, "multipart/related;") || !strings.Contains(ct, `type="application/json"`) {
		t.Fatalf("EncodeParts = %q, %v", ct, err)
	}
	var out sbi.SmContextUpdateData
	if err := sbihttp.DecodeParts(ct, body, &out, updateRefs(&out)); err != nil {
		t.Fatal(err)
	}
	if string(out.N1SmMsg.Bytes()) != string(in.N1SmMsg.Bytes()) || string(out.N2SmInfo.Bytes()) != string(in.N2SmInfo.Bytes()) || out.N2SmInfoType != in.N2SmInfoType {
		t.Errorf("round trip = %+v, want %+v", out, in)
	}

	plain := sbi.SmContextUpdateData{UpCnxState: sbi.UpCnxDeactivated}
	if body, ct, err := sbihttp.EncodeParts(plain, updateRefs(&plain)()); err != nil || ct != sbihttp.ContentJSON || string(body) != `{"upCnxState":"DEACTIVATED"}` {
		t.Errorf("EncodeParts without binaries = %s %q, %v; want the JSON alone", body, ct, err)
	}

	twice := sbi.SmContextUpdateData{N1SmMsg: &sbi.RefToBinaryData{ContentID: "x", Content: []byte{1}}, N2SmInfo: &sbi.RefToBinaryData{ContentID: "x", Content: []byte{2}}}
	if _, _, err := sbihttp.EncodeParts(twice, updateRefs(&twice)()); err == nil {
		t.Error("EncodeParts with one Content-ID twice succeeded")
	}
	// N1 and N2 swapped: each reference names a part of the other's type.
	swapped := sbi.SmContextUpdateData{N1SmMsg: &sbi.RefToBinaryData{ContentID: "a", Content: []byte{1}}, N2SmInfo: &sbi.RefToBinaryData{ContentID: "b", Content: []byte{2}}}
	body, ct, _ = sbihttp.EncodeParts(swapped, []sbihttp.Ref{{Ref: swapped.N1SmMsg, ContentType: sbihttp.ContentNGAP}, {Ref: swapped.N2SmInfo, ContentType: sbihttp.ContentNAS}})
	if err := sbihttp.DecodeParts(ct, body, &out, updateRefs(&out)); !errors.Is(err, sbi.ErrInvalidRequest) {
		t.Errorf("parts of the wrong types: %v, want ErrInvalidRequest", err)
	}
	if err := sbihttp.DecodeParts(sbihttp.ContentJSON, []byte(`{"n1SmMsg":{"contentId":"n1"}}`), &out, updateRefs(&out)); !errors.Is(err, sbi.ErrInvalidRequest) {
		t.Errorf("a reference without its part: %v, want ErrInvalidRequest", err)
	}
	if err := sbihttp.DecodeParts("text/plain", []byte(`{}`), &out, updateRefs(&out)); !errors.Is(err, sbi.ErrUnsupportedMediaType) {
		t.Errorf("text/plain: %v, want ErrUnsupportedMediaType", err)
	}
}

// FuzzDecodeParts: whatever the body, DecodeParts answers an sbi error
// or a value whose references all hold their part, never a panic.
func FuzzDecodeParts(f *testing.F) {
	in := sbi.SmContextUpdateData{N1SmMsg: sbi.N1SM([]byte{0x2e, 1, 2, 0xd4}), N2SmInfo: sbi.N2SM([]byte{0, 1}), N2SmInfoType: sbi.N2ReleaseResponse}
	body, ct, _ := sbihttp.EncodeParts(in, updateRefs(&in)())
	f.Add(ct, body)
	f.Add(sbihttp.ContentJSON, []byte(`{"upCnxState":"ACTIVATING"}`))
	f.Add(`multipart/related; boundary=B`, []byte("--B\r\nContent-Type: application/json\r\n\r\n{}\r\n--B--\r\n"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		var out sbi.SmContextUpdateData
		err := sbihttp.DecodeParts(contentType, body, &out, updateRefs(&out))
		if err != nil {
			if sbi.ProblemOf(err) == nil {
				t.Fatalf("DecodeParts(%q, %q) = %v, an error without protocol meaning", contentType, body, err)
			}
			return
		}
		for _, r := range updateRefs(&out)() {
			if r.Ref != nil && r.Ref.Content == nil {
				t.Fatalf("DecodeParts(%q, %q): reference %q without content", contentType, body, r.Ref.ContentID)
			}
		}
	})
}
