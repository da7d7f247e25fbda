package deploytest

import (
	"bytes"
	"strings"

	"github.com/keelcore/keel/internal/cli"
	"github.com/keelcore/keel/internal/config"
)

// loadConfig loads a configuration file as keel serve --config does.
func loadConfig(path string) error {
	_, err := config.Load(path)
	return err
}

// serveNFs returns the NFs keel serve would run with args (after
// "serve"), having loaded and validated its configuration as it does
// before it starts anything.
func serveNFs(args []string) ([]string, error) {
	var stderr bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &stderr, Getenv: func(string) string { return "" }}
	cfg, err := cli.ServeConfig(env, args)
	if err != nil {
		return nil, err
	}
	return cfg.NFs, nil
}

func allNFs() []string { return config.NFNames() }
