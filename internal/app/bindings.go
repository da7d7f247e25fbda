package app

import (
	"github.com/keelcore/keel/internal/amf"
	"github.com/keelcore/keel/internal/ausf"
	"github.com/keelcore/keel/internal/pcf"
	"github.com/keelcore/keel/internal/smf"
	"github.com/keelcore/keel/internal/udm"
	"github.com/keelcore/keel/internal/udr"
)

// httpBindings are the HTTP/2 clients of the services, for the NFs of
// other processes.
func httpBindings() bindings {
	return bindings{}
}

// serveUDR and the others register an NF's services on the SBI server
// of a split process; in a process running every NF they do nothing.
func (a *App) serveUDR(r *udr.UDR) {}

func (a *App) serveUDM(m *udm.UDM) {}

func (a *App) serveAUSF(s *ausf.AUSF) {}

func (a *App) servePCF(p *pcf.PCF) {}

func (a *App) serveSMF(s *smf.SMF) {}

func (a *App) serveAMF(m *amf.AMF) {}
