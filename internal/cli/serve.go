package cli

import (
	"context"
	"fmt"

	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/config"
)

func runServe(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "serve", "serve [--config FILE] [--data DIR] [--log-format text|json] [--nf all|upf]")
	cfgPath := fs.String("config", "", "YAML configuration file (default: built-in defaults; see keel config default)")
	dataDir := fs.String("data", "", "data directory (overrides data_dir)")
	logFormat := fs.String("log-format", "", "text or json (overrides log.format)")
	pprof := fs.Bool("pprof", false, "serve Go profiles under /debug/pprof/ on the management port, behind the admin token (overrides http.pprof)")
	nf := fs.String("nf", "all", "network functions to run: all (the whole core) or upf (the UPF alone: N4, N3, N6, with /healthz and /metrics)")
	_, err := parseArgs(fs, args, 0, "no arguments besides flags")
	if err != nil {
		return err
	}
	cfg := config.Default()
	if *cfgPath != "" {
		if cfg, err = config.Load(*cfgPath); err != nil {
			return err
		}
	}
	if *dataDir != "" {
		cfg.DataDir = *dataDir
	}
	if *logFormat != "" {
		cfg.Log.Format = config.LogFormat(*logFormat)
	}
	if *pprof {
		cfg.HTTP.Pprof = true
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if *nf != "all" && *nf != "upf" {
		return usagef("--nf %q: want all or upf", *nf)
	}
	log, err := app.NewLogger(env.Stderr, string(cfg.Log.Format), cfg.Log.Level.SlogLevel())
	if err != nil {
		return usagef("%v", err)
	}
	b := ReadBuildInfo()
	log.Info("keel starting", "component", "app", "version", b.Version, "commit", b.Commit, "config", configSource(*cfgPath), "data", cfg.DataDir, "nf", *nf)
	if *nf == "upf" {
		return app.RunUPF(ctx, cfg, app.Options{Logger: log, Version: b.Version, Commit: b.Commit})
	}
	a, err := app.New(ctx, cfg, app.Options{Logger: log, Notice: env.Stdout, Version: b.Version, Commit: b.Commit})
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

func configSource(path string) string {
	if path == "" {
		return "built-in defaults"
	}
	return path
}

func runConfig(_ context.Context, env Env, args []string) error {
	const usage = "config check FILE | config default"
	if len(args) == 0 {
		return usagef("config: want a subcommand: %s", usage)
	}
	switch args[0] {
	case "check":
		fs := newFlags(env, "config check", "config check FILE")
		pos, err := parseArgs(fs, args[1:], 1, "one configuration file")
		if err != nil {
			return err
		}
		if _, err := config.Load(pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s: ok\n", pos[0])
		return nil
	case "default":
		fs := newFlags(env, "config default", "config default")
		if _, err := parseArgs(fs, args[1:], 0, "no arguments"); err != nil {
			return err
		}
		_, err := env.Stdout.Write(config.DefaultYAML())
		return err
	case "-h", "--help":
		fmt.Fprintln(env.Stderr, "Usage: keel "+usage)
		return nil
	}
	return usagef("config: unknown subcommand %q: want %s", args[0], usage)
}
