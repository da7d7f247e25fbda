package sbihttp

import (
	"bytes"
	"encoding/json"
	"mime"
	"mime/multipart"
	"net/textproto"
	"testing"

	"github.com/keelcore/keel/internal/sbi"
)

// encodePartsReference is EncodeParts as mime/multipart.Writer writes
// it, with the boundary given.
func encodePartsReference(v any, refs []Ref, boundary string) ([]byte, string, error) {
	js, err := json.Marshal(v)
	if err != nil {
		return nil, "", err
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if err := mw.SetBoundary(boundary); err != nil {
		return nil, "", err
	}
	n := 0
	for _, r := range refs {
		if r.Ref != nil {
			n++
		}
	}
	if n == 0 {
		return js, ContentJSON, nil
	}
	root, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {ContentJSON}})
	root.Write(js)
	for _, r := range refs {
		if r.Ref == nil {
			continue
		}
		p, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {r.ContentType}, "Content-Id": {r.Ref.ContentID}})
		p.Write(r.Ref.Content)
	}
	mw.Close()
	return b.Bytes(), mime.FormatMediaType(ContentMultipartRelated, map[string]string{"boundary": mw.Boundary(), "type": ContentJSON}), nil
}

func checkParts(t *testing.T, n1, n2 []byte, id1, id2 string) {
	const boundary = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"
	v := sbi.SmContextCreatedData{PduSessionID: 1, N1SmMsg: sbi.N1SM(n1), N2SmInfo: sbi.N2SM(n2)}
	if v.N1SmMsg != nil {
		v.N1SmMsg.ContentID = id1
	}
	if v.N2SmInfo != nil {
		v.N2SmInfo.ContentID = id2
	}
	refs := []Ref{{v.N1SmMsg, ContentNAS}, {nil, ContentNAS}, {v.N2SmInfo, ContentNGAP}}
	got, gotCT, gerr := encodeParts(v, refs, boundary)
	dup := v.N1SmMsg != nil && v.N2SmInfo != nil && id1 == id2
	empty := (v.N1SmMsg != nil && id1 == "") || (v.N2SmInfo != nil && id2 == "")
	if dup || empty {
		if gerr == nil {
			t.Fatalf("encodeParts with Content-IDs %q, %q = nil error", id1, id2)
		}
		return
	}
	want, wantCT, werr := encodePartsReference(v, refs, boundary)
	if gerr != nil || werr != nil || !bytes.Equal(got, want) || gotCT != wantCT {
		t.Fatalf("encodeParts = %q, %q, %v\nwant %q, %q, %v", got, gotCT, gerr, want, wantCT, werr)
	}
}

func TestEncodePartsAgreesWithMultipartWriter(t *testing.T) {
	checkParts(t, nil, nil, "", "")
	checkParts(t, []byte{0x2e, 1, 1, 0xc1}, nil, sbi.ContentIDN1SM, "")
	checkParts(t, []byte{0x2e, 1, 1, 0xc1}, []byte{0, 1, 2, '\r', '\n', '-', '-'}, sbi.ContentIDN1SM, sbi.ContentIDN2SM)
	checkParts(t, []byte{1}, []byte{2}, "a", "a")
	checkParts(t, []byte{1}, nil, "", "")
	// The boundary is random: two bodies differ in it alone.
	v := sbi.SmContextCreatedData{N1SmMsg: sbi.N1SM([]byte{1})}
	_, ct1, _ := EncodeParts(v, []Ref{{v.N1SmMsg, ContentNAS}})
	_, ct2, _ := EncodeParts(v, []Ref{{v.N1SmMsg, ContentNAS}})
	if ct1 == ct2 {
		t.Fatalf("EncodeParts gave boundary %q twice", ct1)
	}
}

func FuzzEncodeParts(f *testing.F) {
	f.Add([]byte{0x2e, 1, 1, 0xc1}, []byte{0, 1, 2}, sbi.ContentIDN1SM, sbi.ContentIDN2SM)
	f.Add([]byte{}, []byte{1}, "x", "x")
	f.Fuzz(func(t *testing.T, n1, n2 []byte, id1, id2 string) {
		checkParts(t, n1, n2, id1, id2)
	})
}
