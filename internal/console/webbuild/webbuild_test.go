package webbuild

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// site writes a web/ directory of the given files into a temporary
// directory and returns it.
func site(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func base() map[string]string {
	return map[string]string{
		"index.html":   "<!doctype html><title>t</title>\n",
		"favicon.svg":  "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n",
		"src/main.js":  "// a comment\nimport { greet } from \"./lib.js\";\ndocument.title = greet(\"Keel\");\n",
		"src/lib.js":   "export function greet(name) {\n  const greeting = \"hello from lib, \";\n  return greeting + name;\n}\nexport function unused() { return 42; }\n",
		"src/main.css": "@import \"./more.css\";\nbody {\n  margin: 0px;\n  color: #ff0000;\n}\n",
		"src/more.css": ".card { padding: 10px; }\n",
	}
}

func TestBuild(t *testing.T) {
	out, err := Build(site(t, base()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range out {
		names = append(names, name)
	}
	slices.Sort(names)
	if want := []string{"favicon.svg", "index.html", "main.css", "main.js"}; !slices.Equal(names, want) {
		t.Fatalf("Build wrote %v, want %v", names, want)
	}
	js := string(out["main.js"])
	if !strings.Contains(js, "hello from lib, ") {
		t.Errorf("main.js does not bundle lib.js: %q", js)
	}
	for _, bad := range []string{"import", "a comment", "unused", "greeting", "\n\n"} {
		if strings.Contains(js, bad) {
			t.Errorf("main.js holds %q, want it bundled, minified and tree-shaken: %q", bad, js)
		}
	}
	css := string(out["main.css"])
	if !strings.Contains(css, ".card{padding:10px}") || !strings.Contains(css, "color:red") || strings.Contains(css, "@import") {
		t.Errorf("main.css = %q, want more.css inlined and both minified", css)
	}
	if string(out["index.html"]) != base()["index.html"] {
		t.Errorf("index.html = %q, want it copied unchanged", out["index.html"])
	}
}

func TestBuildSyntaxError(t *testing.T) {
	files := base()
	files["src/lib.js"] = "export function greet( {\n"
	_, err := Build(site(t, files))
	if err == nil || !strings.Contains(err.Error(), "lib.js") {
		t.Fatalf("Build with a syntax error in lib.js = %v, want an error naming lib.js", err)
	}
}

func TestBuildMissingImport(t *testing.T) {
	files := base()
	delete(files, "src/more.css")
	_, err := Build(site(t, files))
	if err == nil || !strings.Contains(err.Error(), "more.css") {
		t.Fatalf("Build without more.css = %v, want an error naming it", err)
	}
}

func TestBuildMissingStatic(t *testing.T) {
	files := base()
	delete(files, "favicon.svg")
	if _, err := Build(site(t, files)); err == nil || !strings.Contains(err.Error(), "favicon.svg") {
		t.Fatalf("Build without favicon.svg = %v, want an error naming it", err)
	}
}
