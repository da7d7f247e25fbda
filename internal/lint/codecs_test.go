package lint

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// codecs are the wire codecs. Each converts to and from internal/ident and
// stands alone: none depends on another codec or on the SBI contracts, so
// a codec can be reused, tested and fuzzed without the rest of the core.
var codecs = []string{"ngap", "nas", "pfcp", "gtpu"}

// identAllowed is all of Keel that internal/ident may depend on: it sits
// below every other package.
var identAllowed = []string{module + "/internal/ident", module + "/internal/secret"}

// deps lists the Keel packages that the production code of pattern
// depends on, directly or not, by package.
func deps(t *testing.T, pattern string) map[string][]string {
	t.Helper()
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(goBin, "list", "-deps=false", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, pattern)
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pattern, err)
	}
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		for _, d := range f[1:] {
			if strings.HasPrefix(d, module+"/") {
				m[f[0]] = append(m[f[0]], d)
			}
		}
	}
	return m
}

// under reports whether pkg is dir or below it.
func under(pkg, dir string) bool { return pkg == dir || strings.HasPrefix(pkg, dir+"/") }

func TestCodecsStandAlone(t *testing.T) {
	for _, c := range codecs {
		own := module + "/internal/" + c
		for pkg, ds := range deps(t, "./internal/"+c+"/...") {
			for _, d := range ds {
				if under(d, module+"/internal/sbi") {
					t.Errorf("codec package %s depends on %s; codecs do not know the SBI", pkg, d)
				}
				for _, other := range codecs {
					if o := module + "/internal/" + other; other != c && under(d, o) && !under(d, own) {
						t.Errorf("codec package %s depends on codec %s; share identifiers through internal/ident", pkg, d)
					}
				}
			}
		}
	}
}

func TestIdentDependsOnNothing(t *testing.T) {
	for pkg, ds := range deps(t, "./internal/ident/...") {
		for _, d := range ds {
			if !slices.Contains(identAllowed, d) {
				t.Errorf("%s depends on %s; internal/ident may use only %v of Keel", pkg, d, identAllowed)
			}
		}
	}
}
