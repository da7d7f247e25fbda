package console

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/console/webbuild"
)

// assets is the embedded dist/, index.html at its root.
func assets(t *testing.T) fs.FS {
	t.Helper()
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// TestAssetsUpToDate rebuilds web/ in memory and compares with the
// committed dist/, byte for byte: the CI check that the embedded console
// is the one its sources describe. After changing web/, run
// `go run ./internal/console/build` and commit dist/.
func TestAssetsUpToDate(t *testing.T) {
	built, err := webbuild.Build("../../web")
	if err != nil {
		t.Fatal(err)
	}
	fsys := assets(t)
	committed := map[string][]byte{}
	err = fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		committed[path] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range built {
		got, ok := committed[name]
		switch {
		case !ok:
			t.Errorf("dist/%s is missing; run go run ./internal/console/build", name)
		case !bytes.Equal(got, want):
			t.Errorf("dist/%s (%d bytes) differs from its build from web/ (%d bytes); run go run ./internal/console/build", name, len(got), len(want))
		}
	}
	for name := range committed {
		if _, ok := built[name]; !ok {
			t.Errorf("dist/%s is not built from web/; remove it or run go run ./internal/console/build", name)
		}
	}
}

// TestAssetsDeterministic: two builds give the same bytes, or the
// committed dist/ could never be checked.
func TestAssetsDeterministic(t *testing.T) {
	a, err := webbuild.Build("../../web")
	if err != nil {
		t.Fatal(err)
	}
	b, err := webbuild.Build("../../web")
	if err != nil {
		t.Fatal(err)
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("two builds of %s differ", name)
		}
	}
}

// TestAssetsSize: the console's JavaScript and CSS together stay under
// 200 KB gzip-compressed (issue 17's budget).
func TestAssetsSize(t *testing.T) {
	const budget = 200 * 1000
	total := 0
	var names []string
	fsys := assets(t)
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".js") || strings.HasSuffix(path, ".css")) {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		w.Write(b)
		w.Close()
		t.Logf("%s: %d bytes, %d gzip-compressed", path, len(b), z.Len())
		total += z.Len()
		names = append(names, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names, "main.js") || !slices.Contains(names, "main.css") {
		t.Fatalf("dist/ holds %v, want main.js and main.css", names)
	}
	if total >= budget {
		t.Errorf("JavaScript and CSS take %d bytes gzip-compressed, want < %d", total, budget)
	}
}

// TestSourcesWithoutMarkupSinks: the console's sources build the page
// with DOM calls and text nodes only (web/src/dom.js), so that data from
// the API (a subscriber field, a gNB name, a cause) can never become
// markup or script. This keeps the sinks that would parse a string out
// of them.
func TestSourcesWithoutMarkupSinks(t *testing.T) {
	sinks := regexp.MustCompile(`\.(innerHTML|outerHTML)\s*[+]?=|insertAdjacentHTML\s*\(|document\.write(ln)?\s*\(|\beval\s*\(|new\s+Function\s*\(|createContextualFragment|DOMParser|srcdoc`)
	n := 0
	err := filepath.WalkDir("../../web/src", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".js") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		for i, line := range strings.Split(string(b), "\n") {
			if m := sinks.FindString(line); m != "" {
				t.Errorf("%s:%d uses %q: build elements with h() and text nodes instead", path, i+1, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no JavaScript found under web/src")
	}
}
