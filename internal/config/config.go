package config

import (
	"log/slog"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"github.com/keelcore/keel/internal/ident"
	"github.com/keelcore/keel/internal/sbi"
)

// Config is the whole configuration of `keel serve`. The yaml tags are the
// keys of the configuration file; DefaultYAML documents each of them.
//
// A Config from Load, Parse or Default has passed Validate. One built by
// hand should be validated before use.
type Config struct {
	// NFs are the network functions this process runs, among NFNames();
	// all of them by default (one process holds the whole core).
	NFs []string `yaml:"nfs"`
	// SBI is where this process serves its NFs' services and finds the
	// NFs it does not run.
	SBI SBI `yaml:"sbi"`
	// PLMN is the identity of the network the core serves (TS 23.003
	// §2.2), read from the keys mcc and mnc.
	PLMN ident.PLMN `yaml:"plmn"`
	// TACs are the tracking area codes the AMF serves, 24 bits each
	// (TS 23.003 §28.6).
	TACs []uint32 `yaml:"tacs"`
	// Slices are the S-NSSAIs the core supports.
	Slices []Slice `yaml:"slices"`
	AMF    AMF     `yaml:"amf"`
	// DNNs are the data networks the SMF offers.
	DNNs []DNN `yaml:"dnns"`
	N2   N2    `yaml:"n2"`
	N4   N4    `yaml:"n4"`
	N3   N3    `yaml:"n3"`
	UPF  UPF   `yaml:"upf"`
	SMF  SMF   `yaml:"smf"`
	HTTP HTTP  `yaml:"http"`
	// DataDir holds the subscriber store and other state kept across
	// restarts. A relative path is relative to the working directory.
	DataDir string `yaml:"data_dir"`
	// Store chooses the subscriber store's engine.
	Store Store `yaml:"store"`
	Log   Log   `yaml:"log"`
	// MemoryLimit is the Go runtime's soft memory limit for the process
	// (runtime/debug.SetMemoryLimit), set by keel serve at start: the
	// collector works harder as the heap nears it instead of letting
	// the process grow past it. 0 leaves the runtime's default (no
	// limit). The GOMEMLIMIT environment variable, when set, wins.
	MemoryLimit ByteSize `yaml:"memory_limit"`
}

// NFNames returns the network functions `keel serve` can run, in the
// order they start.
func NFNames() []string {
	return []string{"nrf", "nssf", "udr", "udm", "ausf", "pcf", "upf", "smf", "amf"}
}

// Runs reports whether the process runs the network function nf.
func (c Config) Runs(nf string) bool {
	for _, n := range c.NFs {
		if n == nf {
			return true
		}
	}
	return false
}

// AllInOne reports whether the process runs every network function, so
// that they call one another directly and need no SBI listener.
func (c Config) AllInOne() bool {
	for _, n := range NFNames() {
		if !c.Runs(n) {
			return false
		}
	}
	return true
}

// SBI is this process's place on the service-based interface
// (TS 29.500, TS 29.501), used when it runs some of the network
// functions only.
type SBI struct {
	// Address is where the process serves its NFs' services over HTTP/2
	// and what it registers at the NRF (the NF profile's address), so it
	// must be a specific address. Port 0 picks a free port. A process
	// running every NF opens no SBI listener.
	Address netip.AddrPort `yaml:"address"`
	// NRF is the URL of the NRF (such as http://127.0.0.1:7777), where
	// the process registers its NFs and discovers the others; required
	// when the process does not run the NRF itself.
	NRF string `yaml:"nrf"`
	// Locality is where this process's NFs are (TS 29.510 NFProfile
	// locality): registered with their profiles, and preferred when they
	// select peers (a UPF of the same locality, TS 23.501 §6.3.3).
	Locality string `yaml:"locality"`
	// Timeout bounds each SBI request this process sends, one attempt
	// at one instance (TS 29.500 §6.11).
	Timeout time.Duration `yaml:"timeout"`
	// TLS, when Certificate is set, makes the SBI speak HTTP/2 over TLS
	// (TS 33.501 §13.1) instead of h2c.
	TLS SBITLS `yaml:"tls"`
	// OAuth2 switches on the access tokens of TS 33.501 §13.4.1 on this
	// process's SBI.
	OAuth2 SBIOAuth2 `yaml:"oauth2"`
}

// SBIOAuth2 is OAuth 2.0 authorization of NF service access (TS 33.501
// §13.4.1, TS 29.510 §5.4): the NRF signs access tokens, every SBI
// server of a process checks them, every SBI client gets them from the
// NRF. A process running every NF has no SBI on the wire and ignores it.
type SBIOAuth2 struct {
	// Enabled switches the tokens on. Off by default: the producers
	// need a copy of the NRF's public key (NRFKey), a step of the
	// deployment.
	Enabled bool `yaml:"enabled"`
	// SigningKey is the NRF's private key, a PEM file (P-256, PKCS #8
	// or SEC 1, readable by its owner only); used by the process
	// running the NRF. "" keeps the key in data_dir
	// (accesstoken.SigningKeyFile), made on the NRF's first start.
	SigningKey string `yaml:"signing_key"`
	// NRFKey is the NRF's public key, a PEM file (as `keel nrf
	// public-key` prints it), with which this process's producers
	// check tokens; required with Enabled unless the process runs the
	// NRF, which uses its own (and checks that NRFKey, when given, is
	// its public half).
	NRFKey string `yaml:"nrf_key"`
}

// SBITLS is the TLS of the SBI (TS 33.501 §13.1): the process's
// certificate, with which it serves and, with Mutual, authenticates as a
// client too, and the CA its peers' certificates are checked against.
type SBITLS struct {
	// Certificate and Key are PEM files; both or neither.
	Certificate string `yaml:"certificate"`
	Key         string `yaml:"key"`
	// CA is a PEM file of the certificates that sign the peers'; ""
	// uses the system's.
	CA string `yaml:"ca"`
	// Mutual requires a client certificate signed by CA from every
	// peer (mutual TLS) and presents Certificate to servers.
	Mutual bool `yaml:"mutual"`
}

// Slice is one S-NSSAI (TS 23.003 §28.4.2).
type Slice struct {
	SST uint8 `yaml:"sst"`
	// SD is the slice differentiator as 6 hex digits, or "" for none.
	SD string `yaml:"sd"`
}

// SNSSAI returns the slice as an S-NSSAI, without an SD when SD is empty
// or malformed; Validate refuses the malformed ones.
func (s Slice) SNSSAI() ident.SNSSAI {
	out := ident.SNSSAI{SST: s.SST}
	if len(s.SD) != 6 {
		return out
	}
	if v, err := strconv.ParseUint(s.SD, 16, 32); err == nil {
		out.SD, out.HasSD = uint32(v), true
	}
	return out
}

// AMF names the AMF and gives the parts of its GUAMI (TS 23.003 §2.10.1).
// AMFDeadlines are the deadlines of the AMF's SBI calls by procedure.
type AMFDeadlines struct {
	// Authentication bounds each Nausf_UEAuthentication call (default
	// 5 s), Subscription each Nudm_UECM, Nudm_SDM and Nnssf_NSSelection
	// call of a registration (default 5 s): both below the UE's T3510
	// (15 s, TS 24.501 §10.2), so that the UE hears the back-off before
	// it gives up. Session bounds each Nsmf_PDUSession call the AMF makes
	// for a PDU session establishment (default 15 s: the SMF may itself
	// wait for the UPF). Reactivation bounds the SMF's answers to the
	// UpdateSMContext ACTIVATING a Service Request or registration
	// update waits for (default 5 s, below the UE's T3517 and T3510, 15
	// s): past it the accept marks the session not reactivated (#92).
	Authentication time.Duration `yaml:"authentication"`
	Subscription   time.Duration `yaml:"subscription"`
	Session        time.Duration `yaml:"session"`
	Reactivation   time.Duration `yaml:"reactivation"`
}

type AMF struct {
	// Name is sent to gNBs as the AMF Name in NG Setup Response
	// (TS 38.413 §9.3.3.21).
	Name     string `yaml:"name"`
	RegionID uint8  `yaml:"region_id"`
	// SetID has 10 bits.
	SetID uint16 `yaml:"set_id"`
	// Pointer has 6 bits.
	Pointer uint8 `yaml:"pointer"`
	// BackupAMFName is the name (amf.name) of the AMF instance of the
	// same AMF set that takes this instance's GUAMI over if it fails,
	// sent to gNBs with the GUAMI in NG Setup Response (TS 38.413
	// §8.7.1.2, §9.2.6.2; TS 23.501 §5.21.2.3); "" sends none, and gNBs
	// pick any AMF of the set.
	BackupAMFName string `yaml:"backup_amf_name"`
	// Integrity and Ciphering list the NAS algorithms the AMF may select,
	// most preferred first (TS 33.501 §5.11.1.1): NIA1..NIA3 (NIA0 is
	// refused outside emergency services, TS 24.501 §5.4.2.2) and
	// NEA0..NEA3.
	Integrity []string `yaml:"integrity"`
	Ciphering []string `yaml:"ciphering"`
	// T3512 is the periodic registration update timer sent in
	// Registration Accept (TS 24.501 §10.2, default 54 minutes).
	T3512 time.Duration `yaml:"t3512"`
	// T3513 is the paging retransmission timer (TS 24.501 §10.2,
	// network dependent; default 4 s) and PagingAttempts the Paging
	// messages one paging of an idle UE sends before the N1N2 transfers
	// waiting for it fail (default 3).
	T3513          time.Duration `yaml:"t3513"`
	PagingAttempts uint32        `yaml:"paging_attempts"`
	// MobileReachable is the mobile reachable timer, started when a
	// registered UE goes idle (TS 24.501 §5.3.7); 0 means T3512 + 4
	// minutes, its default there. ImplicitDeregistration runs after it
	// (network dependent; default 4 minutes): an idle UE is not paged
	// meanwhile and is implicitly deregistered on its expiry.
	MobileReachable        time.Duration `yaml:"mobile_reachable"`
	ImplicitDeregistration time.Duration `yaml:"implicit_deregistration"`
	// MaxRegistering bounds the UEs registering at once; beyond it new
	// registrations get 5GMM cause #22 with a back-off and the gNBs an
	// NGAP Overload Start (TS 24.501 §5.3.9, TS 38.413 §8.7.6).
	MaxRegistering uint32 `yaml:"max_registering"`
	// Deadlines bound the AMF's calls to the other NFs per procedure,
	// each from when it is issued; past its deadline a call has failed
	// (a registration gets #22 with a back-off, TS 24.501 §5.5.1.2.5).
	Deadlines AMFDeadlines `yaml:"deadlines"`
	// T3502 is sent in Registration Accept: how long a UE whose
	// registration attempts failed waits before trying again (TS 24.501
	// §5.5.1.2.7, §10.2, default 12 minutes). GPRS timer 2: up to 186
	// minutes.
	T3502 time.Duration `yaml:"t3502"`
	// IMSVoiceOverPS sets the IMS-VoPS-3GPP bit of the 5GS network feature
	// support in Registration Accept (TS 24.501 §9.11.3.5): whether UEs may
	// place IMS voice calls over their PDU sessions. Off by default.
	IMSVoiceOverPS bool `yaml:"ims_voice_over_ps"`
	// EmergencyServices sets the EMC indicator of the 5GS network feature
	// support ("emergency services supported in NR connected to 5GCN",
	// TS 24.501 §9.11.3.5). Off by default.
	EmergencyServices bool `yaml:"emergency_services"`
	// EmergencyNumbers is the emergency number list sent in Registration
	// Accept (TS 24.501 §9.11.3.23); empty sends none.
	EmergencyNumbers []EmergencyNumber `yaml:"emergency_numbers"`
	// ServiceAreaTACs are the tracking areas of the PLMN a UE is allowed
	// service in, sent as the service area list (TS 24.501 §9.11.3.49,
	// allowed area); empty sends none: every tracking area is allowed.
	ServiceAreaTACs []uint32 `yaml:"service_area_tacs"`
	// NITZ sends every UE, once its initial registration is complete, a
	// CONFIGURATION UPDATE COMMAND with NetworkName, the universal time
	// and TimeZone (TS 24.501 §5.4.4.2, TS 22.042). On by default.
	NITZ bool `yaml:"nitz"`
	// NetworkName is the network's full and short names (TS 24.501
	// §9.11.3.35) sent with NITZ; "Keel" by default. An empty name is
	// not sent.
	NetworkName NetworkName `yaml:"network_name"`
	// TimeZone is the IANA name of the local time zone sent with NITZ
	// (TS 24.501 §9.11.3.52, §9.11.3.19), e.g. "Europe/Paris"; "UTC" by
	// default. Keel carries the time zone database, so the name resolves
	// without the host's.
	TimeZone string `yaml:"time_zone"`
	// ReleaseAfterRegistration releases a UE's N2 connection at the end of
	// a registration when the UE set no follow-on request and nothing else
	// needs the connection (TS 24.501 §5.5.1.2.4, §5.5.1.3.4). On by
	// default; off keeps the connection until the gNB releases it.
	ReleaseAfterRegistration bool `yaml:"release_after_registration"`
}

// NetworkName is the network's full and short names (TS 24.501
// §9.11.3.35, TS 24.008 §10.5.3.5a).
type NetworkName struct {
	Full  string `yaml:"full"`
	Short string `yaml:"short"`
}

// EmergencyNumber is one entry of the emergency number list
// (TS 24.008 §10.5.3.13).
type EmergencyNumber struct {
	// Number is 1 to 20 decimal digits.
	Number string `yaml:"number"`
	// Categories are the emergency services the number reaches: police,
	// ambulance, fire, marine, mountain (TS 24.008 table 10.5.135d);
	// empty leaves the category to the UE.
	Categories []string `yaml:"categories"`
}

// EmergencyCategory returns the bit of a named emergency service category
// in the emergency service category value (TS 24.008 table 10.5.135d).
func EmergencyCategory(name string) (uint8, bool) {
	switch name {
	case "police":
		return 1 << 0, true
	case "ambulance":
		return 1 << 1, true
	case "fire":
		return 1 << 2, true
	case "marine":
		return 1 << 3, true
	case "mountain":
		return 1 << 4, true
	}
	return 0, false
}

// CategoryBits returns the emergency service category value of the
// entry's categories; names Validate refuses count for nothing.
func (e EmergencyNumber) CategoryBits() uint8 {
	var v uint8
	for _, c := range e.Categories {
		b, _ := EmergencyCategory(c)
		v |= b
	}
	return v
}

// NASAlgorithm returns the number of an algorithm name such as "NIA2"
// or "NEA0" (TS 33.501 §5.11.1.1).
func NASAlgorithm(name string) (uint8, bool) {
	if len(name) != 4 || name[3] < '0' || name[3] > '3' {
		return 0, false
	}
	if name[:3] != "NIA" && name[:3] != "NEA" {
		return 0, false
	}
	return name[3] - '0', true
}

// DNN is one data network and the UE addresses the SMF hands out on it.
type DNN struct {
	// Name is the DNN as UEs request it (TS 23.003 §9.1).
	Name string `yaml:"name"`
	// IPv4Pool is the network UE IPv4 addresses come from; the zero
	// Prefix means the DNN offers no IPv4.
	IPv4Pool netip.Prefix `yaml:"ipv4_pool"`
	// IPv6Pool is the network UE /64 prefixes come from; the zero Prefix
	// means the DNN offers no IPv6.
	IPv6Pool netip.Prefix `yaml:"ipv6_pool"`
	// DNS are the resolvers offered to UEs, in order of preference.
	DNS []netip.Addr `yaml:"dns"`
	// PCSCF are the P-CSCF addresses offered to UEs that ask (IMS, TS
	// 24.229 §9.2.1), in order of preference.
	PCSCF []netip.Addr `yaml:"pcscf"`
	// MTU is the link MTU offered to UEs.
	MTU uint16 `yaml:"mtu"`
	// PCCRules are the PCC rules of every session on the DNN: each gets
	// a QoS flow of its own (TS 23.503 §6.3.1).
	PCCRules []PCCRule `yaml:"pcc_rules"`
}

// PCCRule is a PCC rule of a DNN (TS 29.512 PccRule with QosData),
// written as sbi.PCCRuleText describes: flow descriptions as
// IPFilterRule strings, bit rates as BitRate strings ("2 Mbps").
type PCCRule struct {
	ID               string   `yaml:"id"`
	FlowDescriptions []string `yaml:"flow_descriptions"`
	FiveQI           uint8    `yaml:"5qi"`
	ARP              PCCARP   `yaml:"arp"`
	GFBRUplink       string   `yaml:"gfbr_uplink"`
	GFBRDownlink     string   `yaml:"gfbr_downlink"`
	MFBRUplink       string   `yaml:"mfbr_uplink"`
	MFBRDownlink     string   `yaml:"mfbr_downlink"`
}

// PCCARP is a PCC rule's allocation and retention priority.
type PCCARP struct {
	PriorityLevel uint8  `yaml:"priority_level"`
	PreemptCap    string `yaml:"preempt_cap"`
	PreemptVuln   string `yaml:"preempt_vuln"`
}

// Rule reads the rule; the error is a *sbi.PCCRuleError naming the
// field.
func (r PCCRule) Rule() (sbi.PCCRule, error) {
	return sbi.PCCRuleText{ID: r.ID, FlowDescriptions: r.FlowDescriptions, FiveQI: int(r.FiveQI),
		ARP:        sbi.ARPText{PriorityLevel: int(r.ARP.PriorityLevel), PreemptCap: r.ARP.PreemptCap, PreemptVuln: r.ARP.PreemptVuln},
		GFBRUplink: r.GFBRUplink, GFBRDownlink: r.GFBRDownlink, MFBRUplink: r.MFBRUplink, MFBRDownlink: r.MFBRDownlink}.Parse()
}

// N2 is the NGAP listener facing gNBs.
type N2 struct {
	Address netip.AddrPort `yaml:"address"`
	SCTP    SCTPMode       `yaml:"sctp"`
	// SCTPDebug adds the userspace SCTP engine's own records (pion's
	// association internals) to the log at debug level. Off, log.level
	// debug shows Keel's records only.
	SCTPDebug bool `yaml:"sctp_debug"`
}

// N3 is the GTP-U listener of the UPF, facing gNBs.
type N3 struct {
	Address netip.AddrPort `yaml:"address"`
}

// N4 is the PFCP listener of the UPF, facing the SMF.
type N4 struct {
	Address netip.AddrPort `yaml:"address"`
}

// UPF holds the UPF's settings beyond its listeners.
type UPF struct {
	N4       UPFN4       `yaml:"n4"`
	DLBuffer UPFDLBuffer `yaml:"dl_buffer"`
	// TUN is the name of the UPF's N6 device; UPFs of one host (or
	// network namespace) each need their own.
	TUN string `yaml:"tun"`
}

// UPFDLBuffer bounds the downlink the UPF buffers for one session while
// its UE is idle or its tunnel not yet known (TS 29.244 §5.2.1, FAR
// BUFF): what goes past Packets or Bytes is dropped, and a packet kept
// longer than Time expires. All the sessions together keep at most 8192
// packets.
type UPFDLBuffer struct {
	Packets uint32        `yaml:"packets"`
	Bytes   uint32        `yaml:"bytes"`
	Time    time.Duration `yaml:"time"`
}

// UPFN4 says which CP functions (SMFs) the UPF takes N4 requests from.
type UPFN4 struct {
	// Peers are the SMFs allowed besides Keel's own: their source
	// addresses and PFCP Node IDs. Requests from any other address are
	// refused "Request rejected" (TS 29.244 §8.2.1), and so is an
	// association for an unlisted Node ID.
	Peers []netip.Addr `yaml:"peers"`
	// AllowAddressChange lets an associated SMF set its association up
	// again from another address; otherwise a Node ID stays with the
	// address that associated it.
	AllowAddressChange bool `yaml:"allow_address_change"`
}

// SMF holds the SMF's settings beyond the DNNs.
type SMF struct {
	N4 SMFN4 `yaml:"n4"`
	// UPFs are the UPFs the SMF associates with and selects among for
	// each PDU session by DNN, slice, the UE's tracking area and load
	// (TS 23.501 §6.3.3); none means the one UPF at n4.address (or the
	// UPF of this process), serving every DNN.
	UPFs []SMFUPF `yaml:"upfs"`
}

// SMFUPF is one UPF of smf.upfs.
type SMFUPF struct {
	// Name names the UPF in logs, metrics and the sessions API; "" for
	// its N4 address.
	Name string `yaml:"name"`
	// N4 is the UPF's PFCP address.
	N4 netip.AddrPort `yaml:"n4"`
	// Peers are the UPF's other source addresses of N4 requests.
	Peers []netip.Addr `yaml:"peers"`
	// DNNs are the data networks of dnns the UPF serves, each with the
	// UE address pools routed to it on N6 (the DNN's own when none is
	// given: shared with every UPF that takes them); none means every
	// DNN of dnns with its pools.
	DNNs []SMFUPFDNN `yaml:"dnns"`
	// Slices are the S-NSSAIs of slices the UPF serves; none means all.
	Slices []Slice `yaml:"slices"`
	// TACs are the tracking areas (of plmn) the UPF serves: UEs there
	// are given one of these UPFs first; none means every area.
	TACs []uint32 `yaml:"tacs"`
}

// SMFUPFDNN is a DNN a UPF of smf.upfs serves and its pools there.
type SMFUPFDNN struct {
	// Name is the name of an entry of dnns.
	Name     string       `yaml:"name"`
	IPv4Pool netip.Prefix `yaml:"ipv4_pool"`
	IPv6Pool netip.Prefix `yaml:"ipv6_pool"`
}

// SMFN4 is the SMF's own N4 endpoint and the UPFs it takes N4 requests
// from.
type SMFN4 struct {
	// Address is the IP the SMF's PFCP endpoint binds (on an ephemeral
	// port) and its PFCP Node ID (TS 29.244 §8.2.38); the zero Addr
	// means n4.address's IP. Two SMFs sharing a UPF need Node IDs of
	// their own: the UPF binds each association to its Node ID.
	Address netip.Addr `yaml:"address"`
	// Peers are the addresses UPF requests (heartbeats, association
	// setups, session reports) are taken from besides n4.address, the
	// UPF Keel runs or associates with (smf.upfs give theirs apart).
	Peers []netip.Addr `yaml:"peers"`
	// HeartbeatInterval is the period of the SMF's PFCP Heartbeat
	// Requests to each UPF (TS 29.244 §6.2.2): a UPF that answers none
	// (after the retransmissions, about 12 s) is lost, and its sessions
	// are released to be established on another UPF.
	HeartbeatInterval time.Duration `yaml:"heartbeat_interval"`
}

// HTTP is the listener of the management API and metrics.
type HTTP struct {
	// Address may have port 0: the system then picks a free port when
	// the listener opens.
	Address netip.AddrPort `yaml:"address"`
	// Pprof serves net/http/pprof under /debug/pprof/.
	Pprof bool `yaml:"pprof"`
	// TLS, when Certificate is set, serves the management API, the
	// console, the probes and the metrics over HTTPS: the console's
	// session cookie is then Secure.
	TLS HTTPTLS `yaml:"tls"`
}

// HTTPTLS is the certificate of the management listener.
type HTTPTLS struct {
	// Certificate and Key are PEM files; both or neither.
	Certificate string `yaml:"certificate"`
	Key         string `yaml:"key"`
}

// Store chooses where the UDR keeps the subscribers and the state shared
// by the instances of a network function.
type Store struct {
	// URL is a PostgreSQL URL (postgres://user:password@host:port/db?...)
	// of a database shared by every UDR instance; "" keeps the store in
	// an SQLite file in DataDir. The password is never logged: use
	// Redacted to show the URL.
	URL string `yaml:"url"`
}

// Redacted returns the URL with its password, if any, replaced by "xxxxx".
func (s Store) Redacted() string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Log sets up the process logger.
type Log struct {
	Format LogFormat `yaml:"format"`
	Level  LogLevel  `yaml:"level"`
}

// SCTPMode picks the SCTP implementation for N2.
type SCTPMode string

// SCTP implementations.
const (
	// SCTPAuto uses kernel SCTP where the kernel offers it and the
	// userspace stack otherwise.
	SCTPAuto      SCTPMode = "auto"
	SCTPKernel    SCTPMode = "kernel"
	SCTPUserspace SCTPMode = "userspace"
)

// LogFormat is the encoding of log lines.
type LogFormat string

// Log formats, as slog.TextHandler and slog.JSONHandler write them.
const (
	LogText LogFormat = "text"
	LogJSON LogFormat = "json"
)

// LogLevel is the least severe level that is logged.
type LogLevel string

// Log levels.
const (
	LogDebug LogLevel = "debug"
	LogInfo  LogLevel = "info"
	LogWarn  LogLevel = "warn"
	LogError LogLevel = "error"
)

// SlogLevel returns l as a slog.Level. Values Validate refuses map to
// slog.LevelInfo.
func (l LogLevel) SlogLevel() slog.Level {
	switch l {
	case LogDebug:
		return slog.LevelDebug
	case LogWarn:
		return slog.LevelWarn
	case LogError:
		return slog.LevelError
	}
	return slog.LevelInfo
}
