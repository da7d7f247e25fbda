package cli

import (
	"context"

	"github.com/keelcore/keel/internal/app"
	"github.com/keelcore/keel/internal/config"
)

const nrfUsage = `nrf public-key [--config FILE] [--data DIR]

Prints the NRF's public key (PEM), with which the NFs of other
processes check the NRF's access tokens (sbi.oauth2.nrf_key, TS 33.501
§13.4.1.2). The key is the one keel serve running the nrf signs with:
the file sbi.oauth2.signing_key names, else the one in the data
directory, made now (mode 0600) if there is none yet, so the public key
can be handed to the other processes before the NRF first starts.`

func runNRF(ctx context.Context, env Env, args []string) error {
	return runGroup(ctx, env, args, "nrf", nrfUsage, subcommand{"public-key", nrfPublicKey})
}

func nrfPublicKey(_ context.Context, env Env, args []string) error {
	fs := newFlags(env, "nrf public-key", "nrf public-key [--config FILE] [--data DIR]")
	cfgPath := fs.String("config", "", "YAML configuration file of the NRF's process (default: built-in defaults)")
	dataDir := fs.String("data", "", "data directory (overrides data_dir)")
	if _, err := parseArgs(fs, args, 0, "no arguments besides flags"); err != nil {
		return err
	}
	cfg := config.Default()
	if *cfgPath != "" {
		var err error
		if cfg, err = config.Load(*cfgPath); err != nil {
			return err
		}
	}
	if *dataDir != "" {
		cfg.DataDir = *dataDir
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	k, err := app.NRFSigningKey(cfg, nil)
	if err != nil {
		return err
	}
	pem, err := k.Public().PEM()
	if err != nil {
		return err
	}
	_, err = env.Stdout.Write(pem)
	return err
}
