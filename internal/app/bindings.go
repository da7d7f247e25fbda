package app

import (
	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/nausf"
	"github.com/keelcore/keel/internal/sbihttp/nudm"
	"github.com/keelcore/keel/internal/sbihttp/nudr"
)

// httpBindings are the HTTP/2 clients of the services Keel has a binding
// for, for the consumer NF instance consumer: the NFs of another process
// that a process can reach through them. A service without one can be
// consumed only in the process of its NF.
func httpBindings(cfg config.Config, consumer string) bindings {
	home := cfg.PLMN
	return bindings{
		NSSF: func(c *sbihttp.Client) sbi.NSSF { return sbihttp.NewNSSFClient(c) },
		AUSF: func(c *sbihttp.Client) sbi.NausfUEAuthentication { return nausf.NewClient(c) },
		UDM:  func(c *sbihttp.Client) sbi.UDM { return nudm.NewClient(c, consumer) },
		UDR:  func(c *sbihttp.Client) sbi.NudrDataRepository { return nudr.NewClient(c, home) },
	}
}
