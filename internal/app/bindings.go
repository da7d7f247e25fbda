package app

import (
	"context"
	"errors"
	"sync"

	"github.com/keelcore/keel/internal/config"
	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/sbi/selection"
	"github.com/keelcore/keel/internal/sbihttp"
	"github.com/keelcore/keel/internal/sbihttp/nausf"
	"github.com/keelcore/keel/internal/sbihttp/nudm"
	"github.com/keelcore/keel/internal/sbihttp/nudr"
)

// httpBindings are the HTTP/2 clients of the services, for the consumer
// NF instance consumer of a process whose SBI is p (nil when only the
// reach of the bindings is asked): the NFs of another process that a
// process can reach through them. The clients of the session management
// services name p's callbacks for their notifications.
func httpBindings(cfg config.Config, consumer string, p *sbiPlane) bindings {
	home := cfg.PLMN
	b := bindings{
		NSSF: func(c *sbihttp.Client, _ string) sbi.NSSF { return sbihttp.NewNSSFClient(c) },
		AUSF: func(c *sbihttp.Client, _ string) sbi.NausfUEAuthentication { return nausf.NewClient(c) },
		UDM:  func(c *sbihttp.Client, _ string) sbi.UDM { return nudm.NewClient(c, consumer) },
		UDR:  func(c *sbihttp.Client, _ string) sbi.NudrDataRepository { return nudr.NewClient(c, home) },
	}
	var cb *sbihttp.Callbacks
	var owners *policyOwners
	if p != nil {
		cb, owners = p.callbacks, p.policies
	}
	me := sbihttp.Consumer{NFInstanceID: consumer, PLMN: home}
	b.SMF = func(c *sbihttp.Client, _ string) sbi.NsmfPDUSession { return sbihttp.NewNsmfClient(c, cb, me) }
	b.AMF = func(c *sbihttp.Client, _ string) sbi.NamfCommunication { return sbihttp.NewNamfClient(c, cb) }
	b.PCF = func(c *sbihttp.Client, id string) sbi.NpcfSMPolicyControl {
		return trackedPCF{NpcfSMPolicyControl: sbihttp.NewNpcfClient(c, cb), instance: id, owners: owners}
	}
	return b
}

// policyOwners maps the URI of each SM policy association a PCF of
// another process created for this process's SMF to that PCF's instance
// ID: the PCF's notifications name the association by its URI alone
// (resourceUri, TS 29.512 §4.2.3.2), and the SMF knows it by the ID
// selection gave it, the PCF's instance ID in front.
//
// Concurrency: safe for concurrent use. An entry lives from the
// association's creation to its deletion.
type policyOwners struct {
	mu sync.Mutex
	m  map[string]string
}

func newPolicyOwners() *policyOwners { return &policyOwners{m: map[string]string{}} }

// trackedPCF is a PCF of another process that records its associations
// in owners.
type trackedPCF struct {
	sbi.NpcfSMPolicyControl
	instance string
	owners   *policyOwners
}

func (t trackedPCF) Create(ctx context.Context, req sbi.SmPolicyContextData) (sbi.SmPolicyDecision, error) {
	pol, err := t.NpcfSMPolicyControl.Create(ctx, req)
	if err == nil && t.owners != nil {
		t.owners.mu.Lock()
		t.owners.m[pol.ID] = t.instance
		t.owners.mu.Unlock()
	}
	return pol, err
}

func (t trackedPCF) Delete(ctx context.Context, id string) error {
	err := t.NpcfSMPolicyControl.Delete(ctx, id)
	if t.owners != nil && (err == nil || errors.Is(err, sbi.ErrPolicyNotFound)) {
		t.owners.mu.Lock()
		delete(t.owners.m, id)
		t.owners.mu.Unlock()
	}
	return err
}

// remotePolicies delivers the notifications of PCFs of other processes
// (received on the process's callbacks) to the SMF under the IDs
// selection gave it.
type remotePolicies struct {
	owners *policyOwners
	smf    sbi.NpcfSMPolicyNotifier
}

func (r remotePolicies) SMPolicyUpdated(ctx context.Context, pol sbi.SmPolicyDecision) error {
	r.owners.mu.Lock()
	instance, ok := r.owners.m[pol.ID]
	r.owners.mu.Unlock()
	if !ok {
		return sbi.ErrPolicyNotFound
	}
	return selection.PolicyNotifier(instance, r.smf).SMPolicyUpdated(ctx, pol)
}

// pcfNotifier delivers a PCF's notifications: over HTTP/2 for the
// associations an SMF of another process created (the PCF's server
// knows their notificationUri), else to the SMF of this process.
type pcfNotifier struct {
	http  *sbihttp.NpcfServer
	local sbi.NpcfSMPolicyNotifier // nil without an SMF here
}

func (n pcfNotifier) SMPolicyUpdated(ctx context.Context, pol sbi.SmPolicyDecision) error {
	err := n.http.SMPolicyUpdated(ctx, pol)
	if errors.Is(err, sbi.ErrPolicyNotFound) && n.local != nil {
		return n.local.SMPolicyUpdated(ctx, pol)
	}
	return err
}
