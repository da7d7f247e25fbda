package sbihttp

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/keelcore/keel/internal/sbi"
)

const testBoundary = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"

// checkSplit: what splitCanonical takes, multipart.Reader splits the
// same way.
func checkSplit(t *testing.T, body []byte) {
	root, parts, ok := splitCanonical(body, testBoundary)
	wroot, wparts, werr := splitPartsReader(body, testBoundary)
	if !ok {
		return
	}
	if werr != nil {
		t.Fatalf("splitCanonical(%q) took a body multipart.Reader refuses: %v", body, werr)
	}
	if !bytes.Equal(root, wroot) || len(parts) != len(wparts) {
		t.Fatalf("splitCanonical(%q) = %q, %v; reader %q, %v", body, root, parts, wroot, wparts)
	}
	for id, p := range parts {
		w, ok := wparts[id]
		if !ok || w.contentType != p.contentType || !bytes.Equal(w.data, p.data) {
			t.Fatalf("splitCanonical(%q): part %q = %+v, reader %+v", body, id, p, w)
		}
	}
}

func canonicalSeeds(t testing.TB) [][]byte {
	v := sbi.SmContextCreatedData{PduSessionID: 1, N1SmMsg: sbi.N1SM([]byte{0x2e, 1, 1, 0xc2}), N2SmInfo: sbi.N2SM([]byte("\r\n--" + testBoundary[1:] + "\r\n"))}
	two, _, err := encodeParts(v, []Ref{{v.N1SmMsg, ContentNAS}, {v.N2SmInfo, ContentNGAP}}, testBoundary)
	if err != nil {
		t.Fatal(err)
	}
	// Content that holds the delimiter followed by other than CRLF: the
	// reader takes it as content, the fast path declines.
	v.N2SmInfo.Content = []byte("\r\n--" + testBoundary + "x\r\n")
	tricky, _, err := encodeParts(v, []Ref{{v.N1SmMsg, ContentNAS}, {v.N2SmInfo, ContentNGAP}}, testBoundary)
	if err != nil {
		t.Fatal(err)
	}
	one, _, err := encodeParts(v, []Ref{{v.N1SmMsg, ContentNAS}}, testBoundary)
	if err != nil {
		t.Fatal(err)
	}
	d := "--" + testBoundary
	return [][]byte{two, one,
		[]byte(d + "\r\nContent-Type: application/json\r\n\r\n{}\r\n" + d + "--\r\n"),
		[]byte(d + "\r\nContent-Type: application/json; charset=utf-8\r\n\r\n{}\r\n" + d + "\r\nContent-Id: <a>\r\nContent-Type: Application/X\r\n\r\n1\r\n" + d + "--\r\n"),
		[]byte(d + "\r\nContent-Type: application/json\r\n\r\n{}\r\n" + d + "\r\nContent-Id: a\r\nContent-Type: b/c\r\n\r\n1\r\n" + d + "\r\nContent-Id: a\r\nContent-Type: b/c\r\n\r\n2\r\n" + d + "--\r\n"),
		[]byte("preamble\r\n" + d + "\r\nContent-Type: application/json\r\n\r\n{}\r\n" + d + "--\r\n"),
		[]byte(d + "\r\nContent-Type: application/json\r\n\r\n{}\r\n" + d + "--\r\nepilogue"),
		[]byte(d + " \r\nContent-Type: application/json\r\n\r\n{}\r\n" + d + "--\r\n"),
		[]byte(d + "\r\ncontent-type: application/json\r\n\r\n{}\r\n" + d + "--\r\n"),
		[]byte(d + "\r\nContent-Type: application/json\r\n\r\n{}\r\n" + d + "\r\nContent-Type: b/c\r\n\r\n1\r\n" + d + "--\r\n"),
		tricky,
	}
}

func TestSplitCanonicalAgreesWithReader(t *testing.T) {
	seeds := canonicalSeeds(t)
	for _, b := range seeds {
		checkSplit(t, b)
	}
	for i, b := range seeds[:4] {
		if _, _, ok := splitCanonical(b, testBoundary); !ok {
			t.Errorf("splitCanonical(seed %d %q) declined a canonical body", i, b)
		}
	}
	root, parts, ok := splitCanonical(seeds[0], testBoundary)
	if !ok || string(root) != `{"pduSessionId":1,"n1SmMsg":{"contentId":"n1SmMsg"},"n2SmInfo":{"contentId":"n2SmInfo"}}` ||
		cmp.Diff(parts["n2SmInfo"].data, []byte("\r\n--"+testBoundary[1:]+"\r\n")) != "" {
		t.Fatalf("splitCanonical = %q, %+v, %v", root, parts, ok)
	}
}

func FuzzSplitCanonical(f *testing.F) {
	for _, b := range canonicalSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkSplit(t, body)
	})
}
