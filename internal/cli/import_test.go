package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An import whose connection drops once the whole file was sent may have
// been stored: the CLI says so and how to check, naming the file's first
// SUPI. One whose connection drops while the file is still being sent was
// not, and gets no such hint.
func TestImportAnswerLost(t *testing.T) {
	const csv = "\uFEFFsupi,k,opc\r\nimsi-001010000900001,465b5ce8b199b49faa5f0a2ee238a6bc,cd63cb71954a9f4e48a5994e37a02baf\r\n"
	const js = `{"subscribers": [{"supi": "imsi-001010000900007", "k": "465b5ce8b199b49faa5f0a2ee238a6bc"}]}`
	for _, c := range []struct {
		name, file, body string
		readAll          bool
		want             []string
	}{
		{"csv read whole", "subs.csv", csv, true, []string{"may have been applied", "keel subscriber show imsi-001010000900001"}},
		{"json read whole", "subs.json", js, true, []string{"may have been applied", "keel subscriber show imsi-001010000900007"}},
		{"csv cut off", "subs.csv", csv + strings.Repeat("imsi-001010000900002,465b5ce8b199b49faa5f0a2ee238a6bc,cd63cb71954a9f4e48a5994e37a02baf\r\n", 100_000), false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c.readAll {
					io.Copy(io.Discard, r.Body)
				} else {
					io.CopyN(io.Discard, r.Body, 1024)
				}
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
			}))
			defer srv.Close()
			path := filepath.Join(t.TempDir(), c.file)
			os.WriteFile(path, []byte(c.body), 0o600)
			var stdout, stderr bytes.Buffer
			env := Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string {
				return map[string]string{"KEEL_API": srv.URL, "KEEL_TOKEN": strings.Repeat("t", 43)}[k]
			}}
			if code := Main(context.Background(), env, []string{"subscriber", "import", path}); code == 0 {
				t.Fatalf("import with the connection dropped: exit 0")
			}
			msg := stderr.String()
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("import with the connection dropped says %q, want it to say %q", msg, w)
				}
			}
			if c.want == nil && (strings.Contains(msg, "may have been applied") || msg == "") {
				t.Errorf("import cut off while sending says %q, want an error without the claim it may have been applied", msg)
			}
		})
	}
}
