package lint

import (
	"bytes"
	"go/format"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/keelcore/keel"

// repoRoot is two directories up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found at %s: %v", root, err)
	}
	return root
}

func goFiles(t *testing.T) []string {
	t.Helper()
	root := repoRoot(t)
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestGofmt(t *testing.T) {
	for _, path := range goFiles(t) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		formatted, err := format.Source(src)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if !bytes.Equal(src, formatted) {
			t.Errorf("%s is not gofmt-formatted", path)
		}
	}
}

func TestGoVet(t *testing.T) {
	if testing.Short() {
		t.Skip("go vet skipped in -short mode")
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(goBin, "vet", "./...")
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet ./...: %v\n%s", err, out)
	}
}

// networkFunctions may not import one another: they meet through the
// service interfaces in internal/sbi, so that each can run in its own
// process.
var networkFunctions = []string{"amf", "smf", "upf", "ausf", "udm", "udr", "pcf", "nssf", "nrf"}

func TestNetworkFunctionBoundaries(t *testing.T) {
	fset := token.NewFileSet()
	root := repoRoot(t)
	for _, path := range goFiles(t) {
		rel, _ := filepath.Rel(root, path)
		owner := nfOf(filepath.ToSlash(rel))
		// Tests may assemble several functions (an AMF procedure run
		// against the real UDM and AUSF); production code may not.
		if owner == "" || strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if other := nfOf(strings.TrimPrefix(p, module+"/")); other != "" && other != owner && strings.HasPrefix(p, module) {
				t.Errorf("%s: network function %s imports %s; go through internal/sbi", rel, owner, p)
			}
		}
	}
}

func nfOf(rel string) string {
	for _, nf := range networkFunctions {
		if rel == "internal/"+nf || strings.HasPrefix(rel, "internal/"+nf+"/") {
			return nf
		}
	}
	return ""
}

// testOnly are packages for tests alone: the OpenAPI validator and its
// dependency, Helm with the Kubernetes and Prometheus Operator types
// that internal/deploytest checks the chart with, and the browser driver
// of the console's tests stay out of Keel's binaries.
var testOnly = []string{"github.com/getkin/kin-openapi", module + "/internal/sbihttp/openapitest",
	"helm.sh/helm", "k8s.io", "sigs.k8s.io", "github.com/prometheus-operator/prometheus-operator",
	"github.com/chromedp"}

func TestTestOnlyImports(t *testing.T) {
	fset := token.NewFileSet()
	root := repoRoot(t)
	for _, path := range goFiles(t) {
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		if strings.HasSuffix(path, "_test.go") || filepath.ToSlash(rel) == "internal/sbihttp/openapitest" {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, banned := range testOnly {
				if p == banned || strings.HasPrefix(p, banned+"/") {
					t.Errorf("%s imports %s, which is for tests only", path, p)
				}
			}
		}
	}
}

// withoutHTTP are the NFs that speak internal/sbi only: the HTTP/2
// binding (internal/sbihttp and the bindings built on it) adapts their
// interfaces, so they never import net/http or a binding.
var withoutHTTP = []string{"ausf", "udm", "udr", "amf", "smf", "pcf"}

func TestNetworkFunctionsWithoutHTTP(t *testing.T) {
	fset := token.NewFileSet()
	root := repoRoot(t)
	for _, path := range goFiles(t) {
		rel, _ := filepath.Rel(root, path)
		if nf := nfOf(filepath.ToSlash(rel)); !slices.Contains(withoutHTTP, nf) || strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == "net/http" || strings.HasPrefix(p, module+"/internal/sbihttp") {
				t.Errorf("%s: network function imports %s; bind it in internal/sbihttp instead", rel, p)
			}
		}
	}
}

// TestAPIViewsInAPI: the management API's views (UEs, gNBs, sessions)
// are its own types, shaped for its clients, and the network functions
// keep their state in theirs: internal/api imports no network function,
// and the composition root converts between them.
func TestAPIViewsInAPI(t *testing.T) {
	fset := token.NewFileSet()
	root := repoRoot(t)
	for _, path := range goFiles(t) {
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if !strings.HasPrefix(rel, "internal/api/") || strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if nf := nfOf(strings.TrimPrefix(p, module+"/")); nf != "" && strings.HasPrefix(p, module) {
				t.Errorf("%s imports %s: the management API keeps its own views; app converts", rel, p)
			}
		}
	}
}
