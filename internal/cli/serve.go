package cli

import (
	"context"
	"fmt"
	"net/netip"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/config"
)

func runServe(ctx context.Context, env Env, args []string) error {
	cfg, cfgPath, err := serveConfig(env, args)
	if err != nil {
		return err
	}
	secrets, err := readServeSecrets(env.Getenv)
	if err != nil {
		return err
	}
	log, err := app.NewLogger(env.Stderr, string(cfg.Log.Format), cfg.Log.Level.SlogLevel())
	if err != nil {
		return usagef("%v", err)
	}
	b := ReadBuildInfo()
	nfs := strings.Join(cfg.NFs, ",")
	gogc, setGC := gcPercent(cfg, env.Getenv)
	if setGC {
		debug.SetGCPercent(gogc)
	}
	limit, setLimit := memoryLimit(cfg, env.Getenv)
	if setLimit {
		debug.SetMemoryLimit(limit)
	}
	log.Info("keel starting", "component", "app", "version", b.Version, "commit", b.Commit, "config", configSource(cfgPath), "data", cfg.DataDir, "nf", nfs,
		"gogc", gcAttr(gogc, setGC, env.Getenv), "memory_limit", memoryLimitAttr(cfg, setLimit, env.Getenv))
	if len(cfg.NFs) == 1 && cfg.NFs[0] == "upf" {
		return app.RunUPF(ctx, cfg, app.Options{Logger: log, Version: b.Version, Commit: b.Commit})
	}
	a, err := app.New(ctx, cfg, app.Options{Logger: log, Notice: env.Stdout, Version: b.Version, Commit: b.Commit,
		AdminToken: secrets.adminToken, HomeNetworkKeys: secrets.keys})
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

// ServeConfig returns the configuration keel serve runs with when given
// args (the arguments after "serve"): the file of --config, or the
// defaults, with the flags over it, validated. It reads the file but
// starts nothing; a deployment's tests check its rendered command lines
// with it.
func ServeConfig(env Env, args []string) (config.Config, error) {
	cfg, _, err := serveConfig(env, args)
	return cfg, err
}

func serveConfig(env Env, args []string) (config.Config, string, error) {
	fs := newFlags(env, "serve", "serve [--config FILE] [--data DIR] [--log-format text|json] [--nf all|LIST] [--sbi HOST:PORT] [--nrf URL] [--api HOST:PORT] [--n2 HOST:PORT] [--n3 HOST:PORT] [--n4 HOST:PORT]")
	cfgPath := fs.String("config", "", "YAML configuration file (default: built-in defaults; see keel config default)")
	dataDir := fs.String("data", "", "data directory (overrides data_dir)")
	logFormat := fs.String("log-format", "", "text or json (overrides log.format)")
	pprof := fs.Bool("pprof", false, "serve Go profiles under /debug/pprof/ on the management port, behind the admin token (overrides http.pprof)")
	nf := fs.String("nf", "", "network functions to run, comma-separated among "+strings.Join(config.NFNames(), ", ")+", or all (overrides nfs; default all: the whole core in one process)")
	sbiAddr := fs.String("sbi", "", "HOST:PORT where this process serves its NFs' SBI services and registers them at the NRF (overrides sbi.address)")
	nrf := fs.String("nrf", "", "URL of the NRF, such as http://127.0.0.1:7777; required when --nf leaves out nrf (overrides sbi.nrf)")
	apiAddr := fs.String("api", "", "HOST:PORT of the management API, /healthz, /readyz and /metrics (overrides http.address)")
	n2Addr := fs.String("n2", "", "HOST:PORT of the AMF's NGAP listener, facing gNBs (overrides n2.address)")
	n3Addr := fs.String("n3", "", "HOST:PORT of the UPF's GTP-U endpoint, told to gNBs as the uplink tunnel endpoint (overrides n3.address)")
	n4Addr := fs.String("n4", "", "HOST:PORT of the UPF's PFCP endpoint, where the SMF associates (overrides n4.address)")
	if _, err := parseArgs(fs, args, 0, "no arguments besides flags"); err != nil {
		return config.Config{}, "", err
	}
	cfg := config.Default()
	if *cfgPath != "" {
		var err error
		if cfg, err = config.Load(*cfgPath); err != nil {
			return config.Config{}, "", err
		}
	}
	if err := serveFlags(&cfg, serveOverrides{DataDir: *dataDir, LogFormat: *logFormat, Pprof: *pprof, NF: *nf, SBI: *sbiAddr, NRF: *nrf, API: *apiAddr,
		N2: *n2Addr, N3: *n3Addr, N4: *n4Addr}); err != nil {
		return config.Config{}, "", err
	}
	if err := cfg.Validate(); err != nil {
		return config.Config{}, "", err
	}
	return cfg, *cfgPath, nil
}

// serveOverrides are the flags of keel serve that override configuration
// keys; "" and false leave the key as the file or the defaults set it.
type serveOverrides struct {
	DataDir, LogFormat string
	Pprof              bool
	NF, SBI, NRF, API  string
	N2, N3, N4         string
}

// serveFlags applies the flags to cfg. Their values are checked by
// cfg.Validate afterwards, except the syntax of addresses and of --nf,
// which is checked here so that the error names the flag.
func serveFlags(cfg *config.Config, o serveOverrides) error {
	if o.DataDir != "" {
		cfg.DataDir = o.DataDir
	}
	if o.LogFormat != "" {
		cfg.Log.Format = config.LogFormat(o.LogFormat)
	}
	if o.Pprof {
		cfg.HTTP.Pprof = true
	}
	if o.NF != "" {
		nfs, err := parseNFs(o.NF)
		if err != nil {
			return err
		}
		cfg.NFs = nfs
	}
	for _, f := range []struct {
		name, value string
		dst         *netip.AddrPort
	}{{"--sbi", o.SBI, &cfg.SBI.Address}, {"--api", o.API, &cfg.HTTP.Address},
		{"--n2", o.N2, &cfg.N2.Address}, {"--n3", o.N3, &cfg.N3.Address}, {"--n4", o.N4, &cfg.N4.Address}} {
		if f.value == "" {
			continue
		}
		ap, err := netip.ParseAddrPort(f.value)
		if err != nil {
			return usagef("%s %q: want an IP address and port such as 127.0.0.1:7777", f.name, f.value)
		}
		*f.dst = ap
	}
	if o.NRF != "" {
		cfg.SBI.NRF = o.NRF
	}
	return nil
}

// parseNFs reads --nf: all, or network function names separated by
// commas, each once.
func parseNFs(s string) ([]string, error) {
	if s == "all" {
		return config.NFNames(), nil
	}
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(config.NFNames(), f) {
			return nil, usagef("--nf %q: %q is not a network function: want all, or a comma-separated list among %s", s, f, strings.Join(config.NFNames(), ", "))
		}
		if slices.Contains(out, f) {
			return nil, usagef("--nf %q: %s is given twice", s, f)
		}
		out = append(out, f)
	}
	return out, nil
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
