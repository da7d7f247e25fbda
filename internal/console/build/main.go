// Command build writes the operator console's assets: it builds web/
// with esbuild's Go API (package webbuild) into internal/console/dist/,
// replacing what is there. Run it from the repository's root after
// changing web/:
//
//	go run ./internal/console/build
//
// internal/console's TestAssetsUpToDate fails until the committed dist/
// matches the sources.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/keelcore/keel/internal/console/webbuild"
)

func main() {
	web := flag.String("web", "web", "the console's source directory")
	dist := flag.String("dist", "internal/console/dist", "the directory to write")
	flag.Parse()
	if err := run(*web, *dist); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(web, dist string) error {
	files, err := webbuild.Build(web)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dist); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		p := filepath.Join(dist, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return err
		}
		fmt.Printf("%s\t%d bytes\n", strings.TrimPrefix(p, "./"), len(files[name]))
	}
	return nil
}
