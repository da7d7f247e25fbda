package deploytest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction: its keyword in upper case,
// its flags (--from=build) and the rest of its line, continuation lines
// joined.
type instruction struct {
	line  int
	cmd   string
	flags map[string]string
	args  string
}

// stage is a FROM and the instructions up to the next one.
type stage struct {
	image, name string
	body        []instruction
}

// parseDockerfile reads the instructions Keel's Dockerfile uses: comments
// and blank lines skipped, lines ending in a backslash continued, flags
// (--name=value) taken off the front of the arguments. Parser directives
// and heredocs are not supported and are refused.
func parseDockerfile(data string) ([]stage, error) {
	var (
		stages  []stage
		pending strings.Builder
		start   int
	)
	sc := bufio.NewScanner(strings.NewReader(data))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if pending.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if pending.Len() > 0 && strings.HasPrefix(line, "#") {
			continue // a comment inside a continued instruction
		}
		if pending.Len() == 0 {
			start = n
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			pending.WriteString(strings.TrimSpace(cont) + " ")
			continue
		}
		pending.WriteString(line)
		in, err := parseInstruction(start, pending.String())
		pending.Reset()
		if err != nil {
			return nil, err
		}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			st := stage{image: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			} else if len(f) != 1 {
				return nil, fmt.Errorf("line %d: FROM %s: want IMAGE [AS NAME]", in.line, in.args)
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			if in.cmd == "ARG" {
				continue
			}
			return nil, fmt.Errorf("line %d: %s before the first FROM", in.line, in.cmd)
		}
		stages[len(stages)-1].body = append(stages[len(stages)-1].body, in)
	}
	if pending.Len() > 0 {
		return nil, fmt.Errorf("line %d: continued past the end of the file", start)
	}
	return stages, sc.Err()
}

var known = []string{"FROM", "RUN", "COPY", "WORKDIR", "USER", "EXPOSE", "ENTRYPOINT", "CMD", "ARG", "ENV", "LABEL"}

func parseInstruction(line int, text string) (instruction, error) {
	cmd, rest, _ := strings.Cut(text, " ")
	in := instruction{line: line, cmd: strings.ToUpper(cmd), flags: map[string]string{}}
	if !slices.Contains(known, in.cmd) {
		return in, fmt.Errorf("line %d: instruction %q is not one this parser knows", line, cmd)
	}
	if strings.Contains(rest, "<<") {
		return in, fmt.Errorf("line %d: heredocs are not supported", line)
	}
	rest = strings.TrimSpace(rest)
	for strings.HasPrefix(rest, "--") {
		flag, after, _ := strings.Cut(rest, " ")
		k, v, _ := strings.Cut(strings.TrimPrefix(flag, "--"), "=")
		in.flags[k] = v
		rest = strings.TrimSpace(after)
	}
	in.args = rest
	if in.args == "" {
		return in, fmt.Errorf("line %d: %s without arguments", line, in.cmd)
	}
	return in, nil
}

func readRepoFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The image: built in a golang stage pinned to the Go release go.mod
// names, with cgo off; run from distroless static as its nonroot user;
// the final stage takes only what the build stage made; keel is the
// entry point; no credential in ENV, ARG or LABEL.
func TestDockerfile(t *testing.T) {
	stages, err := parseDockerfile(readRepoFile(t, "Dockerfile"))
	if err != nil {
		t.Fatalf("parseDockerfile: %v", err)
	}
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a run stage", len(stages))
	}
	build, run := stages[0], stages[len(stages)-1]

	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(readRepoFile(t, "go.mod"))
	if goVersion == nil {
		t.Fatal("go.mod has no go directive")
	}
	if want := "golang:" + goVersion[1] + "-"; !strings.HasPrefix(build.image, want) {
		t.Errorf("build stage FROM %s, want the Go release go.mod names, pinned: %s...", build.image, want)
	}
	if build.name == "" {
		t.Errorf("build stage FROM %s has no name for the run stage to copy from", build.image)
	}
	var built bool
	for _, in := range build.body {
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			built = true
			if !strings.Contains(in.args, "CGO_ENABLED=0") || !strings.Contains(in.args, "./cmd/keel") {
				t.Errorf("line %d: %s: want CGO_ENABLED=0 go build ... ./cmd/keel (a static binary)", in.line, in.args)
			}
		}
		if in.cmd == "RUN" && strings.Contains(in.args, "setcap") &&
			!regexp.MustCompile(`setcap cap_net_admin,cap_net_raw=ep /out/keel-net$`).MatchString(in.args) {
			t.Errorf("line %d: %s: file capabilities beyond CAP_NET_ADMIN and CAP_NET_RAW, or on another file than keel-net", in.line, in.args)
		}
	}
	if !built {
		t.Error("the build stage runs no go build")
	}

	if run.image != "gcr.io/distroless/static-debian12:nonroot" {
		t.Errorf("run stage FROM %s, want gcr.io/distroless/static-debian12:nonroot", run.image)
	}
	var user, entry string
	for _, in := range run.body {
		switch in.cmd {
		case "COPY":
			if in.flags["from"] != build.name {
				t.Errorf("line %d: COPY %s: the run stage copies from the build stage only (--from=%s), never the build context", in.line, in.args, build.name)
			}
		case "RUN":
			t.Errorf("line %d: RUN in the run stage: distroless has no shell", in.line)
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			entry = in.args
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "0" || u == "root" {
		t.Errorf("run stage USER %q, want a user other than root", user)
	}
	if entry != `["/usr/local/bin/keel"]` {
		t.Errorf("ENTRYPOINT %s, want [\"/usr/local/bin/keel\"] (exec form)", entry)
	}

	secretName := regexp.MustCompile(`(?i)token|secret|password|passwd|private|_key\b|\bkey\b`)
	for _, st := range stages {
		for _, in := range st.body {
			if (in.cmd == "ENV" || in.cmd == "ARG" || in.cmd == "LABEL") && secretName.MatchString(in.args) {
				t.Errorf("line %d: %s %s: a credential built into the image", in.line, in.cmd, in.args)
			}
		}
	}
}

// The build context holds the sources only: a data directory (its admin
// token and home network keys) next to them never reaches the build.
func TestDockerignore(t *testing.T) {
	var lines []string
	for l := range strings.SplitSeq(readRepoFile(t, ".dockerignore"), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 || lines[0] != "*" {
		t.Fatalf(".dockerignore starts %q, want * (everything left out, then the sources let in)", lines)
	}
	for _, l := range lines[1:] {
		if in, ok := strings.CutPrefix(l, "!"); ok && !slices.Contains([]string{"go.mod", "go.sum", "cmd/", "internal/"}, in) {
			t.Errorf(".dockerignore lets in %s: only go.mod, go.sum, cmd/ and internal/ go to the build", in)
		}
	}
}

func TestParseDockerfileRefuses(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"RUN true\n", "before the first FROM"},
		{"FROM a\nADD x y\n", `instruction "ADD"`},
		{"FROM a\nRUN echo \\\n", "continued past the end"},
		{"FROM a b c d\n", "want IMAGE [AS NAME]"},
		{"FROM a\nRUN <<EOF\n", "heredocs"},
		{"FROM a\nUSER\n", "USER without arguments"},
	} {
		if _, err := parseDockerfile(tc.text); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseDockerfile(%q) = %v, want %q", tc.text, err, tc.want)
		}
	}
	st, err := parseDockerfile("ARG V=1\nFROM golang:1 AS build\n# c\nRUN a \\\n  # inside\n  b\nFROM x\nCOPY --from=build --chown=1:1 /a /b\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 2 || st[0].name != "build" || st[0].body[0].args != "a b" || st[1].body[0].flags["from"] != "build" || st[1].body[0].flags["chown"] != "1:1" || st[1].body[0].args != "/a /b" {
		t.Errorf("parseDockerfile = %+v", st)
	}
}
