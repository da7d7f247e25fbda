package webbuild

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// Build builds the console from the web/ directory webDir and returns the
// files of dist/ by name ("main.js", "index.html", ...).
//
// The esbuild options mirror web/package.json's build script:
//
//	esbuild src/main.js src/main.css --bundle --minify --format=esm
//	  --target=es2020 --legal-comments=none --charset=utf8 --outdir=<dist>
func Build(webDir string) (map[string][]byte, error) {
	abs, err := filepath.Abs(webDir)
	if err != nil {
		return nil, fmt.Errorf("webbuild: %w", err)
	}
	const outdir = "/dist" // not written: Write is false; only the names are kept
	res := api.Build(api.BuildOptions{
		AbsWorkingDir:     abs,
		EntryPoints:       []string{"src/main.js", "src/main.css"},
		Bundle:            true,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		Format:            api.FormatESModule,
		Target:            api.ES2020,
		LegalComments:     api.LegalCommentsNone,
		Charset:           api.CharsetUTF8,
		Outdir:            outdir,
		Write:             false,
		LogLevel:          api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		msgs := api.FormatMessages(res.Errors, api.FormatMessagesOptions{Kind: api.ErrorMessage})
		return nil, errors.New("webbuild: esbuild: " + strings.TrimSpace(strings.Join(msgs, "")))
	}
	// The files of web/ copied to dist/ unchanged.
	static := []string{"index.html", "favicon.svg"}
	out := make(map[string][]byte, len(res.OutputFiles)+len(static))
	for _, f := range res.OutputFiles {
		rel, err := filepath.Rel(outdir, f.Path)
		if err != nil || strings.Contains(rel, "..") {
			return nil, fmt.Errorf("webbuild: esbuild wrote %s outside its output directory", f.Path)
		}
		out[filepath.ToSlash(rel)] = f.Contents
	}
	for _, name := range static {
		b, err := os.ReadFile(filepath.Join(abs, name))
		if err != nil {
			return nil, fmt.Errorf("webbuild: %w", err)
		}
		out[name] = b
	}
	return out, nil
}
