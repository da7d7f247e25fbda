package app

import (
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbihttp"
)

// httpBindings are the HTTP/2 clients of the services Keel has a binding
// for: the NFs of another process that a process can reach through them.
// A service without one can be consumed only in the process of its NF.
func httpBindings() bindings {
	return bindings{
		NSSF: func(c *sbihttp.Client) sbi.NSSF { return sbihttp.NewNSSFClient(c) },
	}
}
