package sbi

import (
	"context"
	"github.com/keelcore/keel/internal/ident"
	"net/netip"
	"strings"
)

// NFType is the type of a network function (TS 29.510 §6.1.6.3.3 NFType).
type NFType string

// The NF types Keel runs.
const (
	NFTypeNRF  NFType = "NRF"
	NFTypeNSSF NFType = "NSSF"
	NFTypeAMF  NFType = "AMF"
	NFTypeSMF  NFType = "SMF"
	NFTypeUPF  NFType = "UPF"
	NFTypeAUSF NFType = "AUSF"
	NFTypeUDM  NFType = "UDM"
	NFTypeUDR  NFType = "UDR"
	NFTypePCF  NFType = "PCF"
)

// Directory is how an NF obtains the peers it consumes (TS 23.501 §6.3,
// network function and network function service discovery and
// selection): in one process a Static directory of the NFs built there;
// when NFs run apart, the NRF's Nnrf_NFDiscovery (TS 29.510 §5.3) with
// HTTP/2 clients for the instances it answers.
//
// Each method answers the instances able to serve the query, most
// preferred first (a lower NF profile priority, then the query's
// locality), and ErrNoInstance when there are none. An instance is a
// Peer: its NF instance ID and the service to call it through.
type Directory interface {
	// AMFs serve Namf_Communication (for the SMF, TS 23.502 §4.2.3.3).
	AMFs(ctx context.Context, q Query) ([]Peer[NamfCommunication], error)
	// SMFs serve Nsmf_PDUSession for q.SNSSAI and q.DNN (TS 23.501
	// §6.3.2: the AMF selects the SMF by S-NSSAI and DNN).
	SMFs(ctx context.Context, q Query) ([]Peer[NsmfPDUSession], error)
	// AUSFs serve Nausf_UEAuthentication for q.SUPI or the routing
	// indicator of a SUCI (TS 23.501 §6.3.4).
	AUSFs(ctx context.Context, q Query) ([]Peer[NausfUEAuthentication], error)
	// UDMs serve the UDM's services for q.SUPI or a SUCI's routing
	// indicator (TS 23.501 §6.3.8).
	UDMs(ctx context.Context, q Query) ([]Peer[UDM], error)
	// UDRs serve Nudr_DataRepository for q.SUPI (TS 23.501 §6.3.9).
	UDRs(ctx context.Context, q Query) ([]Peer[NudrDataRepository], error)
	// PCFs serve Npcf_SMPolicyControl for the session's q.DNN and
	// q.SNSSAI (TS 23.501 §6.3.7.1).
	PCFs(ctx context.Context, q Query) ([]Peer[NpcfSMPolicyControl], error)
	// NSSFs serve Nnssf_NSSelection and Nnssf_NSSAIAvailability (for the
	// AMF, TS 23.502 §4.2.2.2.3 step 3; TS 23.501 §6.3.14).
	NSSFs(ctx context.Context, q Query) ([]Peer[NSSF], error)
	// UPFs answer the N4 (PFCP) addresses of the UPFs serving q.DNN and
	// q.SNSSAI, those of q.Locality first (TS 23.501 §6.3.3.2).
	UPFs(ctx context.Context, q Query) ([]Peer[netip.AddrPort], error)
}

// UDM is the UDM's services together: one instance serves a SUPI's
// authentication, subscriber data and context management.
type UDM interface {
	NudmUEAuthentication
	NudmSDM
	NudmUECM
}

// Peer is one NF instance a directory answers.
type Peer[T any] struct {
	// ID is the NF instance ID (TS 29.571 NfInstanceId).
	ID      string
	Service T
}

// Query is what a consumer selects peers by: the query parameters of
// Nnrf_NFDiscovery it uses (TS 29.510 §6.2.3.2.3.1). Zero fields do not
// restrict.
type Query struct {
	// InstanceID asks for one instance (target-nf-instance-id).
	InstanceID string
	// SUPI (supi) and RoutingIndicator (routing-indicator, from a SUCI,
	// TS 23.003 §2.2B) select the home NFs serving a subscriber.
	SUPI             string
	RoutingIndicator string
	// SNSSAI (snssais) and DNN (dnn) select the SMF, PCF and UPF of a
	// session.
	SNSSAI *ident.SNSSAI
	DNN    string
	// Locality prefers the instances of a location
	// (preferred-locality); instances elsewhere still qualify.
	Locality string
}

// Profile is what a directory matches a query against: the parts of an
// NF profile (TS 29.510 §6.1.6.2.2 NFProfile, with its smfInfo, upfInfo,
// ausfInfo, udmInfo, udrInfo and pcfInfo) selection uses.
type Profile struct {
	Type       NFType
	InstanceID string
	// SNSSAIs (sNssais) and DNNs (the dnn lists of smfInfo, upfInfo and
	// pcfInfo): empty serves every slice and every DNN.
	SNSSAIs []ident.SNSSAI
	DNNs    []string
	// SUPIRanges (supiRanges) and RoutingIndicators (routingIndicators)
	// of the home NFs: both empty serves every subscriber.
	SUPIRanges        []SUPIRange
	RoutingIndicators []string
	Locality          string
	// Priority orders instances that qualify alike: lower first
	// (TS 29.510 NFProfile priority, 0 to 65535).
	Priority uint16
}

// SUPIRange is a range of SUPIs (TS 29.510 §6.1.6.2.10 SupiRange): the
// IMSI digits from Start to End, of the same length, inclusive.
type SUPIRange struct {
	Start, End string
}

// Contains reports whether supi ("imsi-" and digits) is in the range.
func (r SUPIRange) Contains(supi string) bool {
	d, ok := strings.CutPrefix(supi, "imsi-")
	if !ok || len(d) != len(r.Start) || len(d) != len(r.End) {
		return false
	}
	return d >= r.Start && d <= r.End
}

// Matches reports whether an instance of profile p may serve q.
func (p Profile) Matches(q Query) bool {
	if q.InstanceID != "" && q.InstanceID != p.InstanceID {
		return false
	}
	if q.SNSSAI != nil && len(p.SNSSAIs) > 0 && !containsSNSSAI(p.SNSSAIs, *q.SNSSAI) {
		return false
	}
	if q.DNN != "" && len(p.DNNs) > 0 && !containsFold(p.DNNs, q.DNN) {
		return false
	}
	if len(p.SUPIRanges) == 0 && len(p.RoutingIndicators) == 0 {
		return true
	}
	switch {
	case q.SUPI != "":
		for _, r := range p.SUPIRanges {
			if r.Contains(q.SUPI) {
				return true
			}
		}
		return false
	case q.RoutingIndicator != "":
		for _, ri := range p.RoutingIndicators {
			if ri == q.RoutingIndicator {
				return true
			}
		}
		// TS 23.501 §6.3.4: a SUCI whose routing indicator no AUSF
		// claims goes to one serving its SUPI ranges, which an instance
		// without routing indicators may be.
		return len(p.RoutingIndicators) == 0
	}
	return true
}

func containsSNSSAI(list []ident.SNSSAI, s ident.SNSSAI) bool {
	s = s.Canonical()
	for _, x := range list {
		if x.Canonical() == s {
			return true
		}
	}
	return false
}

// containsFold: DNNs compare without regard to case (TS 23.003 §9.1).
func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
